"""Each app's last request, for Configured IDPs, and its first after a new token, on the audit trail as a connection."""

import logging

from flask import request

from store.tenancy import apps as app_store

from . import auth, bp
from .http import PREFIX

log = logging.getLogger(__name__)


# App-wide, not the blueprint's own hook: routing 404/405 never reach the blueprint, and an IdP whose
# base URI is wrong (Oracle's Test Connectivity on /scim/v2/Users, say) is told apart only there.
@bp.after_app_request
def note_request(response):
    """Note the request on the app whose token it carries, errors included. Never fails.

    On the hot path: most requests only compare times already loaded with the app, and write nothing.
    """
    environ = request.environ
    if not environ.get("PATH_INFO", "").startswith(PREFIX):
        return response
    try:
        app, status = _requesting_app(), response.status_code
        if app is not None and app_store.request_due(app, status):  # a 401 has no app: nothing to note
            app_store.note_request(app, environ.get("REQUEST_METHOD", "GET"), _sent_path(environ), status)
    except Exception:
        log.exception("could not note the SCIM request %s %s", request.method, request.path)
    return response


def _requesting_app():
    """The app the blueprint authenticated, or (a routing 404/405, which skips it) the one the token names."""
    app = auth.current_user()
    if app is None and request.blueprint is None:
        scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer":
            app = app_store.by_token(token.strip())
    return app


def _sent_path(environ):
    """The path as the IdP sent it, after the SCIM base URL (what it typed is what the admin recognises)."""
    sent = environ.get("usersync.original_path", environ.get("PATH_INFO", ""))
    sent = sent.encode("latin-1", "replace").decode("utf-8", "replace")  # WSGI's PATH_INFO is latin-1 bytes
    return (sent[len(PREFIX):] or "/") if sent.lower().startswith(PREFIX.lower()) else sent
