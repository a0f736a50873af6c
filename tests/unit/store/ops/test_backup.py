"""store.ops.backup: every row back exactly, in either format, into a fresh or a changed store; or nothing at all."""

import json
import os
import sqlite3
import stat
from datetime import datetime

import peewee
import pytest

from models import (
    AdminAccount,
    AuditEvent,
    Directory,
    Group,
    HostGroup,
    HostMembership,
    IdpApp,
    LoginFailure,
    Membership,
    SyncLink,
    SyncRun,
    SyncSource,
    TrafficEntry,
    User,
    UserValue,
    db,
    init_db,
    migrate,
)
from store.ops import backup as store_backup
from store.ops.backup import BackupError
from store.tenancy import admin, apps, passwords
from tests.conftest import separate_database_url

pytestmark = pytest.mark.usefixtures("store_db")

POSTGRES = bool(os.environ.get("USERSYNC_TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(POSTGRES, reason="the sqlite format needs a SQLite store")
postgres_only = pytest.mark.skipif(not POSTGRES, reason="needs USERSYNC_TEST_DATABASE_URL (PostgreSQL)")
FORMATS = [pytest.param("sqlite", marks=sqlite_only), "json"]
PASSWORD = "correct horse battery"
PASSWORD_HASH = passwords.hash_or_none(PASSWORD)  # once: scrypt is slow on purpose
MOMENT = datetime(2024, 2, 29, 23, 59, 58, 123456)


def rows():
    """Every table as dicts in primary-key order."""
    return {model._meta.table_name: list(model.select().order_by(*model._meta.get_primary_keys()).dicts())
            for model in store_backup.ORDER}


def fill():
    """One or more rows in every table, with the awkward values: NULLs, microseconds, non-ASCII, floats."""
    jira = Directory.create(name="Jira Internal Directory", position=1, description="Zweite Ablage — ß")
    idcs, idcs_token = apps.create("Oracle IDCS", "oracle")
    okta, okta_token = apps.create("Okta", "okta", directory=jira)
    apps.set_options("Oracle IDCS", {"username_regex": "(.*)@.*", "username_replacement": "$1",
                                     "group_mapping": {"Engineering": ["jira-developers"]}})
    IdpApp.update(last_used=MOMENT, enabled=False).where(IdpApp.id == okta.id).execute()
    default = Directory.default()
    alice = User.create(directory=default, user_name="Ålice@Example.com", user_name_lower="ålice@example.com",
                        host_username="Ålice", host_username_lower="ålice", provisioned_by=idcs, active=None,
                        password_hash="pbkdf2:sha256$x", employee_number="701984", manager_ref="https://x/Users/1",
                        created=MOMENT, last_modified=MOMENT, version=3)
    bob = User.create(directory=jira, user_name="bob", user_name_lower="bob", host_username="bob",
                      host_username_lower="bob", scim_linked=False, active=False)
    UserValue.create(user=alice, attribute="emails", value="a@example.com", value_lower="a@example.com",
                     type="work", primary=True)
    UserValue.create(user=alice, attribute="addresses", position=1, formatted="Hauptstraße 1\n10115 Berlin",
                     street_address="Hauptstraße 1", locality="Berlin", postal_code="10115", country="DE")
    engineering = Group.create(directory=default, display_name="Engineering", display_name_lower="engineering",
                               external_id="ext-9")
    nested = Group.create(directory=default, display_name="Sub", display_name_lower="sub")
    Membership.create(group=engineering, member_id=alice.id, display="Ålice")
    Membership.create(group=engineering, member_id=nested.id, member_type="Group")
    developers = HostGroup.create(directory=default, name="jira-developers", name_lower="jira-developers",
                                  created_by=idcs)
    HostMembership.create(group=developers, user=alice, source_app=idcs, reason="idp-group")
    HostMembership.create(group=HostGroup.get(HostGroup.name == "confluence-users"), user=alice, reason="manual")
    HostMembership.create(group=HostGroup.create(directory=jira, name="jira-users", name_lower="jira-users"),
                          user=bob, source_app=okta, reason="default")
    AuditEvent.create(app=None, app_name="Gone", operation="delete-user", outcome="applied", subject="carol",
                      changes=json.dumps({"active": [True, False]}))
    TrafficEntry.create(app=idcs, request_id="r-1", method="GET", path="/Users?filter=x", status=200,
                        latency_ms=1.25, response_body='{"Resources": ["é"]}')
    AdminAccount.create(username="admin", password_hash=PASSWORD_HASH, password_changed=MOMENT)
    LoginFailure.create(key="127.0.0.1|admin", at=MOMENT)
    SyncSource.create(app=idcs, kind="oracle", settings='{"kind": "oracle"}', secret="gAAAAB-encrypted",
                      schedule="daily", next_run=MOMENT, watermark="2024-02-29T23:59:58.123Z")
    pulled = SyncRun.create(app=idcs, trigger="schedule", full=True, status="succeeded", phase="done", done=2,
                            counts='{"created": 2}', cursor='{"phase": "done"}', owner="host:1:2", heartbeat=MOMENT,
                            started=MOMENT, finished=MOMENT)
    SyncLink.create(app=idcs, kind="User", source_id="idcs-ü1", local_id=alice.id, seen_run=pulled.id, digest="0" * 64)
    return {"Oracle IDCS": idcs_token, "Okta": okta_token}


@pytest.fixture
def fresh_store(tmp_path):
    """Rebinds the store to an empty, migrated database of its own (PostgreSQL: a second database)."""
    databases = []

    def rebind():
        databases.append(init_db(separate_database_url(tmp_path, "fresh.db")))
        migrate()

    yield rebind
    for database in databases:
        database.close()


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_restore_into_a_fresh_store_reproduces_every_row(tmp_path, fresh_store, fmt):
    tokens = fill()
    before = rows()
    assert all(before.values()), {table: len(r) for table, r in before.items()}
    fmt, written = store_backup.backup(tmp_path / "store.bak", fmt)
    assert written == {table: len(r) for table, r in before.items()}
    fresh_store()
    counts = store_backup.restore(store_backup.load(tmp_path / "store.bak"))
    assert counts == written
    assert rows() == before
    assert apps.authenticate(tokens["Oracle IDCS"]).name == "Oracle IDCS"
    assert admin.verify("admin", PASSWORD)


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_restore_replaces_whatever_the_store_holds(tmp_path, fmt):
    fill()
    before = rows()
    store_backup.backup(tmp_path / "store.bak", fmt)
    User.delete().where(User.user_name == "bob").execute()
    apps.create("Later", "entra")
    apps.set_options("Oracle IDCS", {"import_users": False})
    Directory.create(name="Later Directory", position=7)
    store_backup.restore(store_backup.load(tmp_path / "store.bak"))
    assert rows() == before


@pytest.mark.parametrize("fmt", FORMATS)
def test_new_rows_after_a_restore_take_fresh_ids(tmp_path, fresh_store, fmt):
    fill()
    store_backup.backup(tmp_path / "store.bak", fmt)
    highest = {model: model.select(peewee.fn.MAX(model.id)).scalar() for model in (Directory, IdpApp, AuditEvent)}
    fresh_store()
    store_backup.restore(store_backup.load(tmp_path / "store.bak"))
    # PostgreSQL's sequences do not follow inserted ids; the restore must move them on.
    assert Directory.create(name="New").id == highest[Directory] + 1
    assert apps.create("New", "okta")[0].id == highest[IdpApp] + 1
    assert AuditEvent.create(operation="x", outcome="applied").id > highest[AuditEvent]


def test_json_has_the_header_and_rows_in_key_order_with_iso_datetimes(tmp_path):
    fill()
    store_backup.backup_json(tmp_path / "store.json")
    document = json.loads((tmp_path / "store.json").read_text(encoding="utf-8"))
    assert {key: document[key] for key in ("format", "version", "schema_version")} == {
        "format": "usersync-backup", "version": 1, "schema_version": store_backup.schema_version()}
    assert datetime.fromisoformat(document["created"].removesuffix("Z"))
    assert list(document) == ["format", "version", "schema_version", "created", "tables"]
    assert set(document["tables"]) == {model._meta.table_name for model in store_backup.ORDER}
    users = document["tables"]["user"]
    assert [u["id"] for u in users] == sorted(u["id"] for u in users)
    memberships = document["tables"]["membership"]
    assert [(m["group_id"], m["member_id"]) for m in memberships] == sorted(
        (m["group_id"], m["member_id"]) for m in memberships)
    alice = next(u for u in users if u["user_name"] == "Ålice@Example.com")
    assert (alice["created"], alice["active"], alice["scim_linked"]) == (MOMENT.isoformat(), None, True)


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_file_is_0600_whatever_the_umask_also_when_forced_over_another(tmp_path, fmt):
    target = tmp_path / "store.bak"
    target.write_text("old")
    os.chmod(target, 0o644)
    umask = os.umask(0)
    try:
        store_backup.backup(target, fmt, force=True)
    finally:
        os.umask(umask)
    assert mode(target) == 0o600
    assert store_backup.detect(target) == fmt


@pytest.mark.parametrize("fmt", FORMATS)
def test_an_existing_file_is_kept_without_force(tmp_path, fmt):
    target = tmp_path / "store.bak"
    target.write_text("precious")
    with pytest.raises(BackupError, match="exists; pass --force to overwrite it"):
        store_backup.backup(target, fmt)
    assert target.read_text() == "precious"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".store.bak")]  # no temp file left


