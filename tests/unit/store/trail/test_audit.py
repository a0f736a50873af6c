"""store.trail.audit: decisions recorded with the write they describe, queried, exported as CSV, purged."""

import csv
import io
import json
from datetime import datetime, timedelta, timezone

import pytest

from models import db, utcnow
from models.audit import AuditEvent
from store.tenancy import apps
from store.trail import audit

pytestmark = pytest.mark.usefixtures("store_db")


@pytest.fixture
def oracle():
    return apps.create("Oracle IDCS", "oracle")[0]


@pytest.fixture
def okta():
    return apps.create("Okta", "okta")[0]


def aged(event, **delta):
    """Move an event back in time."""
    AuditEvent.update(at=utcnow() - timedelta(**delta)).where(AuditEvent.id == event.id).execute()
    return event


def test_record_stores_the_app_its_name_and_the_changes_as_json(oracle):
    event = audit.record(oracle, "update-user", "applied", "updated host user", resource_type="User",
                         resource_id="u1", subject="bjensen", changes={"displayName": ["Babs", "Barbara"]})
    stored = AuditEvent.get_by_id(event.id)
    assert (stored.app_id, stored.app_name, stored.operation, stored.outcome) == (
        oracle.id, "Oracle IDCS", "update-user", "applied")
    assert json.loads(stored.changes) == {"displayName": ["Babs", "Barbara"]}
    assert audit.as_dict(stored) == {
        "at": audit.iso(stored.at), "app": "Oracle IDCS", "operation": "update-user", "resource_type": "User",
        "resource_id": "u1", "subject": "bjensen", "outcome": "applied", "reason": "updated host user",
        "changes": {"displayName": ["Babs", "Barbara"]}}


def test_record_without_an_app_is_an_admin_action():
    event = audit.record(None, "settings", "applied", "retention changed")
    assert (event.app_id, event.app_name, event.changes) == (None, None, None)


@pytest.mark.parametrize("operation, outcome", [("", "applied"), ("x" * 41, "applied"), ("create-user", "done")])
def test_record_refuses_unknown_outcomes_and_bad_operations(oracle, operation, outcome):
    with pytest.raises(audit.AuditError):
        audit.record(oracle, operation, outcome, "why")
    assert AuditEvent.select().count() == 0


def test_record_commits_and_rolls_back_with_the_open_transaction(oracle):
    with db.atomic():
        audit.record(oracle, "create-user", "applied", "created host user 'kept'", subject="kept")
    with pytest.raises(RuntimeError):
        with db.atomic():
            audit.record(oracle, "create-user", "applied", "created host user 'lost'", subject="lost")
            raise RuntimeError("the write failed")
    assert [e.subject for e in AuditEvent.select()] == ["kept"]


def test_secrets_in_changes_are_redacted_and_markers_kept(oracle):
    audit.record(oracle, "update-user", "applied", "updated", changes={
        "password": ["[redacted]", "[changed]"], "x": {"client_secret": "s3cr3t-value"}, "title": [None, "CEO"]})
    stored = AuditEvent.get().changes
    assert "s3cr3t-value" not in stored
    assert json.loads(stored) == {"password": ["[redacted]", "[changed]"], "title": [None, "CEO"],
                                  "x": {"client_secret": "[redacted]"}}


def test_long_identifiers_from_an_idp_are_clipped_not_refused(oracle):
    event = audit.record(oracle, "create-user", "refused", "too long", subject="a" * 400, resource_id="b" * 100)
    assert (len(event.subject), len(event.resource_id)) == (255, 64)


def test_events_of_a_deleted_app_keep_its_name(oracle):
    audit.record(oracle, "create-user", "applied", "created", subject="bjensen")
    apps.delete("Oracle IDCS")
    event = AuditEvent.get(AuditEvent.operation == "create-user")
    assert (event.app_id, event.app_name) == (None, "Oracle IDCS")
    deleted, created = audit.query(app="Oracle IDCS")
    assert created == event and "deleted app 'Oracle IDCS'" in deleted.reason


def test_query_is_newest_first_and_filters_by_app_outcome_and_operation(oracle, okta):
    first = audit.record(oracle, "create-user", "applied", "created", subject="bjensen")
    second = audit.record(okta, "create-user", "refused", "import disabled", subject="jsmith")
    third = audit.record(oracle, "update-group", "ignored", "group filtered out", subject="Sales")
    assert audit.query() == [third, second, first]
    assert audit.query(app=oracle) == [third, first]
    assert audit.query(app="Okta") == [second]
    assert audit.query(outcome="refused") == [second]
    assert audit.query(operation="update-group") == [third]
    assert audit.query(app=oracle, operation="create-user", outcome="applied") == [first]
    assert audit.query(limit=1, offset=1) == [second]
    assert audit.count() == 3 and audit.count(app=oracle) == 2 and audit.count(outcome="failed") == 0


