"""The SCIM 2.0 servlet at /plugins/servlet/usersync/scim, behind bearer tokens."""

from flask import Blueprint
from flask_httpauth import HTTPTokenAuth

from scim import errors
from store import apps

from .http import PREFIX, scim_response

bp = Blueprint("scim", __name__, url_prefix=PREFIX)
auth = HTTPTokenAuth(scheme="Bearer", realm="usersync")


@auth.verify_token
def verify_token(token):
    """The IdP app that owns this token, or None."""
    return apps.authenticate(token)


@auth.error_handler
def auth_error(status):
    """RFC 7644 §3.12: the same Error body as every other failure."""
    error = errors.Unauthorized() if status == 401 else errors.Forbidden()
    return scim_response(error.to_dict(), error.status)


@bp.before_request
@auth.login_required
def require_token():
    """Every SCIM endpoint, discovery included, needs a valid bearer token."""


def idp_app():
    """The IdP app whose token this request carries."""
    return auth.current_user()


def directory_id():
    """The directory of the app whose token this request carries."""
    return auth.current_user().directory_id


from . import bulk, discovery, resources, search, traffic  # noqa: E402,F401  (routes and hooks register on bp)
