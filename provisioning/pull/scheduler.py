"""The pull scheduler of `usersync serve`: a daemon thread that, while this process leads, runs pulls.

Each pass (every SYNC_POLL_SECONDS): runs whose process died are marked interrupted, sources whose
scheduled time has come get a run queued, and queued runs (from "Synchronize now" too) are run one at
a time. Only the leader (store.ops.leader: a PostgreSQL advisory lock, or a flock beside the SQLite file)
does any of it, so with several instances on one store exactly one runs each pull.
"""

import logging
import threading
from datetime import timedelta

from models import db
from provisioning.pull import engine
from store.ops.leader import Leader
from store.pull import runs, sources
from store.tenancy import secrets

log = logging.getLogger("usersync.sync")

FULL_EVERY = timedelta(days=1)  # a scheduled run reads everything (and finds deletions) at least this often
STOP_WAIT = 10.0  # seconds stop() waits for the run in progress to save its place


class Scheduler:
    """Runs due and queued pulls while leader leads; run_pending() is one pass, start() a thread of passes."""

    def __init__(self, flask_app, leader=None, poll_seconds=None, client_factory=None):
        self.flask_app = flask_app
        self.leader = leader or Leader(flask_app.config["DATABASE_URL"])
        self.poll_seconds = poll_seconds if poll_seconds is not None else flask_app.config["SYNC_POLL_SECONDS"]
        self.client_factory = client_factory
        self.stopping = threading.Event()
        self.owner = None
        self._thread = None

    def start(self):
        self._thread = threading.Thread(target=self._loop, name="usersync-pull-scheduler", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout=STOP_WAIT):
        """Stop: the run in progress ends interrupted at its next resource (the next leader resumes it)."""
        self.stopping.set()
        if self._thread is not None:
            self._thread.join(timeout)
        self.leader.release()

    def run_pending(self):
        """One pass, synchronously; False when another process leads."""
        if not self.leader.acquire():
            return False
        with self.flask_app.app_context(), db.connection_context():
            runs.mark_stale()
            self._queue_due()
            while not self.stopping.is_set():
                queued = runs.next_queued()
                if queued is None:
                    break
                self._run(queued)
        return True

    def _loop(self):
        while not self.stopping.is_set():
            try:
                self.run_pending()
            except Exception:
                log.exception("the pull scheduler's pass failed; trying again in %s s", self.poll_seconds)
            self.stopping.wait(self.poll_seconds)

    def _queue_due(self):
        """Queue a run of each source whose time has come, and move its next run on (missed slots are skipped)."""
        for row in sources.due():
            with db.atomic():
                sources.advance(row)
                try:
                    runs.request(row.app_id, full=_full_due(row.app_id), trigger="schedule")
                except runs.SyncRefused as refused:  # busy, most likely: this slot is skipped
                    log.info("scheduled pull not queued: %s", refused)

    def _run(self, queued):
        """One queued run, to its end, with this process as its owner."""
        self.owner = runs.owner_id()
        try:
            key = secrets.key_from(self.flask_app.config)
        except secrets.SecretKeyError as error:  # a deployment mistake: say so on the run, not in a loop
            if runs.claim(queued.id, self.owner):
                runs.finish(queued.id, self.owner, "failed", error=str(error))
            return
        app = runs.fresh_app(queued.app_id)
        log.info("pull run #%d of '%s' starting", queued.id, app.name)
        status = engine.run(app, queued.id, key, self.client_factory, stop=self.stopping, owner=self.owner)
        log.info("pull run #%d of '%s' ended: %s", queued.id, app.name, status)


def _full_due(app_id):
    """Whether the scheduled run should read everything: no complete full run within FULL_EVERY."""
    return not runs.full_succeeded_within(app_id, FULL_EVERY)


def start(flask_app):
    """A running Scheduler for this app (its thread is a daemon: it never keeps the process alive)."""
    return Scheduler(flask_app).start()
