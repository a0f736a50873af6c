"""Configured IDPs: the IdP apps with their state and counts, and what an admin does to one."""

from http import HTTPStatus

from flask import abort, flash, redirect, render_template, request, url_for

from blueprints.wizard import connect
from store.pages import activity as activity_pages
from store.pages import apps as app_pages
from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store

from . import bp


@bp.get("/")
def apps():
    """Every configured IdP app, with its directory, state, last request and counts."""
    users, groups = app_pages.app_counts()
    now = activity_pages.now()
    rows = [{"app": app, "provider": app_store.PROVIDERS.get(app.provider, app.provider),
             "method": _METHODS.get(app.method, app.method), "directory": app.directory.name,
             "last_request": _last_request(app, now),
             "users": users.get(app.id, 0), "groups": groups.get(app.id, 0),
             "options_url": connect.link_to("admin.options", app_id=app.id)}
            for app in app_store.listed()]
    return render_template("admin/apps.html", rows=rows, base_url=connect.scim_base_url(),
                           base_url_origin=connect.base_url_origin())


@bp.route("/apps/<id:app_id>/edit", methods=["GET", "POST"])
def app_edit(app_id):
    """Rename an app, enable or disable it and choose its directory (provider and method stay as created).

    Raises 404 for an unknown app.
    """
    app = app_store.found(app_id)
    if request.method == "GET":
        return _edit_page(app, {"name": app.name, "enabled": app.enabled, "directory": app.directory.name})
    form = {"name": request.form.get("name", app.name).strip(), "enabled": request.form.get("enabled") == "on",
            "directory": request.form.get("directory", "").strip()}
    if directory_store.find(form["directory"]) is None:
        return _edit_page(app, form, {"directory": f"There is no directory named '{form['directory']}'. "
                                                   "Choose one from the list."})
    try:
        app, changed, _ = app_store.configure(app.name, directory=form["directory"], enabled=form["enabled"],
                                              new_name=form["name"])
    except app_store.AppError as exc:
        return _edit_page(app, form, exc.messages if "name" in exc.messages else {"directory": str(exc)})
    flash(_describe_changes(app, changed), "success" if changed else "info")
    return redirect(url_for("admin.apps"))


@bp.post("/apps/<id:app_id>/enabled")
def app_set_enabled(app_id):
    """Enable or disable an app from the list; a disabled app's token is refused (401).

    Raises 404 for an unknown app, 400 unless the form says enabled=true or enabled=false.
    """
    app = app_store.found(app_id)
    if request.form.get("enabled") not in ("true", "false"):
        abort(400, description="Say whether to enable the app: enabled=true or enabled=false.")
    app, changed, _ = app_store.configure(app.name, enabled=request.form["enabled"] == "true")
    flash(_describe_changes(app, changed), "success" if changed else "info")
    return redirect(url_for("admin.apps"))


@bp.route("/apps/<id:app_id>/rotate", methods=["GET", "POST"])
def app_rotate(app_id):
    """Confirm, then replace the app's token and show the new one once; the form names the token it
    replaces, so sending it twice rotates once.

    Raises 404 for an unknown app.
    """
    app = app_store.found(app_id)
    if request.method == "GET":
        return _rotate_page(app)
    try:
        app, token = app_store.rotate(app.name, request.form.get("replacing"))
    except app_store.AppError as exc:  # the form sent again (a reload of the result): no second rotation
        return _rotate_page(app, str(exc)), 409
    return connect.render_result(app, token, f"New token for {app.name}")


def _rotate_page(app, error=None):
    return render_template("admin/apps_rotate.html", app=app, replacing=app_store.fingerprint(app), error=error,
                           provider=app_store.PROVIDERS.get(app.provider, app.provider))


@bp.route("/apps/<id:app_id>/delete", methods=["GET", "POST"])
def app_delete(app_id):
    """Confirm, then delete the app; its users and groups stay in their directory.

    Raises 404 for an unknown app.
    """
    app = app_store.found(app_id)
    if request.method == "GET":
        users = app_pages.provisioned_by(app.id)
        return render_template("admin/apps_delete.html", app=app, users=users,
                               provider=app_store.PROVIDERS.get(app.provider, app.provider))
    app_store.delete(app.name)
    flash(f"Deleted the app '{app.name}'. Its token no longer works; the users and groups it provisioned stay in "
          f"'{app.directory.name}'.", "success")
    return redirect(url_for("admin.apps"))


@bp.get("/apps/<id:app_id>/setup")
def app_setup(app_id):
    """The app's SCIM base URL and its IdP's setup steps again (the token stays hidden).

    Raises 404 for an unknown app.
    """
    app = app_store.found(app_id)
    return connect.render_result(app, None, f"Set up {app.name}")


_METHODS = {"scim": "SCIM", "rest": "REST API"}


def ago(moment, now):
    """'never', or how long ago moment was, in words."""
    if moment is None:
        return "never"
    seconds = max(0, int((now - moment).total_seconds()))
    if seconds < 60:
        return "less than a minute ago"
    for size, unit in ((86400 * 365, "year"), (86400 * 30, "month"), (86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            break
    count = seconds // size
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def _last_request(app, now):
    """The app's last request as the list shows it: when, and (once noted) the method and the answer's status.

    An app last used before requests were noted has its last use alone; None when it never called.
    """
    moment = app.last_request or app.last_used
    if moment is None:
        return None
    status = app.last_request_status if app.last_request else None
    return {"ago": ago(moment, now), "iso": _iso(moment), "method": app.last_request_method if status else None,
            "status": status, "ok": status is not None and status < 400,
            "phrase": _STATUS_PHRASES.get(status, "")}


_STATUS_PHRASES = {status.value: status.phrase for status in HTTPStatus}


def _iso(moment):
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def _edit_page(app, form, errors=None):
    """The edit form with form's values ({name, enabled, directory}) and errors ({field: message})."""
    return render_template("admin/apps_edit.html", app=app, form=form, errors=errors or {}, name_max=app_store.NAME_MAX,
                           directories=directory_store.list_directories(),
                           provider=app_store.PROVIDERS.get(app.provider, app.provider),
                           method=_METHODS.get(app.method, app.method),
                           last_used=ago(app.last_used, activity_pages.now())), 400 if errors else 200


def _describe_changes(app, changed):
    """A flag message for configure()'s {key: [old, new]}."""
    if not changed:
        return f"Nothing changed for '{app.name}'."
    parts = []
    if "name" in changed:
        parts.append(f"renamed from '{changed['name'][0]}'")
    if "enabled" in changed:
        parts.append("enabled: its token works again" if app.enabled
                     else "disabled: its token is refused (401) until you enable it again")
    if "directory" in changed:
        old, new = changed["directory"]
        parts.append(f"now provisions into '{new}' (users already in '{old}' stay there)")
    return f"'{app.name}' " + "; ".join(parts) + "."
