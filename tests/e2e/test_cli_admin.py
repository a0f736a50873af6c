"""`usersync admin set-password` against an empty store, then signing in with the new password."""

import importlib

import pytest

from app import create_app
from tests.conftest import AdminClient, fresh_database
from tests.e2e.conftest import CliRunnerOn

pytestmark = pytest.mark.e2e

ADMIN = "/plugins/servlet/usersync/admin"
# The module, not the `admin` group that cli/__init__.py exports under the same name.
CLI_ADMIN = importlib.import_module("cli.admin")
FIRST = "e2e-admin-password"
NEW = "a new password, long enough"


class Cli(CliRunnerOn):
    """`usersync` in-process against one temp database."""

    def __init__(self, database_url):
        super().__init__(database_url, FIRST)

    def __call__(self, *args, input=None):
        return self.invoke(*args, input=input)

    def signs_in(self, password):
        """Whether the admin pages of a fresh app on this database accept the password."""
        app = create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "e2e-only"})
        client = AdminClient(app.test_client())
        client.get(ADMIN + "/login")
        response = client.post(ADMIN + "/login", data={"username": "admin", "password": password})
        return response.status_code == 302


@pytest.fixture
def cli(tmp_path):
    return Cli(fresh_database(tmp_path)[0])


def test_set_password_from_stdin_then_sign_in_with_it(cli):
    result = cli("admin", "set-password", "--password-stdin", input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert "Password changed for 'admin'" in result.output
    assert NEW not in result.output
    assert cli.signs_in(NEW)
    assert not cli.signs_in(FIRST)


def test_a_short_password_is_refused_and_nothing_changes(cli):
    result = cli("admin", "set-password", "--password-stdin", input="short\n")
    assert result.exit_code == 1
    assert "at least 10 characters" in result.output and "Nothing was changed" in result.output
    assert cli.signs_in(FIRST)


def test_stdin_must_hold_one_line(cli):
    result = cli("admin", "set-password", "--password-stdin", input=NEW + "\nsecond line\n")
    assert result.exit_code == 1 and "single line" in result.output


def test_without_a_terminal_it_asks_for_password_stdin(cli):
    result = cli("admin", "set-password", input=NEW + "\n" + NEW + "\n")
    assert result.exit_code == 1 and "--password-stdin" in result.output
    assert cli.signs_in(FIRST)


def test_on_a_terminal_it_prompts_twice_without_echo(cli, monkeypatch):
    monkeypatch.setattr(CLI_ADMIN, "_interactive", lambda: True)
    result = cli("admin", "set-password", input=f"{NEW}\n{NEW}\n")
    assert result.exit_code == 0, result.output
    assert "New admin password" in result.output and "Repeat the password" in result.output
    assert NEW not in result.output  # hidden input is not echoed
    assert cli.signs_in(NEW)


def test_two_different_entries_are_refused(cli, monkeypatch):
    monkeypatch.setattr(CLI_ADMIN, "_interactive", lambda: True)
    result = cli("admin", "set-password", input=f"{NEW}\n{NEW}!\n")
    assert result.exit_code != 0 and "do not match" in result.output
    assert cli.signs_in(FIRST)