def test_a_missing_directory_is_a_clear_error(tmp_path):
    with pytest.raises(BackupError, match="does not exist"):
        store_backup.backup_json(tmp_path / "nowhere" / "store.json")


@sqlite_only
def test_sqlite_backup_runs_beside_a_writer_and_copies_only_committed_rows(tmp_path):
    fill()
    before = rows()
    writer = sqlite3.connect(db.obj.database, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO directory (name, position, description, created) VALUES ('uncommitted', 9, '', "
                       "'2024-01-01 00:00:00')")
        store_backup.backup_sqlite(tmp_path / "online.sqlite")
        writer.execute("COMMIT")
    finally:
        writer.close()
    copy = sqlite3.connect(tmp_path / "online.sqlite")
    try:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file
        assert [r[0] for r in copy.execute("SELECT name FROM directory ORDER BY id")] == [
            d["name"] for d in before["directory"]]
    finally:
        copy.close()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".online")]


@sqlite_only
def test_the_store_file_itself_is_neither_target_nor_source(tmp_path):
    for fmt in ("sqlite", "json"):
        with pytest.raises(BackupError, match="this store's own database file"):
            store_backup.backup(db.obj.database, fmt, force=True)
    with pytest.raises(BackupError, match="this store's own database file"):
        store_backup.load(db.obj.database)


