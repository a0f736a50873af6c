"""Numbered schema migrations, applied in order at start-up on SQLite and PostgreSQL.

A fresh store is created from the current models and marked as at the newest version;
an older store gets each missing step, each in its own transaction.
"""

import peewee

from .admin import AdminAccount, LoginFailure
from .audit import AuditEvent, TrafficEntry
from .base import BaseModel, db, utcnow
from .directory import Directory
from .group import Group, Membership
from .host import HostGroup, HostMembership
from .idp_app import IdpApp
from .user import User, UserValue

TABLES = (Directory, IdpApp, User, UserValue, Group, Membership, HostGroup, HostMembership,
          AuditEvent, TrafficEntry, AdminAccount, LoginFailure)
DEFAULT_USERS_GROUP = {"Confluence": "confluence-users", "Jira": "jira-software-users", "Bitbucket": "stash-users"}


class SchemaVersion(BaseModel):
    version = peewee.IntegerField(primary_key=True)
    applied = peewee.DateTimeField(default=utcnow)


def _seed(host_product):
    """The host's internal directory and its default users group."""
    directory = Directory.create(name=f"{host_product} Internal Directory", position=0,
                                 description="The host product's internal directory.")
    name = DEFAULT_USERS_GROUP.get(host_product, f"{host_product.lower()}-users")
    HostGroup.create(directory=directory, name=name, name_lower=name.lower(),
                     description="Default group for users of the host product.")


def _v1_baseline(_host_product):
    """Version 1 is the first released schema: a fresh store is created at it by migrate()."""


# Append-only: (number, step) where step(host_product) upgrades a store from number - 1.
MIGRATIONS = (
    (1, _v1_baseline),
)


def migrate(host_product="Confluence"):
    """Create a fresh store at the newest version, or bring an older one up to it."""
    db.create_tables([SchemaVersion])
    done = {row.version for row in SchemaVersion.select()}
    if not done:
        with db.atomic():
            db.create_tables(TABLES)
            _seed(host_product)
            SchemaVersion.insert_many([{"version": number} for number, _ in MIGRATIONS]).execute()
        return
    for number, step in MIGRATIONS:
        if number not in done:
            with db.atomic():
                step(host_product)
                SchemaVersion.create(version=number)
