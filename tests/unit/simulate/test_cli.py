"""`usersync simulate` in-process, its HTTP transport replaced by the in-memory SCIM server."""

import json
import socket

import pytest
from click.testing import CliRunner

import simulate.client
from cli import main
from cli.simulate import PROVIDERS
from simulate import SEQUENCES

from .fake import BASE, TOKEN, FakeScim


@pytest.fixture
def fake(monkeypatch):
    server = FakeScim()
    monkeypatch.setattr(simulate.client, "HttpTransport", lambda *args, **kwargs: server)
    return server


def run(*args, env=None):
    return CliRunner().invoke(main, ["simulate", *args], prog_name="usersync", env=env)


def test_the_providers_are_the_sequences():
    assert sorted(PROVIDERS) == sorted(SEQUENCES)


def test_human_summary_on_stdout_step_names_on_stderr(fake):
    result = run("oracle", "--base-url", BASE, "--token", TOKEN, "--users", "5", "--groups", "2")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        f"Oracle IDCS (GenericScim - Bearer Token) -> {BASE}: 5 users, 2 groups, prefix 'demo'",
        "Test Connectivity", "Create Account", "Create Group", "Update Account", "Refresh Application Data",
        "De-activate Account", "Revoke"]
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["Create", "Account", "5", "requests", "created", "5"]
    assert lines[0].split() == ["Test", "Connectivity", "1", "request", "ok", "1"]
    assert lines[-1].startswith("Done: 15 requests in ")
    assert TOKEN not in result.output
    assert fake.user("demo.user02@example.com")


def test_json_summary(fake):
    result = run("entra", "--base-url", BASE + "/", "--token", TOKEN, "--users", "3", "--groups", "1",
                 "--prefix", "j", "--json")
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["provider"] == "entra" and summary["idp"] == "Microsoft Entra ID"
    assert summary["base_url"] == BASE and summary["prefix"] == "j" and summary["ok"] is True
    assert summary["users"] == 3 and summary["groups"] == 1 and summary["failures"] == []
    assert summary["steps"]["Create User"] == {"requests": 6, "created": 3}
    assert summary["requests"] == len(fake.requests) and summary["elapsed"] >= 0


def test_token_from_the_environment(fake):
    result = run("okta", "--base-url", BASE, "--users", "1", "--groups", "0", env={"USERSYNC_TOKEN": TOKEN})
    assert result.exit_code == 0, result.output
    assert fake.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_a_failed_step_exits_1_with_the_server_detail(fake):
    result = run("okta", "--base-url", BASE, "--token", "wrong-token", "--json")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["ok"] is False and summary["failures"][0]["status"] == 401
    assert result.stderr.splitlines()[-2:] == [
        ("Error: Create Users: GET /plugins/servlet/usersync/scim/Users?filter=userName%20eq%20%22demo.user01"
         "%40example.com%22&startIndex=1&count=100 answered 401 Unauthorized: Authorization failure: a valid "
         "bearer token is required."),
        "  expected: 200"]
    assert "wrong-token" not in result.output


def test_human_summary_marks_the_failed_step(fake):
    fake.fail("PATCH", "/Users/", 500, "database is locked")
    result = run("oracle", "--base-url", BASE, "--token", TOKEN)
    assert result.exit_code == 1
    assert result.stdout.splitlines()[-2].split() == ["Update", "Account", "1", "request", "FAILED"]
    assert result.stdout.splitlines()[-1].startswith("Stopped: 15 requests")
    assert "answered 500 Internal Server Error: database is locked" in result.stderr


def test_connection_refused():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = run("oracle", "--base-url", f"http://127.0.0.1:{port}/plugins/servlet/usersync/scim", "--token", TOKEN)
    assert result.exit_code == 1
    assert f"connection refused. Is usersync serve running on http://127.0.0.1:{port}?" in result.stderr
    assert TOKEN not in result.output


def test_insecure_warns_loudly(fake):
    result = run("oracle", "--base-url", BASE, "--token", TOKEN, "--insecure", "--users", "1")
    assert result.exit_code == 0, result.output
    assert "WARNING: --insecure: the server's TLS certificate is NOT verified" in result.stderr


def test_plain_http_to_another_host_warns(fake):
    result = run("oracle", "--base-url", "http://scim.example.test/scim", "--token", TOKEN, "--users", "1")
    assert "WARNING: plain http: the bearer token travels unencrypted to scim.example.test." in result.stderr
    local = run("oracle", "--base-url", "http://127.0.0.1:9/scim", "--token", TOKEN, "--users", "1")
    assert "WARNING" not in local.stderr


@pytest.mark.parametrize("args, problem", [
    (["--users", "0"], "Invalid value for '--users'"),
    (["--users", "10001"], "Invalid value for '--users'"),
    (["--groups", "1001"], "Invalid value for '--groups'"),
    (["--delay", "-1"], "Invalid value for '--delay'"),
    (["--prefix", 'x" or "1'], "Invalid value for '--prefix'"),
    (["--token", " "], "Invalid value for '--token'"),
    (["--update", "put"], "--update applies to oracle only"),
])
def test_usage_errors(fake, args, problem):
    result = run("okta", "--base-url", BASE, "--token", TOKEN, *args)
    assert result.exit_code == 2
    assert problem in result.stderr
    assert fake.requests == []


def test_an_unusable_base_url_is_a_usage_error():
    result = run("oracle", "--base-url", "scim.example.test", "--token", TOKEN)
    assert result.exit_code == 2
    assert "--base-url must be an http:// or https:// URL" in result.stderr


def test_help_lists_every_option():
    result = run("--help")
    assert result.exit_code == 0
    for option in ("--base-url", "--token", "--users", "--groups", "--delay", "--prefix", "--update", "--timeout",
                   "--insecure", "--json"):
        assert option in result.stdout


def test_the_base_url_defaults_to_this_servers_public_url(fake):
    result = run("oracle", "--token", TOKEN, "--users", "2", "--json",
                 env={"USERSYNC_PUBLIC_URL": BASE.removesuffix("/plugins/servlet/usersync/scim") + "/"})
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["base_url"] == BASE
    assert result.stderr.startswith(f"Oracle IDCS (GenericScim - Bearer Token) -> {BASE}: 2 users")
    assert fake.user("demo.user02@example.com")


def test_without_a_public_url_the_default_is_the_local_server(monkeypatch):
    monkeypatch.setattr(simulate.client, "HttpTransport", lambda *args, **kwargs: FakeScim())
    result = run("okta", "--token", TOKEN, "--users", "1", "--groups", "0", env={"USERSYNC_PUBLIC_URL": None})
    assert result.exit_code == 0, result.output
    assert "-> http://127.0.0.1:8090/plugins/servlet/usersync/scim: 1 user, 0 groups" in result.stderr
