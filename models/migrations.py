"""Numbered schema migrations, applied in order at start-up on SQLite and PostgreSQL.

A fresh store is created from the current models and marked as at the newest version;
an older store gets each missing step, each in its own transaction. Instances that start
together on one store migrate one at a time; the later ones find the work done.
"""

import contextlib
import fcntl
import hashlib

import peewee

from . import page_counts
from .admin import AdminAccount, LoginFailure
from .audit import AuditEvent, TrafficEntry
from .base import BaseModel, db, utcnow
from .directory import Directory
from .group import Group, Membership
from .host import HostGroup, HostMembership
from .idp_app import IdpApp
from .sync import SyncLink, SyncRun, SyncSource
from .user import User, UserValue

TABLES = (Directory, IdpApp, User, UserValue, Group, Membership, HostGroup, HostMembership,
          AuditEvent, TrafficEntry, AdminAccount, LoginFailure, SyncSource, SyncRun, SyncLink)
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


def _v2_paging_indexes(_host_product):
    """Pages of users and groups walk an index in (created, id) order, and totalResults counts
    from it, instead of sorting and scanning the whole directory on every page."""
    from playhouse.migrate import SchemaMigrator, migrate

    migrator = SchemaMigrator.from_database(db.obj)
    migrate(migrator.add_index("user", ("directory_id", "scim_linked", "created", "id")),
            migrator.add_index("group", ("directory_id", "created", "id")))


def _v3_pull_sync(_host_product):
    """Pulling from an IdP: each app's source, its runs, and the source ids it linked."""
    db.create_tables([SyncSource, SyncRun, SyncLink])


def _v4_page_counts(_host_product):
    """SQLite: each directory's count of users and groups, kept by triggers (models.page_counts)."""
    page_counts.install()


def _v5_app_names_regardless_of_case(_host_product):
    """App names are unique regardless of case: a lower-cased copy with a unique index. Names that an older
    store held twice in different cases keep the first; the others get " (2)", " (3)" ... appended."""
    from playhouse.migrate import SchemaMigrator, migrate

    migrator = SchemaMigrator.from_database(db.obj)
    _add_columns(migrator, "idp_app", name_lower=IdpApp.name_lower)
    taken = set()
    for app_id, name in IdpApp.select(IdpApp.id, IdpApp.name).order_by(IdpApp.id).tuples():
        unique, number = name, 1
        while unique.lower() in taken:
            number += 1
            unique = f"{name[:120 - len(f' ({number})')]} ({number})"
        taken.add(unique.lower())
        IdpApp.update(name=unique, name_lower=unique.lower()).where(IdpApp.id == app_id).execute()
    if not any(index.columns == ["name_lower"] for index in db.get_indexes("idp_app")):
        migrate(migrator.add_index("idp_app", ("name_lower",), unique=True))


def _v6_app_requests(_host_product):
    """Each app's last request (when, method, status) and when its token was made, so the first request
    after a new token is known."""
    from playhouse.migrate import SchemaMigrator

    migrator = SchemaMigrator.from_database(db.obj)
    _add_columns(migrator, "idp_app", token_created=IdpApp.token_created, last_request=IdpApp.last_request,
                 last_request_method=IdpApp.last_request_method, last_request_status=IdpApp.last_request_status)
    IdpApp.update(token_created=IdpApp.created).where(IdpApp.token_created.is_null()).execute()


def _v7_idp_active(_host_product):
    """The IdP's last-sent active beside the host's, so options changed later can be applied to users already
    there; until an IdP writes a user again, its wish is taken to be the host's status."""
    from playhouse.migrate import SchemaMigrator

    _add_columns(SchemaMigrator.from_database(db.obj), "user", idp_active=User.idp_active)
    User.update(idp_active=User.active).where(User.idp_active.is_null()).execute()


def _v8_delta_watermarks(_host_product):
    """A source's watermark may be a link (Graph's deltaLink, longer than any timestamp), and groups have one of
    their own (Okta's lastMembershipUpdated, Graph's group deltaLink)."""
    from playhouse.migrate import SchemaMigrator, migrate

    migrator = SchemaMigrator.from_database(db.obj)
    if not isinstance(db.obj, peewee.SqliteDatabase):  # SQLite keeps any length in a VARCHAR column
        migrate(migrator.alter_column_type("sync_source", "watermark", peewee.TextField(null=True)))
    _add_columns(migrator, "sync_source", group_watermark=SyncSource.group_watermark)


def _add_columns(migrator, table, **fields):
    """Add the columns a table lacks, each as its model field declares it (nullable: SQLite adds a NOT NULL
    column only by rebuilding the table, which would fire the foreign keys' cascades)."""
    from playhouse.migrate import migrate

    present = {column.name for column in db.get_columns(table)}
    migrate(*(migrator.add_column(table, name, field) for name, field in fields.items() if name not in present))


# Append-only: (number, step) where step(host_product) upgrades a store from number - 1.
MIGRATIONS = (
    (1, _v1_baseline),
    (2, _v2_paging_indexes),
    (3, _v3_pull_sync),
    (4, _v4_page_counts),
    (5, _v5_app_names_regardless_of_case),
    (6, _v6_app_requests),
    (7, _v7_idp_active),
    (8, _v8_delta_watermarks),
)


# The session advisory lock that PostgreSQL instances migrate under: a 64-bit key from a name.
_LOCK_KEY = int.from_bytes(hashlib.sha256(b"usersync:migrate").digest()[:8], "big", signed=True)


@contextlib.contextmanager
def _one_at_a_time():
    """Hold the store's migration lock: a PostgreSQL advisory lock on this connection, or an exclusive
    flock on a file beside the SQLite database. Without it, instances starting together on an empty
    store all create the tables and seed it, and all but one crash (a duplicate in pg_type, or the
    default directory's name taken)."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        db.execute_sql("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        try:
            yield
        finally:
            db.execute_sql("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
    elif db.database and db.database != ":memory:":
        with open(f"{db.database}.migrate.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
            yield
    else:
        yield  # an in-memory store has one user


def migrate(host_product="Confluence"):
    """Create a fresh store at the newest version, or bring an older one up to it."""
    with _one_at_a_time():
        _migrate(host_product)


def _migrate(host_product):
    db.create_tables([SchemaVersion])
    done = {row.version for row in SchemaVersion.select()}
    if not done:
        with db.atomic():
            db.create_tables(TABLES)
            page_counts.install()
            _seed(host_product)
            SchemaVersion.insert_many([{"version": number} for number, _ in MIGRATIONS]).execute()
        return
    for number, step in MIGRATIONS:
        if number not in done:
            with db.atomic():
                step(host_product)
                SchemaVersion.create(version=number)
