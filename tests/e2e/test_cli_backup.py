"""`usersync backup` and `usersync restore`: a store filled through the real app comes back row for row."""

import json
import os
import re
import sqlite3
import stat

import pytest
from click.testing import CliRunner

from app import create_app
from cli import main
from models import db
from store.ops import backup as store_backup
from store.tenancy import apps, directories
from tests.conftest import AdminClient, ScimClient, separate_database_url
from tests.e2e.conftest import CliRunnerOn

pytestmark = pytest.mark.e2e

POSTGRES = bool(os.environ.get("USERSYNC_TEST_DATABASE_URL"))
sqlite_only = pytest.mark.skipif(POSTGRES, reason="the sqlite format needs a SQLite store")
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
COUNT_LINE = re.compile(r"^  (\w+) +(\d+)$", re.MULTILINE)


class Cli(CliRunnerOn):
    """`usersync` in-process against one database."""

    def __call__(self, *args):
        return self.invoke(*args)

    def refused(self, *args):
        """The one-line message of a command that exits 1."""
        return " ".join(super().refused(*args, exit_code=1).split())


def rows():
    """Every table as dicts in primary-key order, read from the store the proxy is bound to."""
    with db.connection_context():
        return {model._meta.table_name: list(model.select().order_by(*model._meta.get_primary_keys()).dicts())
                for model in store_backup.ORDER}


def counts(output):
    return {table: int(n) for table, n in COUNT_LINE.findall(output)}


def user_doc(name, **extra):
    return {"schemas": [USER, ENTERPRISE], "userName": name, "externalId": f"ext-{name}",
            "name": {"givenName": name.split("@")[0].title(), "familyName": "Jensen", "formatted": "B. Jensen"},
            "emails": [{"value": name, "type": "work", "primary": True},
                       {"value": "home-" + name, "type": "home"}],
            "phoneNumbers": [{"value": "+49 30 1234", "type": "work"}],
            "addresses": [{"streetAddress": "Hauptstraße 1", "locality": "Berlin", "postalCode": "10115",
                           "country": "DE", "type": "work", "primary": True}],
            ENTERPRISE: {"employeeNumber": "701984", "costCenter": "4130", "organization": "Universal Studios",
                         "division": "Theme Park", "department": "Tour Operations"}, **extra}


def group_doc(name, *members):
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": member["id"]} for member in members]}


def created(response):
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def make_app(name, provider, directory=None, **options):
    """An IdP app with these options, made as the wizard makes it; returns its token."""
    with db.connection_context():
        if directory is not None:
            directories.create(directory)
        _, token = apps.create(name, provider, directory=directory)
        if options:
            apps.set_options(name, options)
    return token


def fill(app):
    """Two apps (options, a mapping, their own directories), users, groups and memberships through SCIM,
    audit events and traffic on the way, a failed admin sign-in; returns {app name: token}."""
    tokens = {"Oracle IDCS": make_app("Oracle IDCS", "oracle", username_regex="(.*)@.*", username_replacement="$1",
                                      default_groups=["confluence-users"], traffic_log=True,
                                      group_mapping={"Engineering": ["jira-developers", "confluence-users"]}),
              "Okta": make_app("Okta", "okta", "Jira Internal Directory", on_delete="delete")}
    scim = ScimClient(app.test_client(), tokens["Oracle IDCS"])
    alice = created(scim.post("/Users", json=user_doc("alice@corp.com", password="s3cret!pw")))
    managed = {ENTERPRISE: {"department": "Tours", "manager": {"value": alice["id"]}}}
    bob = created(scim.post("/Users", json=user_doc("bob@corp.com", **managed)))
    carol = created(scim.post("/Users", json=user_doc("carol@corp.com", active=False)))
    engineering = created(scim.post("/Groups", json=group_doc("Engineering", alice, bob)))
    created(scim.post("/Groups", json=group_doc("Marketing", carol)))
    patched = scim.patch(f"/Groups/{engineering['id']}", json={"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": carol["id"]}]}]})
    assert patched.status_code in (200, 204), patched.get_data(as_text=True)
    assert scim.delete(f"/Users/{carol['id']}").status_code == 204  # deactivated, kept on the host
    okta = ScimClient(app.test_client(), tokens["Okta"])
    created(okta.post("/Groups", json=group_doc("Sales", created(okta.post("/Users", json=user_doc("dave@corp.com"))))))
    failed = AdminClient(app.test_client()).post("/plugins/servlet/usersync/admin/login",
                                                 data={"username": "admin", "password": "not the password"})
    assert failed.status_code == 401
    _pull_source(alice["id"])
    return tokens


