"""store.pull.runs: one queued or running run per app; claimed by one owner; stale runs interrupted."""

import json
from datetime import timedelta

import pytest

from models import SyncRun, utcnow
from store.pull import runs, sources
from store.tenancy import apps, secrets

KEY = secrets.key_from({"SECRET_KEY": "unit-test-secret-key"})


@pytest.fixture
def app(store_db):
    record, _ = apps.create("IDCS", "oracle", method="rest")
    sources.configure(record, "oracle", {"domain_url": "https://idcs-1.identity.oraclecloud.com",
                                              "client_id": "c"}, {"client_secret": "s"}, KEY)
    return record


def test_request_queues_one_run_per_app(app):
    run_id = runs.request(app, full=True)
    with pytest.raises(runs.SyncBusy) as busy:
        runs.request(app)
    assert busy.value.run_id == run_id
    assert str(busy.value) == f"A pull of 'IDCS' is already queued or running (run #{run_id})."
    status = runs.status(run_id)
    assert json.loads(json.dumps(status)) == status  # JSON-ready
    assert {key: status[key] for key in ("id", "app", "status", "phase", "done", "total", "counts", "error", "full",
                                         "trigger", "started", "finished")} == {
        "id": run_id, "app": app.id, "status": "queued", "phase": "users", "done": 0, "total": None, "counts": {},
        "error": None, "full": True, "trigger": "manual", "started": None, "finished": None}
    assert status["requested"].endswith("Z")
    assert runs.status(run_id + 1) is None


def test_runs_are_refused_without_a_source_or_while_the_app_is_disabled(store_db, app):
    other, _ = apps.create("Bare", "okta", method="rest")
    with pytest.raises(runs.SyncRefused, match="'Bare' has no source to pull from"):
        runs.request(other)
    pushing, _ = apps.create("Pushing", "okta")
    with pytest.raises(runs.SyncRefused, match="'Pushing' uses SCIM: its IdP pushes changes"):
        runs.request(pushing)
    apps.set_enabled("IDCS", False)
    with pytest.raises(runs.SyncRefused, match="'IDCS' is disabled"):
        runs.request(app)
    with pytest.raises(ValueError, match="trigger"):
        runs.request(other, trigger="cron")


def test_claim_gives_a_queued_run_to_one_owner(app):
    run_id = runs.request(app)
    assert runs.next_queued().id == run_id
    assert runs.claim(run_id, "a:1:1") is True
    assert runs.claim(run_id, "b:2:2") is False
    assert runs.claim(run_id, "a:1:1") is True  # its own
    assert runs.next_queued() is None
    assert runs.checkpoint(run_id, "b:2:2", done=5) is False
    assert runs.checkpoint(run_id, "a:1:1", done=5, counts={"created": 5}) is True
    assert runs.finish(run_id, "a:1:1", "succeeded") is True
    assert runs.status(run_id)["counts"] == {"created": 5}
    assert runs.request(app) == run_id + 1  # a finished run no longer keeps the app busy


def test_a_run_without_heartbeat_is_interrupted_and_frees_the_app(app):
    run_id = runs.begin(app, owner="gone:1:1")
    assert runs.status(run_id)["status"] == "running"
    assert runs.mark_stale() == []
    SyncRun.update(heartbeat=utcnow() - timedelta(seconds=runs.STALE_SECONDS + 1)).execute()
    new = runs.request(app)  # marks it on the way
    assert runs.status(run_id)["status"] == "interrupted" and new == run_id + 1
    assert runs.checkpoint(run_id, "gone:1:1") is False  # the old owner, if it wakes, stops


def test_recent_is_newest_first(app):
    first = runs.begin(app, trigger="cli", owner="me:1:1")
    assert runs.finish(first, "me:1:1", "failed", error="The source failed with 500.")
    second = runs.request(app)
    assert [run["id"] for run in runs.recent(app)] == [second, first]
    assert [run["id"] for run in runs.recent(app.id, limit=1)] == [second]


def test_a_run_its_age_its_app_and_recent_full_runs(app):
    run_id = runs.begin(app, full=True, owner="a:1:1")
    run = runs.get(run_id)
    assert run.id == run_id and timedelta(0) <= runs.age(run) < timedelta(minutes=1)
    assert runs.fresh_app(app).name == runs.fresh_app(app.id).name == "IDCS"
    assert not runs.full_succeeded_within(app.id, timedelta(days=1))
    runs.finish(run_id, "a:1:1", "succeeded")
    assert runs.full_succeeded_within(app.id, timedelta(days=1))
    assert not runs.full_succeeded_within(app.id, timedelta(0))
