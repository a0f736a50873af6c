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
        return self.sign_in(password).status_code == 302

    def sign_in(self, password, username="admin"):
        """The sign-in form's answer, from a fresh app on this database (as after a restart)."""
        app = create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "e2e-only"})
        client = AdminClient(app.test_client())
        client.get(ADMIN + "/login")
        return client.post(ADMIN + "/login", data={"username": username, "password": password})


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


def test_set_password_lifts_a_sign_in_lockout(cli):
    for _ in range(5):  # LOGIN_MAX_FAILURES
        assert cli.sign_in("not the password", username="Admin").status_code == 401
    locked = cli.sign_in(FIRST)
    assert locked.status_code == 429 and "Too many failed sign-ins" in locked.get_data(as_text=True)
    result = cli("admin", "set-password", "--password-stdin", input=NEW + "\n")
    assert result.exit_code == 0, result.output
    assert "any sign-in lockout is lifted" in result.output
    assert cli.signs_in(NEW)


def test_set_password_says_where_to_sign_in(cli):
    result = cli("admin", "set-password", "--password-stdin", input=NEW + "\n")
    assert "Sign in at http://127.0.0.1:8090/plugins/servlet/usersync/admin/ as 'admin'." in result.output
    cli.env["USERSYNC_PUBLIC_URL"] = "https://jira.example.com/jira/"
    public = cli("admin", "set-password", "--password-stdin", input=NEW + "\n")
    assert public.exit_code == 0, public.output
    assert "Sign in at https://jira.example.com/jira/plugins/servlet/usersync/admin/ as 'admin'." in public.output
