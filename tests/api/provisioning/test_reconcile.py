"""Reconcile: each option kind changed after users were provisioned, planned in a dry run, then applied."""

import pytest

from . import (
    add_manual_membership,
    create_group,
    create_user,
    host_group_names,
    host_groups,
    host_user,
    make_app,
    ok,
    patch_body,
)
from .reconciling import host_name, kinds, reapply, set_options

ACME = {"acme-group-01": ["jira-developers", "confluence-users"]}


def _acme(app, users=6, **options):
    """The product owner's walk: users in acme-group-01, pushed before any mapping."""
    client = make_app(app, "Acme", **options)
    people = [create_user(client, f"acme.user{n:02}@example.com") for n in range(users)]
    create_group(client, "acme-group-01", *(person["id"] for person in people))
    return client, people


def test_a_mapping_saved_after_the_push_is_planned_then_applied_to_every_member(app):
    acme, people = _acme(app)
    assert all(host_groups(p["id"]) == ["acme-group-01"] for p in people)
    set_options(acme, group_mapping=ACME)

    planned, changes = reapply(acme, dry_run=True)
    counts = planned.counts
    assert counts.joins == {"jira-developers": 6, "confluence-users": 6} and counts.leaves == {"acme-group-01": 6}
    assert counts.groups_created == 1 and counts.conflicts == 0 and counts.users == 6  # confluence-users is seeded
    assert ("create-group", "jira-developers", None, "jira-developers") in kinds(changes)
    assert all(host_groups(p["id"]) == ["acme-group-01"] for p in people)  # a dry run writes nothing
    assert "jira-developers" not in host_group_names(acme.directory_id)

    applied, done = reapply(acme)
    assert applied.counts.as_dict() == counts.as_dict() and kinds(done) == kinds(changes)
    assert all(host_groups(p["id"]) == ["confluence-users", "jira-developers"] for p in people)
    assert reapply(acme, dry_run=True)[0].counts.changes == 0  # a second run plans nothing


def test_unmapped_groups_ignore_takes_the_host_groups_of_the_same_name_and_create_gives_them_back(app):
    client = make_app(app, "Acme")
    alice = create_user(client, "alice")
    create_group(client, "Marketing", alice["id"])
    set_options(client, unmapped_groups="ignore")
    _result, changes = reapply(client)
    assert kinds(changes) == {("leave", "alice", "Marketing", None)}
    assert host_groups(alice["id"]) == []
    set_options(client, unmapped_groups="create")
    assert kinds(reapply(client)[1]) == {("join", "alice", None, "Marketing")}
    assert host_groups(alice["id"]) == ["Marketing"]


def test_include_and_exclude_filters_added_later_take_what_they_leave_out(app):
    client = make_app(app, "Acme")
    alice = create_user(client, "alice")
    create_group(client, "eng-backend", alice["id"])
    create_group(client, "sales", alice["id"])
    set_options(client, group_include="^eng-")
    assert kinds(reapply(client)[1]) == {("leave", "alice", "sales", None)}
    set_options(client, group_include="", group_exclude="backend")
    assert kinds(reapply(client)[1]) == {("leave", "alice", "eng-backend", None), ("join", "alice", None, "sales")}
    assert host_groups(alice["id"]) == ["sales"]


def test_keep_existing_groups_off_takes_memberships_the_app_did_not_give(app):
    client = make_app(app, "Acme")
    alice = create_user(client, "alice")
    add_manual_membership(client.directory_id, alice["id"], "admins")
    assert reapply(client, dry_run=True)[0].counts.changes == 0
    set_options(client, keep_existing_groups=False)
    _result, changes = reapply(client)
    assert [(c.kind, c.before, c.detail) for c in changes] == [("leave", "admins", "keep_existing_groups is off")]
    assert host_groups(alice["id"]) == []


def test_default_groups_reach_existing_users_only_when_they_are_for_all(app):
    client = make_app(app, "Acme")
    people = [create_user(client, name) for name in ("alice", "bob")]
    set_options(client, default_groups=["confluence-users"])
    assert reapply(client, dry_run=True)[0].counts.changes == 0  # for new users only: those already there keep theirs
    set_options(client, default_groups_for="all")
    result, _changes = reapply(client)
    assert result.counts.joins == {"confluence-users": 2}
    assert all(host_groups(p["id"]) == ["confluence-users"] for p in people)


