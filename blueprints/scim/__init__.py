"""The SCIM 2.0 servlet at /plugins/servlet/usersync/scim, behind bearer tokens."""

from flask import Blueprint, current_app, g, request
from flask_httpauth import HTTPTokenAuth

from scim import errors, throttle
from store.tenancy import apps

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
def require_token():
    """Every SCIM endpoint, discovery included, needs a valid bearer token, whatever the method."""
    if request.method == "OPTIONS":
        return _options_token()
    return _token_required()


_token_required = auth.login_required(lambda: None)


def _options_token():
    """Flask-HTTPAuth lets OPTIONS through without a token, for browsers' CORS preflights: no IdP sends one,
    and an anonymous answer would tell which SCIM paths and methods exist."""
    app = auth.authenticate(auth.get_auth(), None)
    if app in (False, None):
        return auth.auth_error_callback(401)
    g.flask_httpauth_user = app  # where auth.current_user() reads it
    return None


@bp.record_once
def _buckets(state):
    """The rate limiter is built from the app's configuration when the blueprint is registered."""
    config = state.app.config
    state.app.extensions["usersync.throttle"] = throttle.from_config(config["SCIM_RATE_LIMIT"],
                                                                     config["SCIM_RATE_BURST"])


@bp.before_request
def limit_rate():
    """Optional per-token rate limit (SCIM_RATE_LIMIT): a 429 with Retry-After past it."""
    buckets = current_app.extensions["usersync.throttle"]
    wait = buckets.take(idp_app().id) if buckets else 0
    if wait:
        raise errors.TooManyRequests(wait)


def idp_app():
    """The IdP app whose token this request carries."""
    return auth.current_user()


def directory_id():
    """The directory of the app whose token this request carries."""
    return auth.current_user().directory_id


from . import bulk, connections, discovery, resources, search, traffic  # noqa: E402,F401  (they register on bp)