def test_query_by_time_since_inclusive_until_exclusive_naive_or_aware(oracle):
    old = aged(audit.record(oracle, "create-user", "applied", "old"), days=10)
    new = audit.record(oracle, "create-user", "applied", "new")
    week_ago = datetime.now(timezone.utc) - timedelta(days=7)
    assert [e.id for e in audit.query(since=week_ago)] == [new.id]
    assert [e.id for e in audit.query(until=week_ago)] == [old.id]
    in_berlin = week_ago.astimezone(timezone(timedelta(hours=2)))
    assert [e.id for e in audit.query(since=in_berlin)] == [new.id]
    assert [e.id for e in audit.query(since=week_ago.replace(tzinfo=None))] == [new.id]
    stored = AuditEvent.get_by_id(new.id).at
    assert [e.id for e in audit.query(since=stored, until=stored + timedelta(microseconds=1))] == [new.id]


def test_query_by_subject_is_a_case_insensitive_substring_with_like_wildcards_literal(oracle):
    bjensen = audit.record(oracle, "create-user", "applied", "created", subject="BJensen@Example.com")
    audit.record(oracle, "create-user", "applied", "created", subject="jsmith@example.com")
    percent = audit.record(oracle, "create-group", "applied", "created", subject="100%_done")
    accented = audit.record(oracle, "create-user", "applied", "created", subject="ÉLODIE")
    audit.record(oracle, "settings", "applied", "no subject")
    assert audit.query(subject="bjensen") == [bjensen]
    assert audit.query(subject="EXAMPLE.COM") == audit.query(subject="example.com")
    assert len(audit.query(subject="example.com")) == 2
    assert audit.query(subject="%_") == [percent]
    assert audit.query(subject="élodie") == [accented]


def test_csv_has_the_header_z_times_quoting_and_no_formulas(oracle):
    audit.record(oracle, "create-user", "refused", 'import disabled, "really"\nsecond line', subject="=HYPERLINK(1)")
    audit.record(oracle, "update-user", "applied", "-1 day", subject="@bob", resource_id="+1",
                 changes={"displayName": ["a", "b"]})
    text = audit.to_csv(audit.query())
    assert text.startswith("at,app,operation,resource_type,resource_id,subject,outcome,reason,changes\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [row["subject"] for row in rows] == ["'@bob", "'=HYPERLINK(1)"]
    assert rows[0]["reason"] == "'-1 day" and rows[0]["resource_id"] == "'+1"
    assert rows[1]["reason"] == 'import disabled, "really"\nsecond line'
    assert json.loads(rows[0]["changes"]) == {"displayName": ["a", "b"]}
    assert rows[1]["changes"] == "" and rows[1]["resource_type"] == ""
    for row in rows:
        assert row["at"].endswith("Z")
        datetime.fromisoformat(row["at"])


def test_purge_deletes_only_what_is_older_than_the_retention(oracle):
    aged(audit.record(oracle, "create-user", "applied", "ancient"), days=91)
    aged(audit.record(oracle, "create-user", "applied", "older"), days=30)
    audit.record(oracle, "create-user", "applied", "recent")
    assert audit.purge(90) == 1
    assert audit.purge(7) == 1
    assert [e.reason for e in AuditEvent.select()] == ["recent"]
    assert audit.purge(0) == 1
    with pytest.raises(audit.AuditError):
        audit.purge(-1)


@pytest.mark.parametrize("retention, left", [(90, 1), (0, 2), (None, 2)])
def test_the_start_up_purge_applies_the_configured_retention_and_zero_keeps_all(oracle, retention, left):
    aged(audit.record(oracle, "create-user", "applied", "ancient"), days=91)
    audit.record(oracle, "create-user", "applied", "recent")
    assert audit.purge_expired(retention) == 2 - left
    assert AuditEvent.select().count() == left


NOW = datetime(2026, 11, 8, 12, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize("text, expected", [
    ("7d", datetime(2026, 11, 1, 12, 0, tzinfo=timezone.utc)),
    ("24h", datetime(2026, 11, 7, 12, 0, tzinfo=timezone.utc)),
    ("30m", datetime(2026, 11, 8, 11, 30, tzinfo=timezone.utc)),
    ("2026-11-01T00:00:00Z", datetime(2026, 11, 1, tzinfo=timezone.utc)),
    ("2026-11-01", datetime(2026, 11, 1, tzinfo=timezone.utc)),
    ("2026-11-01T02:00:00+02:00", datetime(2026, 11, 1, tzinfo=timezone.utc)),
])
def test_parse_time_takes_iso_8601_and_ages(text, expected):
    assert audit.parse_time(text, now=NOW) == expected


@pytest.mark.parametrize("text", ["", "7x", "d", "yesterday", "2026-13-01"])
def test_parse_time_refuses_anything_else(text):
    with pytest.raises(audit.AuditError, match="ISO 8601"):
        audit.parse_time(text, now=NOW)
