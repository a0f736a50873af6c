"""One leader among the processes that share a store, for background work that must run once.

On PostgreSQL the leader holds a session-level advisory lock (`pg_try_advisory_lock`) on a connection
of its own: the lock lives exactly as long as that connection, so a leader that dies, or loses the
server, lets another instance take over. On SQLite (one machine) it holds an exclusive `flock` on a
file beside the database file, released by the kernel when the process exits. Never blocks; Flask-free.

    leader = Leader(url, "usersync:scheduler")
    while running:
        if leader.acquire():   # take the lead, or check it is still held
            run_due_jobs()
        sleep(interval)
    leader.release()
"""

import fcntl
import hashlib
import os
import re
import threading
from urllib.parse import urlparse

import peewee
from playhouse import db_url

DEFAULT_NAME = "usersync:scheduler"
# Pool settings in a `postgresql+pool://` URL: the leader's connection is its own, never pooled
# (a pooled connection handed back would keep the lock for whoever borrows it next).
_POOL_OPTIONS = ("max_connections", "stale_timeout", "timeout")


def advisory_key(name):
    """The signed 64-bit advisory lock key of a name: the first 8 bytes of its SHA-256."""
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


def lock_path(database_path, name):
    """The lock file of name beside a SQLite database file: `usersync.db.usersync-scheduler.lock`."""
    return f"{database_path}.{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.lock"


class Leader:
    """Whether this process leads for name among the processes on the store at database_url.

    acquire() never waits: True when this process holds (or has just taken) the lead. Call it
    again before each round of work: on PostgreSQL it checks that the lock's connection is alive
    and, when it is not, gives up the lead and tries again on a new connection. release() gives the
    lead up. Also a context manager (acquire on enter, release on exit); is_leader says what the
    last acquire() found.
    """

    def __init__(self, database_url, name=DEFAULT_NAME):
        self.url = database_url
        self.name = name
        self.key = advisory_key(name)
        self.is_leader = False
        self._guard = threading.Lock()
        self._database = None  # PostgreSQL: the lock's own connection
        self._fd = None  # SQLite: the open lock file
        scheme = urlparse(database_url).scheme
        self.backend = "postgresql" if scheme.startswith("postgres") else "sqlite"
        if self.backend == "sqlite" and not scheme.startswith("sqlite"):
            raise ValueError(f"no leader election for {scheme!r} stores")

    def acquire(self):
        """Take the lead if nobody holds it; True while this process holds it.

        Raises peewee's OperationalError when the database cannot be reached (not leading, then)."""
        with self._guard:
            self.is_leader = False  # until proven otherwise, also when the database does not answer
            if self.backend == "postgresql":
                self.is_leader = self._acquire_postgresql()
            else:
                self.is_leader = self._acquire_sqlite()
            return self.is_leader

    def release(self):
        """Give the lead up (a no-op when not holding it)."""
        with self._guard:
            self.is_leader = False
            if self._database is not None:
                self._close_postgresql(unlock=True)
            if self._fd is not None:
                os.close(self._fd)  # closing the only descriptor of the open file drops the flock
                self._fd = None

    def __enter__(self):
        self.acquire()
        return self

    def __exit__(self, *_exc):
        self.release()

    def __repr__(self):
        return f"<Leader {self.name!r} {self.backend} {'leading' if self.is_leader else 'following'}>"

    # --- PostgreSQL -----------------------------------------------------------------------------

    def _acquire_postgresql(self):
        if self._database is not None:
            try:
                # Still ours? pg_try_advisory_lock again would stack a second hold on the same session.
                self._database.execute_sql("SELECT 1")
                return True
            except peewee.PeeweeException:
                self._close_postgresql(unlock=False)  # the server dropped the session, and the lock with it
        database = self._connect_postgresql()
        try:
            database.connect()
            (taken,) = database.execute_sql("SELECT pg_try_advisory_lock(%s)", (self.key,)).fetchone()
        except peewee.PeeweeException:
            database.close()
            raise
        if not taken:
            database.close()
            return False
        self._database = database
        return True

    def _connect_postgresql(self):
        """A database object of its own (not the store's proxy), shared by all threads of this Leader."""
        options = db_url.parse(self.url)
        for key in _POOL_OPTIONS:
            options.pop(key, None)
        # Keepalives: a half-open connection is noticed by the next acquire(), not hours later.
        options["application_name"] = f"usersync leader {self.name}"[:63]  # pg_stat_activity shows who leads
        options.setdefault("keepalives", 1)
        options.setdefault("keepalives_idle", 30)
        options.setdefault("keepalives_interval", 10)
        options.setdefault("keepalives_count", 3)
        return peewee.PostgresqlDatabase(options.pop("database"), thread_safe=False, autoconnect=False, **options)

    def _close_postgresql(self, unlock):
        database, self._database = self._database, None
        try:
            if unlock:
                database.execute_sql("SELECT pg_advisory_unlock(%s)", (self.key,))
        except peewee.PeeweeException:
            pass  # a connection already gone holds no lock
        finally:
            try:
                database.close()
            except peewee.PeeweeException:
                pass

    # --- SQLite ---------------------------------------------------------------------------------

    def _acquire_sqlite(self):
        if self._fd is not None:
            return True
        path = self._sqlite_path()
        if path is None:
            return True  # an in-memory store: no other process can see it
        fd = os.open(lock_path(path, self.name), os.O_RDWR | os.O_CREAT, 0o600)
        try:
            # flock, not fcntl/lockf: two opens of the file conflict even inside one process,
            # and the kernel drops the lock when the process dies however it dies.
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return True

    def _sqlite_path(self):
        database = db_url.parse(self.url)["database"]
        if database in ("", ":memory:") or database.startswith("file::memory:"):
            return None
        return os.path.abspath(database)
