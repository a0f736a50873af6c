"""The setup wizard (the plugin's Configuration tab): provider → method → app name → Save → base URL and token;
for the REST API method, app name → connection (Test connection) → Save → Synchronize."""

from flask import Blueprint

PREFIX = "/plugins/servlet/usersync/configure"

bp = Blueprint("wizard", __name__, url_prefix=PREFIX)


@bp.before_request
def guard():
    """The same sign-in and CSRF rules as every admin page."""
    from blueprints.admin import guard as admin_guard

    return admin_guard()


from . import rest, steps  # noqa: F401  (routes register on bp)