def test_a_username_rule_added_later_renames_the_users_already_there(app):
    acme, people = _acme(app, users=3)
    set_options(acme, username_regex="(.*)@.*", username_replacement="$1")
    planned, changes = reapply(acme, dry_run=True)
    assert planned.counts.renamed == 3
    assert ("rename", "acme.user02@example.com", "acme.user02@example.com", "acme.user02") in kinds(changes)
    assert host_name(people[2]) == "acme.user02@example.com"
    reapply(acme)
    assert [host_name(p) for p in people] == ["acme.user00", "acme.user01", "acme.user02"]
    assert ok(acme.get(f"/Users/{people[2]['id']}"))["userName"] == "acme.user02@example.com"  # the IdP's own


def test_a_rename_onto_a_host_username_another_user_holds_is_a_conflict_left_alone(app):
    acme = make_app(app, "Acme")
    okta = make_app(app, "Okta", provider="okta")
    first = create_user(acme, "jdoe@example.com")
    create_user(okta, "jdoe")  # another app's user holds the name the rule would give
    set_options(acme, username_regex="(.*)@.*", username_replacement="$1")
    result, changes = reapply(acme)
    assert result.counts.conflicts == 1 and result.counts.renamed == 0
    (conflict,) = changes
    assert (conflict.kind, conflict.about, conflict.before, conflict.after) == (
        "conflict", "rename", "jdoe@example.com", "jdoe")
    assert "host user 'jdoe'" in conflict.detail and "provisioned by 'Okta'" in conflict.detail
    assert host_name(first) == "jdoe@example.com"


def test_two_users_the_rule_gives_one_name_the_first_is_renamed_the_other_is_a_conflict(app):
    acme = make_app(app, "Acme")
    people = [create_user(acme, name) for name in ("jdoe@one.example", "jdoe@two.example")]
    set_options(acme, username_regex="(.*)@.*", username_replacement="$1")
    for dry_run in (True, False):
        result, changes = reapply(acme, dry_run=dry_run)
        assert (result.counts.renamed, result.counts.conflicts) == (1, 1)
    names = sorted(host_name(p) for p in people)
    assert "jdoe" in names and len(set(names)) == 2


def test_a_deactivation_held_back_by_disable_users_is_applied_once_it_is_on(app):
    client = make_app(app, "Acme", disable_users=False)
    alice = create_user(client, "alice", active=True)
    ok(client.patch(f"/Users/{alice['id']}", json=patch_body({"op": "replace", "path": "active", "value": False})))
    assert host_user(alice["id"]).active is True
    assert reapply(client, dry_run=True)[0].counts.changes == 0  # the option still holds it back
    set_options(client, disable_users=True)
    result, changes = reapply(client)
    assert result.counts.deactivated == 1
    assert kinds(changes) == {("deactivate", "alice", "active", "inactive")}
    assert host_user(alice["id"]).active is False
    assert ok(client.get(f"/Users/{alice['id']}"))["active"] is False


def test_a_reactivation_held_back_by_enable_users_is_applied_once_it_is_on(app):
    client = make_app(app, "Acme", enable_users=False)
    bob = create_user(client, "bob", active=False)
    version = ok(client.get(f"/Users/{bob['id']}"))["meta"]["version"]
    ok(client.patch(f"/Users/{bob['id']}", json=patch_body({"op": "replace", "path": "active", "value": True})))
    assert host_user(bob["id"]).active is False
    set_options(client, enable_users=True)
    assert reapply(client)[0].counts.activated == 1
    body = ok(client.get(f"/Users/{bob['id']}"))
    assert body["active"] is True and body["meta"]["version"] != version  # an ETag the IdP sees change



def test_a_preview_plans_for_options_and_a_directory_not_saved_yet_and_writes_nothing(app):
    from models import db
    from provisioning import reconcile
    from rules.options import load, merged
    from store.tenancy import apps, directories

    acme, people = _acme(app, users=2)
    with db.connection_context():
        record = apps.found(acme.app_id)
        unsaved = merged(load(record.options), {"group_mapping": ACME})
        result, shown = reconcile.preview(record, limit=3, options=unsaved)
        assert result.counts.joins == {"jira-developers": 2, "confluence-users": 2} and len(shown) == 3
        elsewhere = directories.create("Jira Other Directory")
        assert reconcile.preview(record, directory_id=elsewhere.id)[0].counts.moved == 2
        with pytest.raises(ValueError, match="Only a dry run"):
            reconcile.run(record, dry_run=False, options=unsaved)
    assert all(host_groups(p["id"]) == ["acme-group-01"] for p in people)
    assert host_user(people[0]["id"]).directory_id == acme.directory_id