@sqlite_only
def test_a_sqlite_restore_keeps_the_store_in_wal_mode(tmp_path):
    fill()
    store_backup.backup_sqlite(tmp_path / "store.sqlite")
    store_backup.restore(store_backup.load(tmp_path / "store.sqlite"))
    assert db.execute_sql("PRAGMA journal_mode").fetchone() == ("wal",)


def corrupt(path, edit):
    """Rewrite a JSON backup with edit(document) applied."""
    document = json.loads(path.read_text(encoding="utf-8"))
    edit(document)
    path.write_text(json.dumps(document), encoding="utf-8")


def _first_user(document):
    return document["tables"]["user"][0]


BAD_JSON = [
    pytest.param(lambda d: d.pop("format"), 'not a usersync backup \\(no "format": "usersync-backup" header\\)',
                 id="no-format"),
    pytest.param(lambda d: d.update(format="other"), "not a usersync backup", id="other-format"),
    pytest.param(lambda d: d.update(version=2), "backup format version 2; this usersync reads version 1",
                 id="format-version"),
    pytest.param(lambda d: d.update(schema_version=d["schema_version"] + 1),
                 "schema version \\d+ and this store at \\d+: restore it with the usersync release",
                 id="schema-version"),
    pytest.param(lambda d: d["tables"].pop("user_value"), "missing user_value", id="missing-table"),
    pytest.param(lambda d: d["tables"].update(extra=[]), "unknown extra", id="unknown-table"),
    pytest.param(lambda d: d.update(tables=[]), 'no "tables" object', id="tables-not-an-object"),
    pytest.param(lambda d: _first_user(d).pop("title"), "Table user, row 1: expected exactly the columns",
                 id="missing-column"),
    pytest.param(lambda d: _first_user(d).update(version="3"), 'Table user, row 1: version: expected int, got "3"',
                 id="string-for-int"),
    pytest.param(lambda d: _first_user(d).update(scim_linked=1), "Table user, row 1: scim_linked: expected bool",
                 id="int-for-bool"),
    pytest.param(lambda d: _first_user(d).update(created="yesterday"),
                 "created: 'yesterday' is not an ISO date and time", id="bad-datetime"),
    pytest.param(lambda d: _first_user(d).update(user_name=None), "user_name may not be null", id="null"),
]


@pytest.mark.parametrize("edit, message", BAD_JSON)
def test_a_doctored_json_backup_is_refused_before_anything_changes(tmp_path, edit, message):
    fill()
    path = tmp_path / "store.json"
    store_backup.backup_json(path)
    corrupt(path, edit)
    Directory.create(name="Made after the backup")
    before = rows()
    with pytest.raises(BackupError, match=message):
        store_backup.restore(store_backup.load(path))
    assert rows() == before


