"""/health and /ready for load balancers: no sign-in, no versions or secrets, never cached."""

import logging

import peewee
from flask import Blueprint, jsonify

from models import db

bp = Blueprint("ops", __name__)
log = logging.getLogger(__name__)


@bp.get("/health")
def health():
    """Liveness: the process answers. The store is not touched (app._connect skips this blueprint)."""
    return jsonify(status="ok")


@bp.get("/ready")
def ready():
    """Readiness: the migrated store answers (a missing SQLite file would be created empty, so
    SELECT 1 is not enough); 503 with a short reason when it does not."""
    try:
        db.connect(reuse_if_open=True)  # closed at teardown, like every request's connection
        db.execute_sql("SELECT MAX(version) FROM schema_version")
    except peewee.PeeweeException as exc:  # peewee wraps every driver error, connecting included
        log.warning("not ready: the database did not answer (%s: %s)", type(exc).__name__, exc)
        return jsonify(status="unavailable", reason="database unreachable"), 503
    return jsonify(status="ready")


@bp.after_request
def no_store(response):
    """A probe's answer is only true now."""
    response.headers["Cache-Control"] = "no-store"
    return response
