"""The per-app traffic log of what IdPs send and receive, under the request id blueprints.requestlog stamps."""

import logging
import time

from flask import current_app, g, request

from rules import options as provisioning_options
from store.tenancy import apps as app_store
from store.trail import redaction, traffic

from . import auth, bp
from .http import PREFIX

log = logging.getLogger(__name__)


def _in_scim():
    return request.path.startswith(PREFIX)


# App-wide, not the blueprint's own hook: routing 404/405 never reach the blueprint.
@bp.after_app_request
def log_exchange(response):
    """Every SCIM exchange, errors included, logged when the app asks. Never fails."""
    if not _in_scim():
        return response
    try:
        _record(response, g.request_id)
    except Exception:
        log.exception("could not log SCIM exchange %s", g.get("request_id"))
    return response


def _record(response, request_id):
    token = _bearer_token()
    app = _app(token)
    if app is None or not provisioning_options.load(app.options).traffic_log:
        return
    config = current_app.config
    latency_ms = (time.perf_counter() - g.request_started) * 1000
    query = request.query_string.decode("utf-8", errors="replace")
    sent_path = request.environ.get("usersync.original_path", request.path)
    traffic.record(app, request_id, request.method, sent_path + (f"?{query}" if query else ""),
                   response.status_code, latency_ms, _request_body(),
                   None if response.is_streamed else response.get_data(),
                   config["TRAFFIC_LOG_MAX_BODY"], config["TRAFFIC_LOG_MAX_ENTRIES"],
                   secrets=_secrets(token, sent_path))


def _secrets(token, path):
    """What must not be stored: this request's token, and any app's token pasted into the path."""
    secrets = app_store.known_tokens(redaction.token_candidates(path))
    return secrets | {token} if token else secrets


def _bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _app(token):
    """The app that made this request: authenticated by the blueprint, or (routing 404/405) by its token."""
    app = auth.current_user()
    if app is None and request.blueprint is None and token:
        app = app_store.by_token(token)
    return app


def _request_body():
    try:
        return request.get_data(cache=True)
    except Exception:  # e.g. 413: over MAX_CONTENT_LENGTH, never read
        return f"[request body not read: {request.content_length} bytes]"
