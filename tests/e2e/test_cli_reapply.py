"""`usersync apps reapply NAME [--dry-run] [--json]` on a store an IdP provisioned before the options changed."""

import json
import os
import re
import subprocess

import pytest

from app import create_app
from tests.api.provisioning import create_group, create_user, make_app
from tests.conftest import fresh_database

from .conftest import REPO, CliRunnerOn, usersync

pytestmark = pytest.mark.e2e


@pytest.fixture
def acme(tmp_path):
    """(CLI, SCIM client) of an app whose six users were pushed in acme-group-01 before it was mapped."""
    url = fresh_database(tmp_path)[0]
    cli = CliRunnerOn(url)
    client = make_app(create_app({"TESTING": True, "DATABASE_URL": url}), "Acme")
    people = [create_user(client, f"acme.user{n:02}@example.com") for n in range(6)]
    create_group(client, "acme-group-01", *(p["id"] for p in people))
    cli.ok("apps", "map", "Acme", "acme-group-01", "jira-developers", "confluence-users")
    return cli, client


def _reapply_json(cli, *flags):
    return json.loads(cli.ok("apps", "reapply", "acme", "--json", *flags))


def test_the_real_command_plans_then_applies_then_has_nothing_left_to_do(acme):
    cli, _client = acme
    env = {**os.environ, **cli.env}

    def run(*args):
        done = subprocess.run(usersync("apps", "reapply", "Acme", *args), cwd=REPO, env=env, capture_output=True,
                              text=True, timeout=60)
        assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
        return done.stdout

    planned = run("--dry-run")
    assert "dry run, nothing is written." in planned
    assert "After settings event" in planned and "group_mapping changed" in planned
    assert re.search(r"\n  Joins: +12\n    confluence-users +6\n    jira-developers +6\n", planned)
    assert re.search(r"\n  join +acme\.user03@example\.com +- +jira-developers +IdP group 'acme-group-01'\n", planned)
    assert "19 change(s) planned; run again without --dry-run to apply them." in planned
    assert "Applied 19 change(s) in 1 batch(es); 0 conflict(s) left alone." in run()
    assert "0 change(s) planned" in run("--dry-run")


def test_json_has_the_counts_every_change_and_the_result(acme):
    cli, _client = acme
    planned = _reapply_json(cli, "--dry-run")
    assert planned["dry_run"] is True and planned["completed"] is True
    assert planned["counts"]["joins"] == {"confluence-users": 6, "jira-developers": 6}
    assert planned["counts"]["leaves"] == {"acme-group-01": 6} and planned["counts"]["changes"] == 19
    assert len(planned["changes"]) == 19
    assert {"kind": "leave", "subject": "acme.user00@example.com", "before": "acme-group-01", "after": None,
            "detail": "no longer given by the IdP", "resource_type": "User", "about": None} \
        in [{k: v for k, v in c.items() if k != "resource_id"} for c in planned["changes"]]
    applied = _reapply_json(cli)
    assert applied["dry_run"] is False and applied["counts"] == planned["counts"] and applied["batches"] == 1
    assert _reapply_json(cli, "--dry-run")["changes"] == []


def test_conflicts_are_listed_apart_and_do_not_fail_the_run(acme):
    cli, client = acme
    create_user(make_app(client.flask_app, "Okta", provider="okta"), "acme.user01")
    cli.ok("apps", "set", "Acme", "username_regex=(.*)@.*", "username_replacement=$1")
    out = cli.ok("apps", "reapply", "Acme")
    conflicts = out[out.index("Conflicts (left alone):"):]
    assert re.search(r"\n  rename refused +acme\.user01@example\.com +acme\.user01@example\.com +acme\.user01 ",
                     conflicts)
    assert "provisioned by 'Okta'" in conflicts and "refused" not in out[:out.index("Conflicts (left alone):")]
    assert "1 conflict(s) left alone." in out
    assert _reapply_json(cli, "--dry-run")["counts"]["conflicts"] == 1  # reported again, still left alone


def test_an_unknown_app_is_a_clean_error(acme):
    cli, _client = acme
    assert "No app named 'Nope'." in cli.refused("apps", "reapply", "Nope")


def test_idp_text_with_control_characters_is_escaped_in_the_table_and_exact_in_json(acme):
    cli, client = acme
    create_group(client, "evil\x1b[31mred", create_user(client, "mallory")["id"])
    cli.ok("apps", "set", "Acme", "unmapped_groups=ignore")
    out = cli.ok("apps", "reapply", "Acme", "--dry-run")
    assert "\x1b" not in out and "evil\\x1b[31mred" in out
    changes = _reapply_json(cli, "--dry-run")["changes"]
    assert {"evil\x1b[31mred"} == {c["before"] for c in changes if c["subject"] == "mallory"}


def test_a_run_that_fails_exits_non_zero_saying_a_rerun_finishes_it(acme, monkeypatch):
    from store.resources import provisioned

    cli, _client = acme
    cli.ok("apps", "set", "Acme", "username_regex=(.*)@.*", "username_replacement=$1")

    def failing(user_id, name):
        raise RuntimeError("disk full")

    monkeypatch.setattr(provisioned, "rename", failing)
    error = cli.refused("apps", "reapply", "Acme", "--batch-size", "2")
    assert "The reapply stopped: disk full." in error and "run the command again to finish" in error
    monkeypatch.undo()
    assert "Applied 25 change(s) in 3 batch(es)" in cli.ok("apps", "reapply", "Acme", "--batch-size", "2")
