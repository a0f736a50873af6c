"""Groups: the host groups users land in, their members, and the SCIM groups (the IdP's view) feeding them."""

from flask import abort, render_template

from store import pages

from . import bp
from .users import REASONS, arg, only_directory


@bp.get("/groups")
def groups():
    """Host groups, 50 a page, with directory, member count and who created each."""
    return _listed(pages.host_groups, "admin/groups.html")


@bp.get("/groups/<id:group_id>")
def group(group_id):
    """One host group: its members (paged) and the SCIM groups and default-group apps feeding it.

    404 when there is no host group with this id.
    """
    row = pages.host_group(group_id)
    if row is None:
        abort(404, description=f"There is no host group with the id {group_id}.")
    problems = {}
    number = arg(problems, "page", pages.page_number) or 1
    members = pages.host_group_members(row, number)
    feeders, defaults = pages.feeding_scim_groups(row)
    return render_template("admin/groups_detail.html", group=row, page=members, problems=problems,
                           feeders=feeders, defaults=defaults, reasons=REASONS)


@bp.get("/groups/scim")
def scim_groups():
    """SCIM groups as the IdPs pushed them, per directory, with member counts."""
    return _listed(pages.scim_groups, "admin/groups_scim.html")


def _listed(read, template):
    """A page of groups that read(text, directory, page number) finds for the request's q, directory and page."""
    problems = {}
    directories = pages.directory_choices()
    text = arg(problems, "q", pages.search_text)
    directory = arg(problems, "directory", pages.choice, directories, "directory")
    number = arg(problems, "page", pages.page_number) or 1
    return render_template(template, page=read(text, directory, number), problems=problems,
                           directories=directories, one_directory=only_directory(directories, directory))


@bp.get("/groups/scim/<group_id>")
def scim_group(group_id):
    """One SCIM group: its user members (paged), nested groups, the host groups each app gives, its history.

    404 when there is no SCIM group with this id.
    """
    row = pages.scim_group(group_id)
    if row is None:
        abort(404, description=f"There is no SCIM group with the id '{group_id}'.")
    problems = {}
    number = arg(problems, "page", pages.page_number) or 1
    return render_template("admin/groups_scim_detail.html", group=row, page=pages.scim_group_users(row, number),
                           problems=problems, nested=pages.scim_group_nested(row),
                           targets=pages.scim_group_targets(row), history=pages.scim_group_history(row),
                           compact=pages.compact_changes)
