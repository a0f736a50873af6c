"""Reconcile runs: batches that commit whole, a rerun that finishes a stopped run, and the audit trail."""

import pytest

from . import audit_events, create_group, create_user, host_groups, make_app
from .reconciling import host_name, reapply, set_options

MAPPING = {"staff": ["jira-developers"]}


def _staff(app, users):
    client = make_app(app, "Acme")
    people = [create_user(client, f"user{n}@example.com") for n in range(users)]
    create_group(client, "staff", *(p["id"] for p in people))
    set_options(client, group_mapping=MAPPING, username_regex="(.*)@.*", username_replacement="$1")
    return client, sorted(people, key=lambda p: p["id"])  # batches walk users by id


def _after(person):
    """Whether a user is as the options want it: renamed and in the mapped host group only."""
    state = (host_name(person), host_groups(person["id"]))
    before = (person["userName"], ["staff"])
    after = (person["userName"].split("@")[0], ["jira-developers"])
    assert state in (before, after), state  # never half
    return state == after


def test_a_run_that_stops_in_its_second_batch_leaves_each_user_before_or_after_and_a_rerun_finishes(app, monkeypatch):
    from store.resources import provisioned

    client, people = _staff(app, users=7)
    rename, calls = provisioned.rename, []

    def failing(user_id, name):
        calls.append(user_id)
        if len(calls) == 5:  # the second user of the second batch of three
            raise RuntimeError("disk full")
        rename(user_id, name)

    monkeypatch.setattr(provisioned, "rename", failing)
    with pytest.raises(RuntimeError):
        reapply(client, batch_size=3)
    assert [_after(p) for p in people] == [True] * 3 + [False] * 4
    monkeypatch.setattr(provisioned, "rename", rename)

    result, _changes = reapply(client, batch_size=3)
    assert result.counts.renamed == 4 and result.batches == 3
    assert all(_after(p) for p in people)
    assert reapply(client, dry_run=True, batch_size=3)[0].counts.changes == 0


def test_a_dry_run_over_many_batches_plans_what_the_run_then_applies(app):
    client, people = _staff(app, users=5)
    planned, planned_changes = reapply(client, dry_run=True, batch_size=2)
    assert planned.batches == 3 and not any(_after(p) for p in people)
    applied, applied_changes = reapply(client, batch_size=2)
    assert applied.counts.as_dict() == planned.counts.as_dict()
    assert sorted(map(repr, applied_changes)) == sorted(map(repr, planned_changes))
    assert planned.counts.groups_created == 1  # once, though every batch joins it


def test_every_change_is_a_reconcile_event_naming_the_option_change_it_follows(app):
    from models import db
    from store.trail import audit

    client, people = _staff(app, users=2)
    create_user(make_app(app, "Okta", provider="okta"), "user1")  # user1@example.com's rename conflicts
    with db.connection_context():
        cause = audit.latest_option_change(client.record)
    reapply(client, dry_run=True)
    assert audit_events(client, operation="reconcile") == []  # a dry run writes nothing
    result, _changes = reapply(client)
    events = audit_events(client, operation="reconcile")
    note = f"; reconcile after settings event {cause.id}"
    assert all(reason.endswith(note) for _op, _outcome, reason in events[:-1])
    outcomes = [outcome for _op, outcome, _reason in events]
    assert outcomes.count("ignored") == result.counts.conflicts == 1
    assert outcomes.count("applied") == result.counts.changes + 1  # and the summary
    *_, (_op, _outcome, summary) = events
    assert summary.startswith("reconciled 2 user(s) in 1 batch(es): 1 renamed") and f"event {cause.id}" in summary
    with db.connection_context():
        last = audit.query(app=client.record, operation="reconcile", limit=1)[0]
    assert audit.as_dict(last)["changes"]["cause"]["id"] == cause.id
    assert audit.as_dict(last)["changes"]["counts"]["renamed"] == 1
