"""The shared Peewee store: SQLite by default, PostgreSQL by URL."""

import sqlite3
import time

from playhouse.db_url import connect
from playhouse.pool import PooledDatabase

from .admin import AdminAccount, LoginFailure
from .audit import AuditEvent, TrafficEntry
from .base import BaseModel, db, new_id, utcnow
from .checkpoints import BACKSTOP as CHECKPOINT_BACKSTOP
from .directory import Directory
from .group import Group, Membership
from .host import HostGroup, HostMembership
from .idp_app import IdpApp
from .migrations import migrate
from .sync import SyncLink, SyncRun, SyncSource
from .user import User, UserValue
from .write_gate import GATED_SCHEME

SQLITE_PRAGMAS = {
    "busy_timeout": 10000,  # first: switching a new file to WAL must wait for a process doing the same
    "journal_mode": "wal",
    "foreign_keys": 1,
    "synchronous": "full",  # an acknowledged write survives a power loss too (WAL fsync per commit)
    "wal_autocheckpoint": CHECKPOINT_BACKSTOP,  # a thread checkpoints (models/checkpoints.py); this is a backstop
}

__all__ = ["AdminAccount", "LoginFailure", "AuditEvent", "BaseModel", "Directory", "Group", "HostGroup", "HostMembership", "IdpApp", "Membership",
           "SyncLink", "SyncRun", "SyncSource", "TrafficEntry", "User", "UserValue", "db", "init_db", "migrate", "new_id",
           "utcnow"]


POOL = {"max_connections": 64, "stale_timeout": 300, "timeout": 10}


def init_db(url):
    """Bind the proxy to a connection pool on the database named by url and return it.

    A pool, because opening a connection (and, on SQLite, setting its pragmas) cost more than
    the queries of a typical SCIM request; `db.close()` hands the connection back.
    """
    options = dict(POOL)
    if url.startswith("sqlite"):
        # BEGIN IMMEDIATE: a write transaction takes the lock up front, so two writers
        # never deadlock upgrading a read lock (SQLITE_BUSY mid-transaction).
        # check_same_thread off: a pooled connection serves one thread at a time, but not always the same one.
        # cached_statements: each connection keeps its prepared statements, 128 by default; preparing a
        # user's body (store.resources.user_json) costs 17 times running it, so more room before one is evicted.
        options.update(pragmas=SQLITE_PRAGMAS, lock_type="IMMEDIATE", check_same_thread=False,
                       cached_statements=256)
    scheme, rest = url.split("://", 1)
    if isinstance(db.obj, PooledDatabase):
        db.obj.close_all()  # a store bound again (tests, CLI) must not keep the old pool's files open
    # On SQLite, write transactions queue on the write gate (models/write_gate.py), which wakes the next
    # writer at once; PostgreSQL's own row locks already do.
    pooled = GATED_SCHEME if url.startswith("sqlite") else "pool"
    database = connect(f"{scheme.split('+')[0]}+{pooled}://{rest}", **options)
    if url.startswith("sqlite"):
        # SQLite's LOWER folds ASCII only; Python's folds 'É' like the stored *_lower columns.
        database.register_function(_lower, "lower", 1, deterministic=True)
        database._set_pragmas = _retrying_when_locked(database._set_pragmas)
    db.initialize(database)
    return database


def _retrying_when_locked(set_pragmas):
    """Set a new connection's pragmas, waiting while another process holds the lock.

    Switching a fresh file to WAL can answer "database is locked" at once, without calling the busy
    handler: SQLite refuses to wait where waiting could deadlock. That happened about 1 run in 100 when
    six instances started together on a new store, so each attempt is retried for up to 10 s."""
    def set_with_retry(conn):
        for attempt in range(100):
            try:
                return set_pragmas(conn)
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.1)
    return set_with_retry


def _lower(value):
    return value.lower() if isinstance(value, str) else value
