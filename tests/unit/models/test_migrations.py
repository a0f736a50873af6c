"""Numbered migrations: an older store ends with exactly the schema a fresh one is created with."""

from models import db, migrate
from models.migrations import MIGRATIONS, TABLES, SchemaVersion


def _columns():
    return {table._meta.table_name: sorted((c.name, c.data_type.lower(), c.null, c.primary_key)
                                           for c in db.get_columns(table._meta.table_name))
            for table in TABLES}


def _foreign_keys():
    return {table._meta.table_name: sorted((k.column, k.dest_table, k.dest_column)
                                           for k in db.get_foreign_keys(table._meta.table_name))
            for table in TABLES}


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


def test_a_version_2_store_gets_the_pull_sync_tables_a_fresh_one_has(store_db):
    from models import SyncLink, SyncRun, SyncSource

    fresh = (_columns(), _indexes(), _foreign_keys())
    db.drop_tables([SyncLink, SyncRun, SyncSource])
    SchemaVersion.delete().where(SchemaVersion.version >= 3).execute()
    assert "sync_source" not in db.get_tables()
    migrate()
    assert (_columns(), _indexes(), _foreign_keys()) == fresh
    assert {row.version for row in SchemaVersion.select()} == {number for number, _ in MIGRATIONS}


def test_a_version_4_store_gets_app_names_unique_regardless_of_case_and_request_columns(store_db):
    from models import Directory, IdpApp

    fresh = (_columns(), _indexes(), _foreign_keys())
    directory = Directory.select().first()
    for name, token in (("Oracle IDCS", "a" * 64), ("oracle idcs", "b" * 64), ("Okta", "c" * 64)):
        IdpApp.create(name=name if name != "oracle idcs" else "placeholder", provider="oracle",
                      directory=directory, token_hash=token)
    IdpApp.update(name="oracle idcs").where(IdpApp.name == "placeholder").execute()  # as an old store could
    db.execute_sql('DROP INDEX "idp_app_name_lower"')
    for column in ("name_lower", "token_created", "last_request", "last_request_method", "last_request_status"):
        db.execute_sql(f'ALTER TABLE "idp_app" DROP COLUMN "{column}"')
    SchemaVersion.delete().where(SchemaVersion.version >= 5).execute()
    migrate()
    assert (_columns(), _indexes(), _foreign_keys()) == fresh
    names = list(IdpApp.select(IdpApp.name, IdpApp.name_lower).order_by(IdpApp.id).tuples())
    assert names == [("Oracle IDCS", "oracle idcs"), ("oracle idcs (2)", "oracle idcs (2)"), ("Okta", "okta")]
    assert all(app.token_created == app.created for app in IdpApp.select())
    assert IdpApp.by_name("ORACLE IDCS").name == "Oracle IDCS"
