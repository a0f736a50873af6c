"""One request id and one JSON log line per request, SCIM, admin and ops alike."""

import json
import logging
import re
import time
import uuid

import orjson
from flask import g, request, request_started

from blueprints.scim import auth
from store.tenancy import apps as app_store
from store.trail import redaction

log = logging.getLogger("usersync.requests")

# What a proxy or an IdP may hand us as its own id; anything else could forge or break a log line.
_SANE_ID = re.compile(r"[A-Za-z0-9._-]{1,64}")
_MAX_PATH = 2048


def init_app(app):
    """Stamp every request before any before_request hook runs, and log it after every other after_request hook."""
    # request_started fires ahead of all before_request functions, whatever their registration order,
    # so the id exists even when connecting to the store (app._connect) fails.
    request_started.connect(_stamp, app)
    app.after_request(_finish)  # registered before the blueprints: after_request hooks run last-registered first


def _stamp(_sender, **_extra):
    """g.request_id (the caller's X-Request-Id when it is a sane token, else a new uuid4) and a start time."""
    incoming = request.headers.get("X-Request-Id", "").strip()
    g.request_id = incoming if _SANE_ID.fullmatch(incoming) else str(uuid.uuid4())
    g.request_started = time.perf_counter()


def _finish(response):
    """X-Request-Id on the response and the request's log line: no query string, body, header or cookie."""
    request_id = g.get("request_id") or str(uuid.uuid4())
    response.headers["X-Request-Id"] = request_id
    if not log.isEnabledFor(logging.INFO):
        return response
    started = g.get("request_started")
    log.info(_json_line({
        "event": "request", "request_id": request_id, "method": request.method[:16],
        "path": logged_path(request.path)[:_MAX_PATH], "status": response.status_code,
        "ms": None if started is None else round((time.perf_counter() - started) * 1000, 1),
        "app": _idp_app_name(), "remote": request.remote_addr,
    }))
    return response


def logged_path(path):
    """The path without a bearer token in it: this request's own, or any app's pasted into a URL by mistake."""
    try:
        secrets = app_store.known_tokens(redaction.token_candidates(path))
    except Exception:  # the store is unreachable: the line is still written, token-shaped segments hidden
        log.exception("could not check the path for tokens")
        secrets = redaction.token_candidates(path)
    token = _bearer_token()
    if token:
        secrets.add(token)
    return redaction.scrub(path, secrets)


def _bearer_token():
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def _json_line(fields):
    """Compact JSON: orjson, or the standard library for what orjson refuses (a lone surrogate)."""
    try:
        return orjson.dumps(fields).decode()
    except orjson.JSONEncodeError:
        return json.dumps(fields, separators=(",", ":"))


def _idp_app_name():
    """The name of the IdP app whose bearer token this SCIM request carried, or None."""
    app = auth.current_user()
    return app.name if app is not None else None
