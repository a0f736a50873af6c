"""Users: the host users provisioning made, searchable, and each one's groups and history.

Also the helpers every watching page (users, groups, directories, activity) shares: a filter
read from the query string with its problem kept for the page, and links to other pages of a list.
"""

from flask import abort, render_template, request, url_for

from store.pages import activity as activity_pages
from store.pages import inputs
from store.pages import users as user_pages
from store.resources.user_rows import MULTI

from . import bp

REASONS = {"manual": "Manual", "idp-group": "IdP group", "default": "Default group"}
_ATTRIBUTES = (
    ("id", "User ID"), ("host_username", "Host username"), ("user_name", "IdP userName"),
    ("external_id", "External ID"), ("display_name", "Display name"), ("name_formatted", "Name"),
    ("name_given", "Given name"), ("name_family", "Family name"), ("nick_name", "Nickname"), ("title", "Title"),
    ("user_type", "User type"), ("preferred_language", "Preferred language"), ("locale", "Locale"),
    ("timezone", "Time zone"), ("employee_number", "Employee number"), ("organization", "Organization"),
    ("division", "Division"), ("department", "Department"), ("cost_center", "Cost center"),
    ("manager_id", "Manager"), ("profile_url", "Profile URL"), ("directory_name", "Directory"),
    ("app_name", "Provisioned by"), ("version", "Version"),
)
_MULTI_LABELS = {"emails": "Emails", "phoneNumbers": "Phone numbers", "ims": "Instant messaging", "photos": "Photos",
                 "addresses": "Addresses", "entitlements": "Entitlements", "roles": "Roles",
                 "x509Certificates": "X.509 certificates"}


@bp.app_template_global()
def page_url(number):
    """This page's address, same filters, on page number."""
    return url_for(request.endpoint, **{**query_args(), **(request.view_args or {}), "page": number})


def query_args(*leave_out):
    """This page's query as url_for values, less leave_out and the names url_for keeps for itself
    (endpoint, _external, _scheme, ...: ?endpoint=x would break the call, ?_scheme=x the link)."""
    return {key: value for key, value in request.args.items()
            if key != "endpoint" and not key.startswith("_") and key not in leave_out}


def only_directory(directories, chosen):
    """The one directory every row of a list is in (the filter's, or the only one there is), else None:
    then the list names it once instead of on every row."""
    if chosen is None and len(directories) != 1:
        return None
    return next((name for directory_id, name in directories if chosen in (None, directory_id)), None)


def arg(problems, name, read, *extra):
    """request.args[name] through a store.pages.inputs reader; a refusal lands in problems[name], the value is None."""
    try:
        return read(request.args.get(name), *extra)
    except inputs.ViewError as exc:
        problems[name] = str(exc)
        return None


@bp.get("/users")
def users():
    """Host users, 50 a page: search by username, name or email; filter by directory, status and app."""
    problems = {}
    directories = inputs.directory_choices()
    apps = inputs.app_choices() + [(user_pages.NO_APP, "No app (host or admin)")]
    statuses = list(user_pages.STATUSES.items())
    text = arg(problems, "q", inputs.search_text)
    directory = arg(problems, "directory", inputs.choice, directories, "directory")
    status = arg(problems, "status", inputs.choice, statuses, "status")
    app = arg(problems, "app", inputs.choice, apps, "app")
    number = arg(problems, "page", inputs.page_number) or 1
    page = user_pages.users(text, directory, status, app, number)
    return render_template("admin/users.html", page=page, problems=problems, directories=directories,
                           apps=apps, statuses=statuses, one_directory=only_directory(directories, directory))


@bp.get("/users/<user_id>")
def user(user_id):
    """One host user: attributes, host groups and how each came, SCIM groups, and its history.

    404 when there is no user with this id.
    """
    detail = user_pages.user_detail(user_id)
    if detail is None:
        abort(404, description=f"There is no user with the id '{user_id}'.")
    row = detail["user"]
    attributes = [(label, row[key]) for key, label in _ATTRIBUTES if row.get(key) not in (None, "")]
    values = {}
    for value in detail["values"]:
        values.setdefault(value["attribute"], []).append(value)
    multi = [(_MULTI_LABELS.get(attribute, attribute), values[attribute]) for attribute in MULTI if attribute in values]
    return render_template("admin/users_detail.html", detail=detail, user=row, attributes=attributes,
                           multi=multi, reasons=REASONS, compact=activity_pages.compact_changes)