def _pull_source(user_id):
    """A REST API app with its encrypted source, one finished pull and the link it made."""
    from models import SyncLink, SyncRun, SyncSource

    with db.connection_context():
        pulling, _ = apps.create("IDCS pull", "oracle", "rest")
        SyncSource.create(app=pulling, kind="oracle", settings='{"domain_url": "https://idcs.example.com"}',
                          secret="gAAAAB-encrypted", schedule="daily")
        run = SyncRun.create(app=pulling, trigger="manual", full=True, status="succeeded", phase="done", done=1,
                             counts='{"created": 1}', cursor="{}")
        SyncLink.create(app=pulling, kind="User", source_id="idcs-1", local_id=user_id, seen_run=run.id,
                        digest="0" * 64)


def fill_a_little(app):
    """One app with one user in one group; returns the app's token."""
    token = make_app("Oracle IDCS", "oracle")
    scim = ScimClient(app.test_client(), token)
    created(scim.post("/Groups", json=group_doc("Engineering", created(scim.post("/Users", json=user_doc("alice"))))))
    return token


def scim_view(app, tokens):
    """What each app sees over SCIM: every user and group."""
    view = {}
    for name, token in tokens.items():
        client = ScimClient(app.test_client(), token)
        view[name] = [client.get(path).get_json() for path in ("/Users?count=100", "/Groups?count=100")]
    return view


@pytest.fixture
def source(app):
    """The conftest's store (SQLite, or the PostgreSQL test database) and a CLI on it."""
    return app, Cli(app.config["DATABASE_URL"])


@pytest.fixture
def target(tmp_path):
    """make() -> a CLI on an empty store of its own (PostgreSQL: a second database)."""
    def make():
        return Cli(separate_database_url(tmp_path, "restored.db"))
    return make


@pytest.mark.parametrize("fmt", [pytest.param("sqlite", marks=sqlite_only), "json"])
def test_a_restore_reproduces_every_table_tokens_and_admin_included(source, target, tmp_path, fmt):
    app, cli = source
    tokens = fill(app)
    seen = scim_view(app, tokens)  # first: it logs traffic and marks the apps used
    before = rows()
    empty = [table for table, table_rows in before.items() if not table_rows]
    assert not empty, f"the fill left {empty} empty"
    path = tmp_path / f"store.{fmt}"
    written = cli.ok("backup", path, "--format", fmt)
    assert written.startswith(f"Wrote a {fmt} backup to {path}:")
    assert counts(written) == {table: len(table_rows) for table, table_rows in before.items()}
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600

    fresh = target()
    output = fresh.ok("restore", path)
    assert output.startswith(f"Restored the {fmt} backup {path} (schema version ")
    assert counts(output) == counts(written)
    restored = create_app({"TESTING": True, "DATABASE_URL": fresh.database_url})
    assert rows() == before
    assert scim_view(restored, tokens) == seen  # the old tokens still authenticate
    AdminClient(restored.test_client()).sign_in()  # the source's admin password, not the fresh store's
    fresh.ok("apps", "create", "--name", "After", "--provider", "entra")  # ids continue past the restored ones


