"""The one place where failures under the SCIM prefix become RFC 7644 §3.12 Error responses."""

import logging

import peewee
from flask import current_app, request
from werkzeug.exceptions import HTTPException

from scim import errors

from .. import hosts
from . import failures
from .http import PREFIX, scim_response

log = logging.getLogger(__name__)

_HTTP = {
    400: errors.InvalidSyntax, 401: errors.Unauthorized, 403: errors.Forbidden, 404: errors.NotFound,
    405: errors.MethodNotAllowed, 412: errors.PreconditionFailed, 413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
}


def register(app):
    """Install the handlers on the app: routing 404/405 never reach a blueprint's handlers."""
    app.register_error_handler(errors.ScimError, _scim_error)
    app.register_error_handler(hosts.UntrustedHost, _untrusted_host)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(peewee.IntegrityError, _integrity_error)
    app.register_error_handler(peewee.DataError, _data_error)
    app.register_error_handler(Exception, _unexpected)


def _in_scim():
    return request.path.startswith(PREFIX)


def _render(error):
    if error.status != 429:  # a throttled flood is not a provisioning decision, and must stay cheap
        failures.record(error)  # the audit trail's refused/failed writes, whichever handler got here
    response = scim_response(error.to_dict(), error.status)
    if error.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="usersync"'
    if error.status == 429:
        response.headers["Retry-After"] = str(error.retry_after)
    return response


def _scim_error(error):
    return _render(error)


def _http_error(exc):
    if not _in_scim():
        return exc
    kind = _HTTP.get(exc.code)
    error = kind() if kind else errors.ScimError(exc.description, status=exc.code)
    if exc.code == 413:
        # RFC 7644 §3.7.4: the 413 names the limit, for Bulk and every other endpoint.
        what = "bulk operation" if request.path.endswith("/Bulk") else "request"
        error = errors.PayloadTooLarge(
            f"The size of the {what} exceeds the maxPayloadSize ({current_app.config['MAX_CONTENT_LENGTH']}).")
    response = _render(error)
    if exc.code == 405 and getattr(exc, "valid_methods", None):
        response.headers["Allow"] = ", ".join(exc.valid_methods)
    return response


def _untrusted_host(exc):
    """A Host outside USERSYNC_TRUSTED_HOSTS: a 400 saying which setting to change, with no scimType (none is
    about the Host header; invalidSyntax is the body's)."""
    if not _in_scim():
        return exc
    return _render(errors.ScimError(exc.description, status=400))


def _integrity_error(exc):
    """A race lost between the uniqueness check and the insert (two creates of one userName)."""
    log.info("integrity error on %s %s: %s", request.method, request.path, exc)
    return _render(errors.Uniqueness())


def _data_error(exc):
    """A value the database refused (PostgreSQL checks lengths and ranges that validation missed): a 400, not a 500."""
    log.warning("data error on %s %s: %s", request.method, request.path, exc)
    if not _in_scim():
        return "Bad Request: a value is out of range.", 400
    return _render(errors.InvalidValue("A value is longer or larger than the store accepts."))


def _unexpected(exc):
    """Never a traceback or SQL text in a body: log it, answer a generic 500."""
    log.exception("unhandled error on %s %s", request.method, request.path)
    if not _in_scim():
        return "Internal Server Error", 500
    return _render(errors.ServerError())
