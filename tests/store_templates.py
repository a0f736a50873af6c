"""Migrated stores built once per session and copied for each test, instead of migrated (and, for an app, given
its admin's scrypt hash) again by every test.

A template is the store exactly as its builder left it: `migrate()` for a store without the app, the `app`
fixture's own `create_app` for an app. On SQLite it is a file, copied to the test's tmp_path; on PostgreSQL the
test database's rows are put back as they were (tests/postgres.py), as that database is every test's store.
The template's rows keep the times they were made at, earlier in the session.
"""

import shutil
from pathlib import Path

from tests.postgres import DATABASES


class StoreTemplates:
    """Each kind's template, built on first use: copy(kind, build, tmp_path) -> the URL of a store of its own."""

    def __init__(self, folder):
        self.folder = Path(folder)
        self.built = {}  # kind -> SQLite file, or PostgreSQL snapshot

    def copy(self, kind, build, tmp_path):
        """A store like the kind's template, bound; build(url) makes the template the first time."""
        from models import init_db

        if DATABASES:
            return self._restore(kind, build, init_db)
        if kind not in self.built:
            self.built[kind] = self._build_file(kind, build)
        target = Path(tmp_path) / "usersync.db"
        shutil.copyfile(self.built[kind], target)
        url = f"sqlite:///{target}"
        init_db(url)
        return url

    def _build_file(self, kind, build):
        from models import db

        path = self.folder / f"{kind}.db"
        build(f"sqlite:///{path}")
        db.obj.close_all()  # the last connection closed checkpoints the WAL into the file
        for leftover in (Path(f"{path}-wal"), Path(f"{path}-shm")):
            assert not leftover.exists() or leftover.stat().st_size == 0, f"{leftover}: not checkpointed"
        return path

    def _restore(self, kind, build, init_db):
        from models import db

        database = db.obj if _on_test_database(db.obj) else init_db(DATABASES.url)  # a connection saved: ~9 ms
        if kind in self.built and DATABASES.restore(database, self.built[kind]):
            return DATABASES.url
        DATABASES.empty(database)
        build(DATABASES.url)
        self.built[kind] = DATABASES.snapshot(db.obj)
        return DATABASES.url


def _on_test_database(database):
    """Whether the store is bound to the PostgreSQL test database already (by the test before)."""
    from playhouse.pool import PooledPostgresqlDatabase

    return isinstance(database, PooledPostgresqlDatabase) and database.database == DATABASES.parsed.path.lstrip("/")