def test_restore_asks_for_yes_before_replacing_a_store_that_is_not_empty(source, tmp_path):
    app, cli = source
    token = fill_a_little(app)
    before = rows()
    cli.ok("backup", tmp_path / "store.json", "--format", "json")
    make_app("Later", "entra")
    changed = rows()
    message = cli.refused("restore", tmp_path / "store.json")
    assert message == ("Error: This store is not empty: it holds 1 user, 1 group and 2 apps, which the restore "
                       "would replace. Run again with --yes to replace them. Nothing was restored."), message
    assert rows() == changed
    cli.ok("restore", tmp_path / "store.json", "--yes")
    assert rows() == before
    assert ScimClient(app.test_client(), token).get("/Users").get_json()["totalResults"] == 1


@pytest.mark.parametrize("damage, message", [
    pytest.param(lambda text: text[:len(text) // 2], "is not valid JSON (line ", id="truncated"),
    pytest.param(lambda text: text.replace('"format": "usersync-backup"', '"format": "other"'),
                 'is not a usersync backup (no "format": "usersync-backup" header).', id="header"),
    pytest.param(lambda text: re.sub(r'("user_value": \[\n)(\{.*?\})', r"\1\2,\n\2", text),
                 "Restoring table user_value failed: ", id="duplicate-row"),
])
def test_a_damaged_backup_leaves_the_store_as_it_was(source, tmp_path, damage, message):
    app, cli = source
    fill_a_little(app)
    path = tmp_path / "store.json"
    with db.connection_context():
        store_backup.backup_json(path)
    path.write_text(damage(path.read_text(encoding="utf-8")), encoding="utf-8")
    make_app("Later", "entra")
    before = rows()
    assert message in cli.refused("restore", path, "--yes")
    assert rows() == before


def test_backup_keeps_an_existing_file_unless_forced(source, tmp_path):
    _, cli = source
    path = tmp_path / "store.json"
    path.write_text("precious")
    assert cli.refused("backup", path, "--format", "json") == f"Error: {path} exists; pass --force to overwrite it."
    assert path.read_text() == "precious"
    cli.ok("backup", path, "--format", "json", "--force")
    assert json.loads(path.read_text())["format"] == "usersync-backup"
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_restore_names_what_is_not_a_backup(source, tmp_path):
    _, cli = source
    (tmp_path / "notes.txt").write_text("hello")
    assert "is not a usersync backup: neither a SQLite database nor a JSON export" in cli.refused(
        "restore", tmp_path / "notes.txt")
    missing = cli("restore", tmp_path / "missing.json")
    assert missing.exit_code == 2 and "does not exist" in missing.stderr, missing.output


@pytest.mark.skipif(not POSTGRES, reason="needs USERSYNC_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_backs_up_and_restores_json_only(source, tmp_path):
    _, cli = source
    assert "back it up with --format json" in cli.refused("backup", tmp_path / "store.sqlite", "--format", "sqlite")
    assert cli.ok("backup", tmp_path / "store.json").startswith("Wrote a json backup")
    with sqlite3.connect(tmp_path / "store.sqlite") as connection:
        connection.execute("CREATE TABLE notes (text)")
    connection.close()
    assert "usersync backup PATH --format json" in cli.refused("restore", tmp_path / "store.sqlite")


def test_help_documents_both_commands():
    runner = CliRunner()
    backup = runner.invoke(main, ["backup", "--help"], prog_name="usersync")
    assert backup.exit_code == 0 and "Usage: usersync backup [OPTIONS] PATH" in backup.stdout
    assert "--format [sqlite|json]" in backup.stdout and "--force" in backup.stdout and "0600" in backup.stdout
    restore = runner.invoke(main, ["restore", "--help"], prog_name="usersync")
    assert restore.exit_code == 0 and "Usage: usersync restore [OPTIONS] PATH" in restore.stdout
    assert "--yes" in restore.stdout
