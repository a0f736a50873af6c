"""The admin pages under /plugins/servlet/usersync/admin: every one behind a signed-in session."""

from flask import Blueprint, current_app, redirect, request, url_for
from werkzeug.routing import RequestRedirect

from rules import errors

from .. import error_pages
from . import nul, security

PREFIX = "/plugins/servlet/usersync/admin"
PUBLIC = {"admin.login", "admin.static"}
GUARDED = (PREFIX + "/", "/plugins/servlet/usersync/configure/")  # the admin pages and the setup wizard
NAVIGATION = (("admin.apps", "Configured IDPs"), ("admin.users", "Users"), ("admin.groups", "Groups"),
              ("admin.directories", "Directories"), ("admin.activity", "Activity"))

bp = Blueprint("admin", __name__, url_prefix=PREFIX)


@bp.before_request
def guard():
    """Sign-in first (except on the sign-in page), then CSRF on every form post, then no NUL anywhere."""
    if request.endpoint not in PUBLIC and not security.signed_in():
        return redirect(url_for("admin.login", next=request.full_path if request.query_string else request.path))
    security.check_csrf()
    nul.refuse_nul()
    return None


@bp.before_app_request
def guard_unknown():
    """An anonymous caller of an unknown path (or method) under the admin or wizard prefix is sent to sign in,
    as for a known one: a 404 or 405 would tell which pages exist."""
    failed = request.routing_exception
    if (failed is not None and not isinstance(failed, RequestRedirect)
            and request.path.startswith(GUARDED) and not security.signed_in()):
        return guard()
    return None


@bp.errorhandler(errors.NotFound)
def not_found(exc):
    """What a page names is not there: a 404 page saying what."""
    return error_pages.page(404, str(exc))


@bp.app_context_processor
def template_helpers():
    """csrf_token(), the signed-in state and the navigation (pages that exist) for every template."""
    navigation = [(endpoint, label) for endpoint, label in NAVIGATION if endpoint in current_app.view_functions]
    return {"csrf_token": security.csrf_token, "signed_in": security.signed_in(), "navigation": navigation}


# Routes register on bp as each module is imported.
from . import activity, apps, auth, directories, groups, names, options, reconcile, sync, users  # noqa: E402,F401
