"""The PostgreSQL server the suite runs on when USERSYNC_TEST_DATABASE_URL names one.

Its database is the store of every test in turn, emptied before each. A test that runs several
stores at once (a `usersync serve` of its own, a backup restored into a second store) gets a new
database for each: `usersync_ci_<pid>_<n>`, created on demand (the role needs CREATEDB, which
.ci/postgres grants) and dropped when the session ends.
"""

import concurrent.futures
import contextlib
import itertools
import os
from urllib.parse import urlparse

import peewee
from playhouse.db_url import connect

URL = os.environ.get("USERSYNC_TEST_DATABASE_URL") or None


def _models():
    from models.migrations import TABLES, SchemaVersion

    return list(TABLES) + [SchemaVersion]


class Databases:
    """The test database, emptied per test, and the separate ones made for the session."""

    def __init__(self, url):
        self.url = url
        self.parsed = urlparse(url)
        self.created = []
        self.numbers = itertools.count(1)
        self.reset = False  # the test database is dropped to nothing once, then only emptied

    def empty(self, database):
        """Leave the bound store without rows, as migrate() will seed it again.

        Deleting the rows (a few ms) instead of dropping the tables (over 100 ms) while the schema
        is the one this checkout creates; the first time in a session, or when a test changed the
        schema, every table is dropped so that migrate() builds it from the models.
        """
        with database.connection_context():
            if self.reset and self._schema_is_current(database):
                self._delete_rows(database)
            else:
                database.drop_tables(_models(), cascade=True)
                self.reset = True

    def _schema_is_current(self, database):
        from models.migrations import MIGRATIONS, SchemaVersion

        if not {model._meta.table_name for model in _models()} <= set(database.get_tables()):
            return False
        applied = {row.version for row in SchemaVersion.select()}
        return applied == {number for number, _ in MIGRATIONS}

    @staticmethod
    def _delete_rows(database):
        with database.atomic():
            for model in reversed(peewee.sort_models(_models())):  # referencing tables first
                model.delete().execute()
            for model in _models():
                key = model._meta.primary_key
                if isinstance(key, peewee.AutoField):  # ids restart at 1, as in a new table
                    database.execute_sql("SELECT setval(pg_get_serial_sequence(%s, %s), 1, false)",
                                         (f'"{model._meta.table_name}"', key.column_name))

    def new(self):
        """The URL of a new, empty database of its own."""
        name = f"{self.parsed.path.lstrip('/')}_{os.getpid()}_{next(self.numbers)}"[:63]
        with self._admin() as admin:
            try:
                admin.execute_sql(f'CREATE DATABASE "{name}"')
            except peewee.ProgrammingError as exc:
                raise RuntimeError(f"cannot create a test database ({exc}); the role in USERSYNC_TEST_DATABASE_URL"
                                   " needs CREATEDB, which `bash .ci/postgres` grants") from exc
        self.created.append(name)
        return self.parsed._replace(path=f"/{name}").geturl()

    def drop_created(self):
        """Drop every database new() made, ending any session still on one; in parallel, as each
        drop waits for a checkpoint and concurrent ones share it."""
        names, self.created = self.created, []
        with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
            list(pool.map(self._drop, names))

    def _drop(self, name):
        with self._admin() as admin:
            admin.execute_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    @contextlib.contextmanager
    def _admin(self):
        """A connection of its own to the test database, outside any transaction (as CREATE DATABASE needs)."""
        database = connect(self.url)
        database.connect()
        try:
            yield database
        finally:
            database.close()


DATABASES = Databases(URL) if URL else None
