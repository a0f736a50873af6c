"""`usersync sync-source APP …` and `usersync sync APP [--full]` against the test IdP."""

import json

import pytest
from click.testing import CliRunner

from models import IdpApp, db
from store.pull import runs


@pytest.fixture
def cli(app):
    """usersync ARGS in-process on the test store; the result."""
    from cli import main

    env = {"USERSYNC_DATABASE_URL": app.config["DATABASE_URL"], "USERSYNC_SECRET_KEY": "cli-testing-secret-key",
           "USERSYNC_ADMIN_PASSWORD": "cli-testing-password", "USERSYNC_SYNC_SECRET": None}

    def invoke(*args, input=None, **more_env):
        return CliRunner().invoke(main, list(args), input=input, env={**env, **more_env}, prog_name="usersync")

    return invoke


@pytest.fixture
def configured(cli, idp_source):
    """An app 'IDCS' (REST API) whose source is the test IdP, its secret typed at the prompt."""
    assert cli("apps", "create", "--name", "IDCS", "--provider", "oracle", "--method", "rest").exit_code == 0
    result = cli("sync-source", "IDCS", "--oracle", idp_source.url, "--client-id", idp_source.client_id,
                 input=idp_source.client_secret + "\n")
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith(f"'IDCS' pulls from Oracle identity domain {idp_source.url} (client ID "
                                  f"{idp_source.client_id}); schedule: only when asked\n")
    assert idp_source.client_secret not in result.output
    return "IDCS"


def test_sync_runs_in_the_foreground_and_prints_the_counts(cli, idp_source, configured):
    idp_source.add_group("Engineering", idp_source.add_users(3))
    result = cli("sync", configured)
    assert result.exit_code == 0, result.output
    assert result.stdout == "pull run #1 succeeded: 3 created, 1 groups created\n"
    assert "pull run #1 of 'IDCS' started" in result.stderr and "  users: 3 of 3" in result.stderr
    again = cli("sync", configured, "--full", "--json")
    assert again.exit_code == 0, again.output
    run = json.loads(again.stdout)
    assert (run["trigger"], run["full"], run["counts"]) == ("cli", True, {"unchanged": 3, "groups_unchanged": 1})


def test_a_failed_sync_exits_1_with_the_reason(cli, idp_source, configured):
    idp_source.client_secret = "rotated-at-the-idp"
    result = cli("sync", configured)
    assert result.exit_code == 1
    assert "Error: The token endpoint refused the client ID or secret (401 invalid_client" in result.stderr
    assert "Traceback" not in result.output and "rotated-at-the-idp" not in result.output


def test_sync_refuses_while_another_run_is_queued(cli, configured):
    with db.connection_context():
        runs.request(IdpApp.by_name(configured))
    result = cli("sync", configured)
    assert result.exit_code == 1
    assert "Error: A pull of 'IDCS' is already queued or running (run #1)." in result.stderr


def test_the_secret_may_come_from_the_environment_and_an_empty_answer_keeps_it(cli, idp_source, configured):
    kept = cli("sync-source", configured, "--oracle", idp_source.url, "--client-id", idp_source.client_id,
               "--schedule", "daily", input="\n")
    assert kept.exit_code == 0, kept.output
    assert kept.stdout.endswith("schedule: once a day\n")
    assert cli("sync", configured).exit_code == 0
    replaced = cli("sync-source", configured, "--oracle", idp_source.url, "--client-id", idp_source.client_id,
                   USERSYNC_SYNC_SECRET="wrong-secret")
    assert replaced.exit_code == 0 and "wrong-secret" not in replaced.output
    assert cli("sync", configured).exit_code == 1


def test_an_unknown_app_and_a_bad_source_are_refused_in_words(cli, configured):
    assert "Error: No app named 'Nope'." in cli("sync", "Nope").stderr
    bad = cli("sync-source", configured, "--oracle", "http://idcs.example.com", "--client-id", "x", input="s\n")
    assert bad.exit_code == 1
    assert "domain_url: must use https://" in bad.stderr and "Traceback" not in bad.output
