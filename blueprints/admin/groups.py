"""Groups: the host groups users land in, their members, and the SCIM groups (the IdP's view) feeding them."""

from flask import abort, render_template

from store.pages import activity as activity_pages
from store.pages import host_groups as host_group_pages
from store.pages import inputs
from store.pages import scim_groups as scim_group_pages

from . import bp
from .users import REASONS, arg, only_directory


@bp.get("/groups")
def groups():
    """Host groups, 50 a page, with directory, member count and who created each."""
    return _listed(host_group_pages.host_groups, "admin/groups.html")


@bp.get("/groups/<id:group_id>")
def group(group_id):
    """One host group: its members (paged) and the SCIM groups and default-group apps feeding it.

    404 when there is no host group with this id.
    """
    row = host_group_pages.host_group(group_id)
    if row is None:
        abort(404, description=f"There is no host group with the id {group_id}.")
    problems = {}
    number = arg(problems, "page", inputs.page_number) or 1
    members = host_group_pages.host_group_members(row, number)
    feeders, defaults = host_group_pages.feeding_scim_groups(row)
    return render_template("admin/groups_detail.html", group=row, page=members, problems=problems,
                           feeders=feeders, defaults=defaults, reasons=REASONS)


@bp.get("/groups/scim")
def scim_groups():
    """SCIM groups as the IdPs pushed them, per directory, with member counts."""
    return _listed(scim_group_pages.scim_groups, "admin/groups_scim.html")


def _listed(read, template):
    """A page of groups that read(text, directory, page number) finds for the request's q, directory and page."""
    problems = {}
    directories = inputs.directory_choices()
    text = arg(problems, "q", inputs.search_text)
    directory = arg(problems, "directory", inputs.choice, directories, "directory")
    number = arg(problems, "page", inputs.page_number) or 1
    return render_template(template, page=read(text, directory, number), problems=problems,
                           directories=directories, one_directory=only_directory(directories, directory))


@bp.get("/groups/scim/<group_id>")
def scim_group(group_id):
    """One SCIM group: its user members (paged), nested groups, the host groups each app gives, its history.

    404 when there is no SCIM group with this id.
    """
    row = scim_group_pages.scim_group(group_id)
    if row is None:
        abort(404, description=f"There is no SCIM group with the id '{group_id}'.")
    problems = {}
    number = arg(problems, "page", inputs.page_number) or 1
    return render_template("admin/groups_scim_detail.html", group=row,
                           page=scim_group_pages.scim_group_users(row, number), problems=problems,
                           nested=scim_group_pages.scim_group_nested(row),
                           targets=scim_group_pages.scim_group_targets(row),
                           history=scim_group_pages.scim_group_history(row), compact=activity_pages.compact_changes)
