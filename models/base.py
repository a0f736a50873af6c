"""The database proxy every model binds to, and the shared base model."""

import uuid
from datetime import datetime, timezone

import peewee

db = peewee.DatabaseProxy()


def utcnow():
    """Naive UTC now: one representation on SQLite and PostgreSQL alike."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_id():
    """A random, stable, case-sensitive resource id."""
    return str(uuid.uuid4())


class BaseModel(peewee.Model):
    class Meta:
        database = db
        legacy_table_names = False
