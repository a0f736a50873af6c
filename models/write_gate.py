"""The write gate: SQLite writers queue on a lock that wakes the next one as soon as a write commits.

A writer that finds SQLite's database locked sleeps in SQLite's busy handler (1, 2, 5, 10 … up to 100 ms)
even when the lock is freed 3 ms later; at 8 concurrent writers that was p99 latencies of 0.3–0.4 s.
So every write transaction first takes a lock inside the process (threading) and, for a database in a file,
an `flock` on a lock file beside it (other processes on the same store); the kernel and the thread lock both
hand over to the next waiter at once. SQLite's busy timeout stays as the last resort.
"""

import atexit
import collections
import contextlib
import fcntl
import logging
import os
import threading
import time

from playhouse.db_url import register_database
from playhouse.pool import PooledSqliteDatabase

from .checkpoints import Checkpointer

GATED_SCHEME = "gated"  # sqlite+gated:// in playhouse.db_url: the pooled database below
WRITE_LOCKS = ("IMMEDIATE", "EXCLUSIVE")  # a DEFERRED (read) transaction never waits for a writer
THREAD_WAIT = 10.0  # seconds, as the busy timeout: past it, go on without the gate and let SQLite decide

log = logging.getLogger(__name__)


class HoldTimes:
    """How long writes held the gate: count, total and longest, in seconds."""

    def __init__(self):
        self._lock = threading.Lock()
        self.count, self.total, self.longest = 0, 0.0, 0.0

    def add(self, seconds):
        with self._lock:
            self.count += 1
            self.total += seconds
            self.longest = max(self.longest, seconds)

    def summary(self):
        """A dict of the figures in milliseconds."""
        with self._lock:
            mean = self.total / self.count if self.count else 0.0
            return {"writes": self.count, "mean_ms": round(mean * 1000, 3), "max_ms": round(self.longest * 1000, 3),
                    "total_ms": round(self.total * 1000, 1)}


HOLDS = HoldTimes()
os.register_at_fork(after_in_child=HOLDS.__init__)  # a forked worker (`serve --workers`) reports its own writes


class FifoLock:
    """A lock handed to its waiters in arrival order: a writer is never overtaken again and again, the p99."""

    def __init__(self):
        self._mutex = threading.Lock()
        self._waiters = collections.deque()
        self._owned = False

    def acquire(self, timeout):
        """True once this thread owns the lock; False after timeout seconds."""
        with self._mutex:
            if not self._owned:
                self._owned = True
                return True
            waiter = threading.Lock()
            waiter.acquire()
            self._waiters.append(waiter)
        if waiter.acquire(timeout=timeout):
            return True  # release() handed the lock over
        with self._mutex:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                return False
        return True  # handed over just as the wait timed out

    @property
    def queued(self):
        """How many threads wait for the lock."""
        return len(self._waiters)

    def release(self):
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().release()  # ownership passes straight to the next in line
            else:
                self._owned = False


class WriteGate:
    """One lock per store: a thread lock, then (for a file) an flock on `<database>-gate`."""

    def __init__(self, path):
        self.path = None if path in ("", ":memory:") or path.startswith("file:") else f"{path}-gate"
        self._held = threading.local()
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._thread_lock = FifoLock()
        self._fd = None  # a forked child must open its own: an flock belongs to the open file, shared across fork

    def acquire(self):
        """Wait for the gate; False when the thread lock was not freed in THREAD_WAIT (a leak must not hang writers)."""
        if self._pid != os.getpid():
            self._reset()
        if not self._thread_lock.acquire(timeout=THREAD_WAIT):
            log.warning("write gate not freed in %s s; writing without it", THREAD_WAIT)
            return False
        try:
            if self.path is not None:
                fcntl.flock(self._file(), fcntl.LOCK_EX)  # blocks in the kernel, no polling
        except BaseException:
            self._thread_lock.release()
            raise
        self._held.since = time.perf_counter()
        return True

    def release(self, counted=True):
        """Free the gate if this thread holds it; safe to call when it does not. counted: a write's hold."""
        since = getattr(self._held, "since", None)
        if since is None:
            return
        self._held.since = None
        try:
            if self.path is not None and self._fd is not None:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        finally:
            self._thread_lock.release()
            if counted:
                HOLDS.add(time.perf_counter() - since)

    @contextlib.contextmanager
    def held_for_checkpoint(self):
        """The gate, held by a checkpoint's last pass (models/checkpoints.py); not counted as a write's hold."""
        gated = self.acquire()
        try:
            yield
        finally:
            if gated:
                self.release(counted=False)

    @property
    def held(self):
        return getattr(self._held, "since", None) is not None

    def close(self):
        """Close the lock file unless a writer holds the gate (a store bound again must not keep it open)."""
        if self._fd is None or not self._thread_lock.acquire(0):
            return
        try:
            os.close(self._fd)
            self._fd = None
        finally:
            self._thread_lock.release()

    def _file(self):
        if self._fd is None:
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        return self._fd


class GatedSqliteDatabase(PooledSqliteDatabase):
    """The pooled SQLite database whose write transactions pass the gate.

    Only a transaction at depth 0 calls begin(); savepoints inside it do not. Autocommit statements run
    outside any transaction (peewee runs some) skip the gate: they are one short statement each, and
    SQLite's busy handler still covers them.
    """

    def __init__(self, database, *args, **kwargs):
        super().__init__(database, *args, **kwargs)
        self.gate = WriteGate(database or "")
        self.checkpoints = Checkpointer(database, self.gate.held_for_checkpoint) if self.gate.path else None

    def begin(self, lock_type=None):
        writing = (lock_type or self._lock_type or "").upper() in WRITE_LOCKS
        gated = writing and self.gate.acquire()
        try:
            super().begin(lock_type)
        except BaseException:
            if gated:
                self.gate.release()
            raise

    def commit(self):
        try:
            super().commit()
        finally:
            self.gate.release()  # a failed COMMIT is followed by a ROLLBACK, which needs no gate
        if self.checkpoints is not None:
            self.checkpoints.noted()  # the WAL grew: checkpointed on a thread, not in some later COMMIT

    def rollback(self):
        try:
            super().rollback()
        finally:
            self.gate.release()

    def close_all(self):
        if self.checkpoints is not None:
            self.checkpoints.stop(wait=not self.gate.held)  # a round waiting for this thread's gate would never end
        super().close_all()
        self.gate.close()

    def _close(self, conn, close_conn=False):
        # A connection handed back or closed mid-transaction ends its transaction: never keep the gate.
        try:
            super()._close(conn, close_conn)
        finally:
            self.gate.release()


def _report_holds():
    """At exit (e.g. `usersync serve` stopped), log the hold times; the bench reads this line."""
    if HOLDS.count:
        log.info("write gate held: %s", HOLDS.summary())


atexit.register(_report_holds)
register_database(GatedSqliteDatabase, f"sqlite+{GATED_SCHEME}")
