"""The shared Peewee store: SQLite by default, PostgreSQL by URL."""

from playhouse.db_url import connect

from .admin import AdminAccount, LoginFailure
from .audit import AuditEvent, TrafficEntry
from .base import BaseModel, db, new_id, utcnow
from .directory import Directory
from .group import Group, Membership
from .host import HostGroup, HostMembership
from .idp_app import IdpApp
from .migrations import migrate
from .user import User, UserValue

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10000,
    "synchronous": "full",  # an acknowledged write survives a power loss too (WAL fsync per commit)
}

__all__ = ["AdminAccount", "LoginFailure", "AuditEvent", "BaseModel", "Directory", "Group", "HostGroup", "HostMembership", "IdpApp", "Membership",
           "TrafficEntry", "User", "UserValue", "db", "init_db", "migrate", "new_id", "utcnow"]


def init_db(url):
    """Bind the proxy to the database named by url and return it."""
    options = {}
    if url.startswith("sqlite"):
        # BEGIN IMMEDIATE: a write transaction takes the lock up front, so two writers
        # never deadlock upgrading a read lock (SQLITE_BUSY mid-transaction).
        options = {"pragmas": SQLITE_PRAGMAS, "timeout": 10, "lock_type": "IMMEDIATE"}
    database = connect(url, **options)
    if url.startswith("sqlite"):
        # SQLite's LOWER folds ASCII only; Python's folds 'É' like the stored *_lower columns.
        database.register_function(_lower, "lower", 1, deterministic=True)
    db.initialize(database)
    return database


def _lower(value):
    return value.lower() if isinstance(value, str) else value
