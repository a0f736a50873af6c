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
                with database.atomic():
                    self._delete_rows(database)
                    self._restart_ids(database)
            else:
                database.drop_tables(_models(), cascade=True)
                self.reset = True

    def _schema_is_current(self, database):
        from models.migrations import MIGRATIONS, SchemaVersion

        if not {model._meta.table_name for model in _models()} <= set(database.get_tables()):
            return False
        applied = {row.version for row in SchemaVersion.select()}
        return applied == {number for number, _ in MIGRATIONS}

    def snapshot(self, database):
        """The SQL that puts every row of the bound store back as it is now, ids going on from theirs as after the
        writes that made them: what restore() runs."""
        statements = [model.delete().sql()[0] for model in reversed(peewee.sort_models(_models()))]
        with database.connection_context():
            cursor = database.cursor()
            for model in peewee.sort_models(_models()):  # referenced tables first
                rows = list(model.select().tuples())
                if rows:
                    sql, params = model.insert_many(rows, fields=model._meta.sorted_fields).sql()
                    statements.append(cursor.mogrify(sql, params).decode())
        return ";\n".join(statements + list(self._id_restarts()))

    def restore(self, database, snapshot):
        """Run a snapshot() on the bound store, in one round trip. False, with nothing done, when its schema is not
        the one this checkout creates (a test changed it, or it is the session's first use): then empty() it and
        build it again."""
        with database.connection_context():
            if not (self.reset and self._schema_is_current(database)):
                return False
            with database.atomic():
                database.cursor().execute(snapshot)  # no parameters: the values are in the text
        return True

    @staticmethod
    def _delete_rows(database):
        for model in reversed(peewee.sort_models(_models())):  # referencing tables first
            model.delete().execute()

    @staticmethod
    def _restart_ids(database):
        for statement in Databases._id_restarts():
            database.execute_sql(statement)

    @staticmethod
    def _id_restarts():
        """For each table, SQL that makes its next id one past its highest, or 1 when empty, as in a new table."""
        for model in _models():
            key = model._meta.primary_key
            if isinstance(key, peewee.AutoField):
                table, column = model._meta.table_name, key.column_name
                yield (f"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), "
                       f'COALESCE(MAX("{column}"), 1), MAX("{column}") IS NOT NULL) FROM "{table}"')

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
