"""Pull runs: queued by an admin, the schedule or the CLI; claimed by one process; checkpointed; finished.

At most one run per app is queued or running. Every write here is a short transaction of its own, so
a run's progress never holds the store while SCIM pushes wait.
"""

import json
import os
import socket
import threading
from datetime import timedelta

import peewee

from models import IdpApp, SyncRun, SyncSource, db, utcnow
from rules import errors
from store.trail import audit

TRIGGERS = ("manual", "schedule", "cli")
# A running run beats at least every HEARTBEAT_SECONDS; one silent for STALE_SECONDS lost its process.
HEARTBEAT_SECONDS = 10
STALE_SECONDS = 60
ACTIVE = ("queued", "running")
FINAL = ("succeeded", "failed", "interrupted")


class SyncRefused(errors.Refused):
    """A run cannot be requested (no source configured, the app disabled); the message says why."""


class SyncBusy(SyncRefused):
    """A run of this app is already queued or running; .run_id is that run."""

    def __init__(self, app, run_id):
        super().__init__(f"A pull of '{app.name}' is already queued or running (run #{run_id}).")
        self.run_id = run_id


def owner_id():
    """Who runs a run: host, process and thread, so a stale heartbeat can be told from a live one."""
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"[:255]


def request(app, full=False, trigger="manual"):
    """Queue a run of the app (the scheduler of `usersync serve` starts it); its id.

    Raises SyncBusy when one is queued or running, SyncRefused when the app cannot pull."""
    return _create(app, full, trigger, status="queued")


def begin(app, full=False, trigger="cli", owner=None):
    """Create a run already running for this process (the CLI runs it in the foreground); its id."""
    return _create(app, full, trigger, status="running", owner=owner or owner_id())


def status(run_id):
    """A run as JSON-ready values, or None."""
    run = SyncRun.get_or_none(SyncRun.id == run_id)
    return None if run is None else as_dict(run)


def recent(app, limit=10):
    """The app's latest runs, newest first, as status() gives them."""
    return [as_dict(run) for run in SyncRun.select().where(SyncRun.app == _app_id(app))
            .order_by(SyncRun.id.desc()).limit(limit)]


def get(run_id):
    """The run with this id; SyncRun.DoesNotExist when there is none."""
    return SyncRun.get_by_id(run_id)


def age(run):
    """How long ago the run was requested."""
    return utcnow() - run.requested


def full_succeeded_within(app_id, period):
    """Whether a full run of the app succeeded within period of now."""
    return SyncRun.select().where((SyncRun.app == app_id) & (SyncRun.full == True)  # noqa: E712
                                  & (SyncRun.status == "succeeded")
                                  & (SyncRun.finished > utcnow() - period)).exists()


def fresh_app(app):
    """The app's row read afresh, from the row or its id; IdpApp.DoesNotExist when there is none."""
    return IdpApp.get_by_id(_app_id(app))


def as_dict(run):
    return {
        "id": run.id, "app": run.app_id, "status": run.status, "phase": run.phase, "done": run.done,
        "total": run.total, "counts": json.loads(run.counts or "{}"), "error": run.error, "full": run.full,
        "trigger": run.trigger, "requested": audit.iso(run.requested), "started": audit.iso(run.started),
        "finished": audit.iso(run.finished), "heartbeat": audit.iso(run.heartbeat),
    }


# --- the runner's side --------------------------------------------------------------------------


def next_queued():
    """The oldest queued run, or None."""
    return SyncRun.select().where(SyncRun.status == "queued").order_by(SyncRun.id).first()


def claim(run_id, owner):
    """Take a queued run (or one this owner already runs): True when it is now this owner's."""
    now = utcnow()
    with db.atomic():
        taken = SyncRun.update(status="running", owner=owner, started=now, heartbeat=now).where(
            (SyncRun.id == run_id) & (SyncRun.status == "queued")).execute()
        if taken:
            return True
        return SyncRun.select().where((SyncRun.id == run_id) & (SyncRun.status == "running")
                                      & (SyncRun.owner == owner)).exists()


def checkpoint(run_id, owner, **fields):
    """Save progress (and the heartbeat); False when the run is no longer this owner's to run."""
    values = {**fields, "heartbeat": utcnow()}
    for name in ("counts", "cursor"):
        if name in values:
            values[name] = json.dumps(values[name], sort_keys=True)
    with db.atomic():
        return bool(SyncRun.update(**values).where(
            (SyncRun.id == run_id) & (SyncRun.status == "running") & (SyncRun.owner == owner)).execute())


def finish(run_id, owner, status, **fields):
    """End a run this owner runs: succeeded, failed or interrupted."""
    return checkpoint(run_id, owner, status=status, finished=utcnow(), **fields)


def previous(run):
    """The app's run before this one, or None."""
    return (SyncRun.select().where((SyncRun.app == run.app_id) & (SyncRun.id < run.id))
            .order_by(SyncRun.id.desc()).first())


def mark_stale(app_id=None, stale_seconds=STALE_SECONDS):
    """Runs 'running' without a heartbeat for stale_seconds: their process died. Marked interrupted (a
    rerun resumes them) and audited; their ids."""
    cutoff = utcnow() - timedelta(seconds=stale_seconds)
    query = SyncRun.select().where((SyncRun.status == "running") & (SyncRun.heartbeat < cutoff))
    if app_id is not None:
        query = query.where(SyncRun.app == app_id)
    marked = []
    for run in query:
        with db.atomic():
            changed = SyncRun.update(status="interrupted", finished=utcnow(),
                                     error="Its process stopped without finishing; the next run resumes it.").where(
                (SyncRun.id == run.id) & (SyncRun.status == "running") & (SyncRun.heartbeat < cutoff)).execute()
            if changed:
                audit.record(run.app, "pull-sync", "failed",
                             f"pull run #{run.id} interrupted: no heartbeat from {run.owner} for over "
                             f"{stale_seconds:g} s; the next run resumes where it stopped")
                marked.append(run.id)
    return marked


def _create(app, full, trigger, status, owner=None):
    if trigger not in TRIGGERS:
        raise ValueError(f"trigger must be one of {', '.join(TRIGGERS)}")
    app_id = _app_id(app)
    mark_stale(app_id)  # a dead process's run must not keep the app busy forever
    with db.atomic():
        app = _locked_app(app_id)
        if app is None:
            raise SyncRefused(f"There is no app {app_id!r}.")
        if app.method != "rest":
            raise SyncRefused(f"'{app.name}' uses SCIM: its IdP pushes changes, so there is nothing to pull.")
        if not SyncSource.select().where(SyncSource.app == app.id).exists():
            raise SyncRefused(f"'{app.name}' has no source to pull from: configure one first.")
        if not app.enabled:
            raise SyncRefused(f"'{app.name}' is disabled: enable it to pull.")
        busy = SyncRun.select(SyncRun.id).where((SyncRun.app == app.id) & SyncRun.status.in_(ACTIVE)).first()
        if busy is not None:
            raise SyncBusy(app, busy.id)
        now = utcnow()
        running = {"owner": owner, "started": now, "heartbeat": now} if status == "running" else {}
        return SyncRun.create(app=app.id, trigger=trigger, full=bool(full), status=status, requested=now,
                              **running).id


def _locked_app(app_id):
    """The app row, locked on PostgreSQL so two requests for one app queue one run (SQLite's writes are IMMEDIATE)."""
    query = IdpApp.select().where(IdpApp.id == app_id)
    if not isinstance(db.obj, peewee.SqliteDatabase):
        query = query.for_update()
    return query.first()


def _app_id(app):
    return app.id if isinstance(app, IdpApp) else app
