"""The pull scheduler of `usersync serve`: due runs queued and run, queued runs run, stale ones interrupted;
with two schedulers on one store (two instances) only the leader runs anything."""

import time
from datetime import timedelta

import pytest

from models import SyncRun, SyncSource, db, utcnow
from provisioning.pull.scheduler import Scheduler
from store.ops.leader import Leader
from store.pull import runs, sources

from . import Puller


@pytest.fixture
def schedulers(app):
    """make(pulling) -> a Scheduler on the test store with a Leader of its own; all stopped afterwards."""
    made = []

    def make(pulling, poll_seconds=0.05):
        made.append(Scheduler(app, Leader(app.config["DATABASE_URL"]), poll_seconds, client_factory=pulling.client))
        return made[-1]

    yield make
    for scheduler in made:
        scheduler.stop()


def runs_of(pulling):
    with db.connection_context():
        return runs.recent(pulling.app_id)


def test_one_pass_queues_the_due_run_runs_it_and_moves_the_schedule_on(app, idp_source, schedulers):
    idp_source.add_users(3)
    pulling = Puller(app, idp_source)
    with db.connection_context():
        sources.set_schedule(pulling.app_id, "hourly")
        SyncSource.update(next_run=utcnow() - timedelta(minutes=1)).execute()
    assert schedulers(pulling).run_pending() is True
    [run] = runs_of(pulling)
    assert (run["trigger"], run["status"], run["full"], run["counts"]) == ("schedule", "succeeded", True,
                                                                           {"created": 3})
    with db.connection_context():
        next_run = SyncSource.get().next_run
    assert utcnow() + timedelta(minutes=58) < next_run <= utcnow() + timedelta(hours=1)
    assert schedulers(pulling).run_pending() is False  # the first still leads
    assert len(runs_of(pulling)) == 1  # nothing was due any more


def test_a_scheduled_run_is_incremental_after_a_full_run_that_day(app, idp_source, schedulers):
    idp_source.add_users(1)
    pulling = Puller(app, idp_source)
    pulling.run()
    with db.connection_context():
        sources.set_schedule(pulling.app_id, "daily")
        SyncSource.update(next_run=utcnow()).execute()
    schedulers(pulling).run_pending()
    assert [(run["trigger"], run["full"]) for run in runs_of(pulling)] == [("schedule", False), ("manual", True)]


def test_of_two_schedulers_on_one_store_only_the_leader_runs_a_requested_run(app, idp_source, schedulers):
    idp_source.add_users(2)
    pulling = Puller(app, idp_source)
    first, second = schedulers(pulling), schedulers(pulling)
    assert first.leader.acquire()
    with db.connection_context():
        run_id = runs.request(pulling.app_id)
    assert second.run_pending() is False
    assert runs_of(pulling)[0]["status"] == "queued"
    assert first.run_pending() is True
    assert runs_of(pulling)[0]["status"] == "succeeded"
    with db.connection_context():
        assert SyncRun.get_by_id(run_id).owner == first.owner
    first.stop()  # the leader goes away: the other one takes over
    with db.connection_context():
        runs.request(pulling.app_id)
    assert second.run_pending() is True
    assert runs_of(pulling)[0]["status"] == "succeeded"


def test_the_thread_runs_synchronize_now_within_a_poll(app, idp_source, schedulers):
    idp_source.add_users(2)
    pulling = Puller(app, idp_source)
    scheduler = schedulers(pulling).start()
    with db.connection_context():
        run_id = runs.request(pulling.app_id)
    deadline = time.monotonic() + 10
    while runs_of(pulling)[0]["status"] != "succeeded":
        assert time.monotonic() < deadline, runs_of(pulling)
        time.sleep(0.05)
    scheduler.stop()
    assert not scheduler._thread.is_alive()
    assert pulling.users().keys() == {"user01@example.com", "user02@example.com"} and run_id == 1


def test_a_pass_marks_a_run_without_heartbeat_interrupted(app, idp_source, schedulers):
    pulling = Puller(app, idp_source)
    with db.connection_context():
        run_id = runs.begin(pulling.app_id, owner="elsewhere:1:1")
        SyncRun.update(heartbeat=utcnow() - timedelta(seconds=61)).execute()
    schedulers(pulling).run_pending()
    assert runs_of(pulling)[0]["status"] == "interrupted"
    assert pulling.events() == [("pull-sync", "failed", f"pull run #{run_id} interrupted: no heartbeat from "
                                                        "elsewhere:1:1 for over 60 s; the next run resumes where it "
                                                        "stopped")]


def test_a_due_source_of_a_disabled_app_is_left_alone(app, idp_source, schedulers):
    from store.tenancy import apps

    pulling = Puller(app, idp_source)
    with db.connection_context():
        sources.set_schedule(pulling.app_id, "hourly")
        SyncSource.update(next_run=utcnow()).execute()
        apps.set_enabled(pulling.name, False)
    schedulers(pulling).run_pending()
    assert runs_of(pulling) == []
