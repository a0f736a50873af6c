"""`usersync apps ...` and `usersync serve --help` against an empty store."""

import json
import re

import pytest

from app import create_app
from store.tenancy.apps import token_hash
from tests.conftest import AdminClient, fresh_database

from .conftest import PREFIX, CliRunnerOn

pytestmark = pytest.mark.e2e

TOKEN = re.compile(r"^[A-Za-z0-9_-]{43}$")
ADMIN = "/plugins/servlet/usersync/admin"


class Cli(CliRunnerOn):
    """`usersync` in-process, with USERSYNC_DATABASE_URL pointing at one temp database."""

    def __call__(self, *args):
        return self.invoke(*args)

    def create(self, name, provider="oracle"):
        result = self("apps", "create", "--name", name, "--provider", provider, "--json")
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)

    def listed(self):
        result = self("apps", "list", "--json")
        assert result.exit_code == 0, result.output
        return result.stdout

    def status_with(self, token):
        """The status of GET /ServiceProviderConfig with this bearer token, through a fresh app."""
        app = create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "e2e-only"})
        response = app.test_client().get(PREFIX + "/ServiceProviderConfig",
                                         headers={"Authorization": f"Bearer {token}"})
        return response.status_code


@pytest.fixture
def cli(tmp_path):
    return Cli(fresh_database(tmp_path)[0])


def test_create_prints_json_with_a_url_safe_token(cli):
    record = cli.create("Oracle IDCS")
    assert {"name", "provider", "base_url", "token"} <= set(record), record
    assert record["name"] == "Oracle IDCS" and record["provider"] == "oracle"
    assert record["base_url"].startswith("http") and record["base_url"].endswith(PREFIX), record
    assert TOKEN.match(record["token"]), record["token"]
    assert cli.status_with(record["token"]) == 200


def test_create_with_a_taken_name_fails_clearly(cli):
    first = cli.create("dup")
    result = cli("apps", "create", "--name", "dup", "--provider", "okta", "--json")
    assert result.exit_code != 0
    assert "An app named 'dup' already exists." in result.stderr, result.output
    assert result.stdout == "", result.output
    assert "Traceback" not in result.output and "IntegrityError" not in result.output
    assert [a["provider"] for a in json.loads(cli.listed())] == ["oracle"]
    assert cli.status_with(first["token"]) == 200


def test_list_never_shows_a_token_or_its_hash(cli):
    tokens = [cli.create("first")["token"], cli.create("second", "entra")["token"]]
    rotated = json.loads(cli("apps", "rotate-token", "second", "--json").stdout)["token"]
    for output in (cli.listed(), cli("apps", "list").stdout):
        for token in tokens + [rotated]:
            assert token not in output and token_hash(token) not in output, output
        assert "token" not in output.lower(), output
    records = json.loads(cli.listed())
    assert [r["name"] for r in records] == ["first", "second"]
    assert all("token" not in key.lower() for record in records for key in record), records


def test_rotate_token_retires_the_old_token(cli):
    old = cli.create("rotating")["token"]
    assert cli.status_with(old) == 200
    result = cli("apps", "rotate-token", "rotating", "--json")
    assert result.exit_code == 0, result.output
    new = json.loads(result.stdout)["token"]
    assert TOKEN.match(new) and new != old
    assert cli.status_with(old) == 401
    assert cli.status_with(new) == 200


def test_rotate_token_of_an_unknown_app_fails(cli):
    result = cli("apps", "rotate-token", "ghost")
    assert result.exit_code != 0
    assert "No app named 'ghost'." in result.stderr, result.output


def test_delete_removes_the_app_and_its_token(cli):
    token = cli.create("doomed")["token"]
    cli.create("kept", "okta")
    result = cli("apps", "delete", "doomed")
    assert result.exit_code == 0, result.output
    assert "Deleted app 'doomed'." in result.stdout
    assert [r["name"] for r in json.loads(cli.listed())] == ["kept"]
    assert cli.status_with(token) == 401
    again = cli("apps", "delete", "doomed")
    assert again.exit_code != 0 and "No app named 'doomed'." in again.stderr, again.output


