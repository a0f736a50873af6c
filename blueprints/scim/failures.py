"""Refused and failed SCIM writes in the audit trail, recorded where every error is rendered."""

import json
import logging
from contextlib import contextmanager

from flask import g, request

from models import db
from store.resources.names import name_of
from store.trail import audit

from . import auth
from .http import PREFIX

log = logging.getLogger(__name__)

_RESOURCES = {"Users": ("User", "user"), "Groups": ("Group", "group")}
_VERBS = {"POST": "create", "PUT": "update", "PATCH": "update", "DELETE": "delete"}


def record(error, *, method=None, path=None, body=None):
    """Audit a write an authenticated app was refused (4xx) or that failed (5xx); never raises.

    The request's transaction was rolled back before its error reached the handlers, so the
    event is written in a transaction of its own. Without an app (a 401, a routing 404) there
    is no provisioning decision to record. method, path (relative to the SCIM base, "/Users/x")
    and body default to the request's; a Bulk operation passes its own.
    """
    try:
        method = method or request.method
        if path is None:
            if not request.path.startswith(PREFIX + "/"):
                return
            path = request.path[len(PREFIX):]
        if "audit_batch" in g:
            g.audit_batch.append((error, method, path, body))
            return
        _record(error, method, path, body)
    except Exception:
        log.exception("could not audit the failed %s %s", method, path or request.path)


@contextmanager
def deferred():
    """Collect the failures of a Bulk request and record them in one transaction at the end:
    1,000 refused operations cost one commit (one fsync), not 1,000."""
    g.audit_batch = []
    try:
        yield
    finally:
        batch = g.pop("audit_batch")
        try:
            with db.atomic():
                for entry in batch:
                    _record(*entry)
        except Exception:
            log.exception("could not audit %d failed bulk operations", len(batch))


def _record(error, method, path, body):
    app = auth.current_user()
    target = _target(method, path)
    if app is None or target is None:
        return
    operation, resource_type, resource_id = target
    audit.record(app, operation, "refused" if error.status < 500 else "failed", error.detail,
                 resource_type=resource_type, resource_id=resource_id,
                 subject=_subject(app, resource_type if error.status != 404 else None, resource_id,
                                  _request_json() if body is None else body))  # a 404 has no stored name


def _target(method, path):
    """(operation, resource type, id) of a write to /Users, /Groups or /Bulk, or None for reads and the rest."""
    parts = path.strip("/").split("/")
    if method not in _VERBS:
        return None
    if parts == ["Bulk"] and method == "POST":
        return "bulk", None, None
    if parts[0] not in _RESOURCES or len(parts) > 2 or (len(parts) == 1) != (method == "POST"):
        return None
    if parts[-1] == ".search":
        return None  # POST /Users/.search is a read
    resource_type, noun = _RESOURCES[parts[0]]
    return f"{_VERBS[method]}-{noun}", resource_type, parts[1] if len(parts) == 2 else None


def _request_json():
    try:
        return json.loads(request.get_data(cache=True) or b"null")
    except Exception:  # a malformed or over-long body: the failure itself says so
        return None


def _subject(app, resource_type, resource_id, body):
    """The userName or displayName the body names, else the stored one's; None when neither is at hand."""
    if isinstance(body, dict):
        name = body.get("userName") or body.get("displayName")
        if isinstance(name, str) and name:
            return name
    if resource_type is None or resource_id is None:
        return None
    return name_of(resource_type, app.directory_id, resource_id)
