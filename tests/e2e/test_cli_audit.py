"""`usersync audit`, `usersync audit purge` and `usersync traffic NAME` against an empty store."""

import csv
import io
import json
from datetime import timedelta

import pytest

from models import db, init_db, migrate, utcnow
from models.audit import AuditEvent
from store.tenancy import apps
from store.trail import audit, traffic
from tests.conftest import fresh_database
from tests.e2e.conftest import CliRunnerOn

pytestmark = pytest.mark.e2e


class Cli(CliRunnerOn):
    """`usersync` in-process on one temp database, which the test can also fill directly."""

    def __call__(self, *args, exit_code=0):
        result = self.invoke(*args)
        assert result.exit_code == exit_code, result.output
        return result

    def app(self, name, provider="oracle"):
        """An app created straight in the store (cheaper than `usersync apps create`)."""
        init_db(self.database_url)
        with db.connection_context():
            migrate()
            return apps.create(name, provider)[0]

    def event(self, app, operation, outcome, reason, days_ago=0, **kwargs):
        with db.connection_context():
            event = audit.record(app, operation, outcome, reason, **kwargs)
            if days_ago:
                AuditEvent.update(at=utcnow() - timedelta(days=days_ago)).where(AuditEvent.id == event.id).execute()
        return event


@pytest.fixture
def cli(tmp_path):
    return Cli(fresh_database(tmp_path)[0])


@pytest.fixture
def trail(cli):
    """Two apps and four events: one old, one refused, one with awkward text, one admin action."""
    oracle, okta = cli.app("Oracle IDCS"), cli.app("Okta", "okta")
    cli.event(oracle, "create-user", "applied", "created host user 'old'", days_ago=10, subject="old@example.com")
    cli.event(okta, "create-user", "refused", "User import is disabled for this app.", subject="JSmith@Example.com")
    cli.event(oracle, "update-user", "applied", 'regex rewrote demouser@gmail.com → demouser, "quoted"',
              subject="=demouser@gmail.com", resource_type="User", resource_id="u-1",
              changes={"displayName": ["Demo", "Demo User"]})
    cli.event(None, "settings", "applied", "retention changed")
    return oracle, okta


def test_the_table_is_newest_first_with_time_app_operation_subject_outcome_reason(cli, trail):
    lines = cli("audit").output.splitlines()
    assert lines[0].split() == ["time", "(UTC)", "app", "operation", "subject", "outcome", "reason"]
    assert len(lines) == 5
    assert lines[1].split()[1:3] == ["-", "settings"]
    assert "Oracle IDCS" in lines[2] and "update-user" in lines[2] and "regex rewrote demouser@gmail.com" in lines[2]
    assert "Okta" in lines[3] and "refused" in lines[3] and "User import is disabled for this app." in lines[3]
    assert lines[4].split()[0].endswith("Z")


def test_a_limited_table_says_how_many_matched(cli, trail):
    lines = cli("audit", "--limit", "1").output.splitlines()
    assert len(lines) == 3 and lines[-1] == "(1 of 4 matching events shown; raise --limit, 0 for all)"


@pytest.mark.parametrize("args, subjects", [
    (["--app", "Oracle IDCS"], ["=demouser@gmail.com", "old@example.com"]),
    (["--user", "jsmith@EXAMPLE"], ["JSmith@Example.com"]),
    (["--outcome", "refused"], ["JSmith@Example.com"]),
    (["--operation", "create-user"], ["JSmith@Example.com", "old@example.com"]),
    (["--since", "7d", "--app", "Oracle IDCS"], ["=demouser@gmail.com"]),
    (["--until", "24h"], ["old@example.com"]),
    (["--since", "2000-01-01T00:00:00Z", "--until", "2000-01-02"], []),
    (["--app", "Oracle IDCS", "--limit", "0"], ["=demouser@gmail.com", "old@example.com"]),
])
def test_filters(cli, trail, args, subjects):
    events = json.loads(cli("audit", "--json", *args).output)
    assert [e["subject"] for e in events] == subjects


def test_app_finds_its_events_in_any_case_and_from_before_a_rename(cli, trail):
    assert [e["subject"] for e in json.loads(cli("audit", "--json", "--app", "oracle idcs").output)] == [
        "=demouser@gmail.com", "old@example.com"]
    cli("apps", "rename", "oracle idcs", "Oracle EU")
    events = json.loads(cli("audit", "--json", "--app", "ORACLE eu").output)
    assert [(e["app"], e["operation"]) for e in events] == [
        ("Oracle EU", "app"), ("Oracle IDCS", "update-user"), ("Oracle IDCS", "create-user")]
    assert [e["subject"] for e in json.loads(cli("audit", "--json", "--app", "Oracle IDCS").output)] == [
        "=demouser@gmail.com", "old@example.com"]  # the name it had then still finds them