def test_unknown_provider_is_rejected(cli):
    result = cli("apps", "create", "--name", "x", "--provider", "myspace", "--json")
    assert result.exit_code == 2, result.output
    assert "Invalid value for '--provider'" in result.stderr, result.output
    assert "oracle" in result.stderr  # the choices are listed
    assert json.loads(cli.listed()) == []


def test_serve_help_documents_host_port_threads(cli):
    result = cli("serve", "--help")
    assert result.exit_code == 0, result.output
    for option in ("--host", "--port", "--threads"):
        assert option in result.stdout, result.stdout
    assert "8090" in result.stdout and "127.0.0.1" in result.stdout  # defaults shown


def test_create_refuses_a_name_taken_in_another_case(cli):
    cli.create("Oracle IDCS")
    result = cli("apps", "create", "--name", "oracle idcs", "--provider", "okta", "--json")
    assert result.exit_code == 1 and result.stdout == "", result.output
    assert "An app named 'Oracle IDCS' already exists; app names are unique regardless of case." in result.stderr
    assert [r["name"] for r in json.loads(cli.listed())] == ["Oracle IDCS"]


def test_names_are_found_regardless_of_case(cli):
    cli.create("Oracle IDCS")
    shown = cli("apps", "show", "ORACLE idcs", "--json")
    assert shown.exit_code == 0 and json.loads(shown.stdout)["name"] == "Oracle IDCS", shown.output
    assert cli("apps", "set", "oracle IDCS", "traffic_log=true").exit_code == 0
    assert cli("apps", "rotate-token", "oracle idcs", "--json").exit_code == 0
    deleted = cli("apps", "delete", "oracle idcs")
    assert deleted.exit_code == 0 and deleted.stdout == "Deleted app 'Oracle IDCS'.\n", deleted.output


def test_rename_keeps_the_token(cli):
    token = cli.create("Okta")["token"]
    result = cli("apps", "rename", "okta", "Okta Production")
    assert result.exit_code == 0, result.output
    assert result.stdout == "Renamed app 'Okta' to 'Okta Production'.\n"
    assert [r["name"] for r in json.loads(cli.listed())] == ["Okta Production"]
    assert cli.status_with(token) == 200
    (event,) = json.loads(cli("audit", "--operation", "app", "--json").stdout)
    assert (event["app"], event["reason"]) == ("Okta Production", "name changed from 'Okta' to 'Okta Production'")
    same = cli("apps", "rename", "okta production", "Okta Production")
    assert same.stdout == "Nothing changed: the app is named 'Okta Production' already.\n", same.output


@pytest.mark.parametrize("new_name, message", [
    ("ENTRA", "An app named 'Entra' already exists; app names are unique regardless of case."),
    ("  ", "Enter a name for the app."),
    ("x" * 121, "The app name can have at most 120 characters; this one has 121."),
])
def test_rename_refuses_a_taken_empty_or_long_name(cli, new_name, message):
    cli.create("Okta")
    cli.create("Entra")
    result = cli("apps", "rename", "Okta", new_name)
    assert result.exit_code == 1 and result.stdout == "", result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert [r["name"] for r in json.loads(cli.listed())] == ["Entra", "Okta"]


def test_rename_of_an_unknown_app(cli):
    result = cli("apps", "rename", "ghost", "Spirit")
    assert result.exit_code == 1 and "No app named 'ghost'." in result.stderr, result.output


def test_a_command_that_creates_the_store_shows_the_generated_password_once(cli):
    cli.env["USERSYNC_ADMIN_PASSWORD"] = None  # unset: the first start generates one
    result = cli("apps", "create", "--name", "Okta", "--provider", "okta", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Okta"  # stdout stays the JSON record
    password = re.search(r"^\|  Password    (\S+) +\|$", result.stderr, re.MULTILINE).group(1)
    assert "|  Sign in at  http://127.0.0.1:8090/plugins/servlet/usersync/admin/" in result.stderr
    again = cli("apps", "list", "--json")
    assert again.exit_code == 0 and password not in again.output and again.stderr == "", again.output
    app = create_app({"DATABASE_URL": cli.database_url, "SECRET_KEY": "e2e-only"})
    client = AdminClient(app.test_client())
    client.get(ADMIN + "/login")
    assert client.post(ADMIN + "/login", data={"username": "admin", "password": password}).status_code == 302
