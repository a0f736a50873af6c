"""Numbered migrations: an older store ends with exactly the schema a fresh one is created with."""

from models import db, migrate
from models.migrations import MIGRATIONS, TABLES, SchemaVersion


def _indexes():
    return {table._meta.table_name: sorted((index.name, tuple(index.columns), index.unique)
                                           for index in db.get_indexes(table._meta.table_name))
            for table in TABLES}


def test_a_fresh_store_is_at_the_newest_version(store_db):
    assert {row.version for row in SchemaVersion.select()} == {number for number, _ in MIGRATIONS}


def test_a_version_1_store_gets_the_paging_indexes_a_fresh_one_has(store_db):
    fresh = _indexes()
    for table, columns in (("user", "directory_id_scim_linked_created_id"), ("group", "directory_id_created_id")):
        db.execute_sql(f'DROP INDEX "{table}_{columns}"')
    SchemaVersion.delete().where(SchemaVersion.version >= 2).execute()
    assert _indexes() != fresh
    migrate()
    assert _indexes() == fresh
    assert {row.version for row in SchemaVersion.select()} == {number for number, _ in MIGRATIONS}


def test_migrating_a_current_store_changes_nothing(store_db):
    before = _indexes()
    migrate()
    assert _indexes() == before
