"""Numbered schema migrations, applied in order at start-up on SQLite and PostgreSQL."""

import peewee

from .base import BaseModel, db, utcnow
from .directory import Directory
from .group import Group, Membership
from .idp_app import IdpApp
from .user import User, UserValue

TABLES = (Directory, IdpApp, User, UserValue, Group, Membership)


class SchemaVersion(BaseModel):
    version = peewee.IntegerField(primary_key=True)
    applied = peewee.DateTimeField(default=utcnow)


def _initial(default_directory):
    db.create_tables(TABLES)
    Directory.create(name=default_directory, position=0,
                     description="The host product's internal directory.")


MIGRATIONS = (
    (1, _initial),
)


def migrate(default_directory="Confluence Internal Directory"):
    """Apply every migration newer than the stored version; each in its own transaction."""
    db.create_tables([SchemaVersion])
    done = {row.version for row in SchemaVersion.select()}
    for number, step in MIGRATIONS:
        if number in done:
            continue
        with db.atomic():
            step(default_directory)
            SchemaVersion.create(version=number)