def test_json_is_an_array_of_whole_events(cli, trail):
    event = json.loads(cli("audit", "--json", "--operation", "update-user").output)[0]
    assert set(event) == {"at", "app", "operation", "resource_type", "resource_id", "subject", "outcome", "reason",
                          "changes"}
    assert event["changes"] == {"displayName": ["Demo", "Demo User"]} and event["at"].endswith("Z")
    assert event["reason"] == 'regex rewrote demouser@gmail.com → demouser, "quoted"'


def test_csv_has_the_header_quotes_and_no_formulas(cli, trail):
    output = cli("audit", "--csv", "--app", "Oracle IDCS").output
    assert output.splitlines()[0] == "at,app,operation,resource_type,resource_id,subject,outcome,reason,changes"
    assert '"regex rewrote demouser@gmail.com → demouser, ""quoted"""' in output
    rows = list(csv.DictReader(io.StringIO(output)))
    assert [row["subject"] for row in rows] == ["'=demouser@gmail.com", "old@example.com"]
    assert json.loads(rows[0]["changes"]) == {"displayName": ["Demo", "Demo User"]}


def test_an_empty_trail_says_so(cli):
    cli.app("Oracle IDCS")
    assert cli("audit").output == "No audit events match.\n"
    assert cli("audit", "--csv").output.count("\n") == 1
    assert json.loads(cli("audit", "--json").output) == []


@pytest.mark.parametrize("args, message", [
    (["--since", "yesterday"], "is not a time"),
    (["--outcome", "done"], "'done' is not one of"),
    (["--csv", "--json"], "Choose one of --csv and --json"),
    (["--limit", "-1"], "--limit"),
])
def test_bad_arguments_are_usage_errors(cli, args, message):
    assert message in cli("audit", *args, exit_code=2).output


def test_purge_uses_the_configured_retention_or_the_given_days(cli, trail):
    oracle, _ = trail
    cli.env["USERSYNC_AUDIT_RETENTION_DAYS"] = "0"  # 0 keeps everything: no purge at start-up
    cli.event(oracle, "create-user", "applied", "ancient", days_ago=100)
    assert cli("audit", "purge", "--older-than-days", "90").output == "Purged 1 audit event older than 90 days.\n"
    assert cli("audit", "purge", "--older-than-days", "7").output == "Purged 1 audit event older than 7 days.\n"
    assert len(json.loads(cli("audit", "--json").output)) == 3
    cli.event(oracle, "create-user", "applied", "ancient again", days_ago=100)
    cli.env["USERSYNC_AUDIT_RETENTION_DAYS"] = "90"  # every start purges what is past retention
    assert "ancient again" not in cli("audit", "--json").output
    assert cli("audit", "purge").output == "Purged 0 audit events older than 90 days.\n"


def test_traffic_lists_an_apps_exchanges_and_json_has_the_bodies(cli):
    oracle = cli.app("Oracle IDCS")
    assert "No traffic logged for 'Oracle IDCS'. Turn it on with: usersync apps set 'Oracle IDCS' traffic_log=true" in cli("traffic", "Oracle IDCS").output
    with db.connection_context():
        for number in range(3):
            traffic.record(oracle, f"req-{number}", "POST", "/scim/Users?x=1", 201, 5.25,
                           '{"userName": "u%d", "password": "hunter22"}' % number, '{"id": "1"}', 16384, 500)
    lines = cli("traffic", "Oracle IDCS", "--limit", "2").output.splitlines()
    assert len(lines) == 2 and "req-2" in lines[0] and "req-1" in lines[1]
    assert lines[0].split()[1:6] == ["POST", "201", "5.2", "ms", "/scim/Users?x=1"]
    [entry] = json.loads(cli("traffic", "Oracle IDCS", "--json", "--limit", "1").output)
    assert entry["request_body"] == '{"userName": "u2", "password": "[redacted]"}'
    assert (entry["response_body"], entry["status"], entry["request_id"]) == ('{"id": "1"}', 201, "req-2")
    assert cli("traffic", "Oracle IDCS", "--clear").output == "Cleared 3 exchanges of 'Oracle IDCS'.\n"
    assert json.loads(cli("traffic", "Oracle IDCS", "--json").output) == []


def test_traffic_of_an_unknown_app_fails(cli):
    assert "No app named 'Nope'." in cli("traffic", "Nope", exit_code=1).output