def test_a_datetime_with_an_offset_is_restored_as_naive_utc(tmp_path):
    fill()
    path = tmp_path / "store.json"
    store_backup.backup_json(path)
    corrupt(path, lambda d: _first_user(d).update(created="2026-11-29T10:30:00.250+02:00"))
    store_backup.restore(store_backup.load(path))
    first = json.loads(path.read_text(encoding="utf-8"))["tables"]["user"][0]
    assert User.get_by_id(first["id"]).created == datetime(2026, 11, 29, 8, 30, 0, 250000)


def test_a_row_the_database_refuses_rolls_the_whole_restore_back(tmp_path):
    fill()
    path = tmp_path / "store.json"
    store_backup.backup_json(path)
    last = store_backup.ORDER[-1]._meta.table_name
    corrupt(path, lambda d: d["tables"][last].append(d["tables"][last][0]))  # a duplicate primary key
    Directory.create(name="Made after the backup")
    before = rows()
    loaded = store_backup.load(path)
    with pytest.raises(BackupError, match=f"Restoring table {last} failed: .*The store is unchanged"):
        store_backup.restore(loaded)
    assert rows() == before


@pytest.mark.parametrize("cut", [0.5, 0.99])
def test_a_truncated_json_backup_is_refused(tmp_path, cut):
    fill()
    path = tmp_path / "store.json"
    store_backup.backup_json(path)
    data = path.read_bytes()
    path.write_bytes(data[:int(len(data) * cut)])
    with pytest.raises(BackupError, match="is not valid JSON .*it may be truncated"):
        store_backup.load(path)


def test_a_json_backup_cut_inside_a_character_is_called_truncated(tmp_path):
    path = tmp_path / "store.json"
    data = '{"format": "usersync-backup", "note": "Oracle → Jira"}'.encode()
    path.write_bytes(data[:data.index("→".encode()) + 1])  # the file ends after the first of the arrow's 3 bytes
    with pytest.raises(BackupError, match="is not valid JSON .*ends inside a UTF-8 character.*it may be truncated"):
        store_backup.load(path)


@pytest.mark.parametrize("content, message", [
    (b"", "neither a SQLite database nor a JSON export"),
    (b"PK\x03\x04 a zip file", "neither a SQLite database nor a JSON export"),
    (b"[1, 2]", "neither a SQLite database nor a JSON export"),
    (b"{\xff\xfe}", "not UTF-8 text"),
])
def test_what_is_not_a_backup_is_named(tmp_path, content, message):
    path = tmp_path / "thing"
    path.write_bytes(content)
    with pytest.raises(BackupError, match=message):
        store_backup.load(path)


@sqlite_only
def test_a_sqlite_file_must_be_a_whole_usersync_store(tmp_path):
    other = tmp_path / "other.sqlite"
    with sqlite3.connect(other) as connection:
        connection.execute("CREATE TABLE notes (text)")
    connection.close()
    with pytest.raises(BackupError, match="not a usersync store \\(no table "):
        store_backup.load(other)
    fill()
    store_backup.backup_sqlite(tmp_path / "store.sqlite")
    data = (tmp_path / "store.sqlite").read_bytes()
    (tmp_path / "cut.sqlite").write_bytes(data[:len(data) // 2])
    with pytest.raises(BackupError, match="cut.sqlite (failed SQLite's integrity check|is not a readable)"):
        store_backup.load(tmp_path / "cut.sqlite")


@postgres_only
def test_postgresql_takes_json_only(tmp_path):
    with pytest.raises(BackupError, match="This store is PostgreSQL: back it up with --format json"):
        store_backup.backup(tmp_path / "store.sqlite", "sqlite")
    assert store_backup.backup(tmp_path / "store.json")[0] == "json"
    with sqlite3.connect(tmp_path / "other.sqlite") as connection:
        connection.execute("CREATE TABLE notes (text)")
    connection.close()
    with pytest.raises(BackupError, match="is a SQLite backup and this store is PostgreSQL: .*--format json"):
        store_backup.load(tmp_path / "other.sqlite")


def test_holdings_count_users_groups_and_apps():
    assert store_backup.holdings() == {"users": 0, "groups": 0, "apps": 0}
    fill()
    assert store_backup.holdings() == {"users": 2, "groups": 2, "apps": 2}
    assert AdminAccount.select().count() == 1
