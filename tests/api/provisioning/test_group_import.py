"""import_groups, group_include/group_exclude, keep_existing_groups: SCIM groups and the host groups they give."""

import time

import pytest

from tests.conftest import assert_scim_error

from . import (add_manual_membership, audit_events, create_group, create_user, host_group_names, host_groups,
               host_memberships, make_app, ok, patch_body, user_doc)


def _member(user_id):
    return f'members[value eq "{user_id}"]'


def test_on_a_new_group_creates_the_host_group_with_its_members(app):
    idcs = make_app(app, "Oracle IDCS", directory="Jira Internal Directory")
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    create_group(idcs, "Engineering", alice["id"], bob["id"])
    assert host_group_names(idcs.directory_id) == ["Engineering"]
    for user in (alice, bob):
        assert host_memberships(user["id"]) == {"Engineering": (idcs.app_id, "idp-group")}


def test_on_an_existing_host_group_is_joined_not_duplicated(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    create_group(idcs, "Confluence-Users", alice["id"])
    assert host_group_names(idcs.directory_id) == ["confluence-users"]
    assert host_groups(alice["id"]) == ["confluence-users"]


def test_on_members_added_and_removed_follow_to_the_host(app):
    idcs = make_app(app, "Oracle IDCS")
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body(
        {"op": "add", "path": "members", "value": [{"value": bob["id"]}]})), 204)
    assert host_groups(bob["id"]) == ["Engineering"]
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body({"op": "remove", "path": _member(alice["id"])})), 204)
    assert host_groups(alice["id"]) == [] and host_groups(bob["id"]) == ["Engineering"]


def test_on_a_put_replacing_members_moves_the_host_memberships(app):
    idcs = make_app(app, "Oracle IDCS")
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.put(f"/Groups/{group['id']}", json={"displayName": "Engineering", "members": [{"value": bob["id"]}]}))
    assert (host_groups(alice["id"]), host_groups(bob["id"])) == ([], ["Engineering"])


def test_on_a_rename_moves_the_members_to_the_new_host_group(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Platform"})), 204)
    assert host_memberships(alice["id"]) == {"Platform": (idcs.app_id, "idp-group")}
    assert "Engineering" in host_group_names(idcs.directory_id)  # host groups are never deleted by SCIM


def test_on_deleting_the_group_takes_it_from_its_members(app):
    idcs = make_app(app, "Oracle IDCS")
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    group = create_group(idcs, "Engineering", alice["id"], bob["id"])
    assert idcs.delete(f"/Groups/{group['id']}").status_code == 204
    assert host_groups(alice["id"]) == host_groups(bob["id"]) == []


def test_nested_groups_give_no_host_memberships(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    inner = create_group(idcs, "Engineering", alice["id"])
    outer = create_group(idcs, "R&D", inner["id"])
    [member] = ok(idcs.get(f"/Groups/{outer['id']}"))["members"]
    assert (member["value"], member["type"]) == (inner["id"], "Group")
    assert host_groups(alice["id"]) == ["Engineering"]
    assert "R&D" not in host_group_names(idcs.directory_id)


def test_off_group_writes_succeed_and_leave_host_groups_alone(app):
    idcs = make_app(app, "Oracle IDCS", import_groups=False)
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    before = host_group_names(idcs.directory_id)
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body(
        {"op": "add", "path": "members", "value": [{"value": bob["id"]}]},
        {"op": "replace", "path": "displayName", "value": "Platform"})), 204)
    assert ok(idcs.get(f"/Groups/{group['id']}"))["displayName"] == "Platform"
    assert idcs.delete(f"/Groups/{group['id']}").status_code == 204
    assert host_group_names(idcs.directory_id) == before
    assert host_groups(alice["id"]) == host_groups(bob["id"]) == []


def test_off_keeps_the_host_memberships_given_while_it_was_on(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    group = create_group(idcs, "Engineering", alice["id"])
    idcs.configure(import_groups=False)
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body({"op": "remove", "path": _member(alice["id"])})), 204)
    assert host_groups(alice["id"]) == ["Engineering"]


@pytest.mark.parametrize("options, imported", [
    ({"group_include": "^jira-"}, ["jira-admins", "jira-developers"]),
    ({"group_exclude": "-admins$"}, ["jira-developers", "sales"]),
    ({"group_include": "^jira-", "group_exclude": "-admins$"}, ["jira-developers"]),
    ({"group_include": "(?i)^JIRA-DEV"}, ["jira-developers"]),
])
def test_include_and_exclude_filter_the_idp_groups(app, options, imported):
    idcs = make_app(app, "Oracle IDCS", **options)
    alice = create_user(idcs, "alice")
    for name in ("jira-developers", "jira-admins", "sales"):
        create_group(idcs, name, alice["id"])  # every SCIM write succeeds, filtered or not
    assert ok(idcs.get("/Groups"))["totalResults"] == 3
    assert host_groups(alice["id"]) == imported


@pytest.mark.parametrize("option", ["group_include", "group_exclude"])
def test_a_catastrophic_filter_fails_closed_in_time(app, option):
    idcs = make_app(app, "Oracle IDCS", **{option: "(a|aa)+$"})
    alice = create_user(idcs, "alice")
    started = time.monotonic()
    create_group(idcs, "a" * 40 + "!", alice["id"])
    assert time.monotonic() - started < 2
    assert host_groups(alice["id"]) == []


def test_keep_existing_on_a_manual_membership_survives_group_syncs(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    add_manual_membership(idcs.directory_id, alice["id"], "jira-administrators")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body({"op": "remove", "path": _member(alice["id"])})), 204)
    assert host_memberships(alice["id"]) == {"jira-administrators": (None, "manual")}


def test_keep_existing_off_a_manual_membership_goes_when_a_group_syncs_the_user(app):
    idcs = make_app(app, "Oracle IDCS", keep_existing_groups=False)
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    add_manual_membership(idcs.directory_id, alice["id"], "jira-administrators")
    add_manual_membership(idcs.directory_id, bob["id"], "jira-administrators")
    create_group(idcs, "Engineering", alice["id"])
    assert host_memberships(alice["id"]) == {"Engineering": (idcs.app_id, "idp-group")}
    assert host_groups(bob["id"]) == ["jira-administrators"]  # not synced: untouched


def test_keep_existing_off_a_manual_membership_goes_when_the_user_itself_syncs(app):
    """An update of the user is a sync of the user: the brief's "removed when that user is synced"."""
    idcs = make_app(app, "Oracle IDCS", keep_existing_groups=False)
    alice = create_user(idcs, "alice")
    add_manual_membership(idcs.directory_id, alice["id"], "jira-administrators")
    ok(idcs.put(f"/Users/{alice['id']}", json=user_doc("alice", displayName="Alice L.", active=True)))
    assert host_groups(alice["id"]) == []


def test_a_group_of_another_directory_cannot_be_given_a_member(app):
    idcs = make_app(app, "Oracle IDCS")
    other = make_app(app, "Okta", provider="okta", directory="Jira Internal Directory")
    stranger = create_user(other, "stranger")
    assert_scim_error(idcs.post("/Groups", json={"displayName": "Engineering", "members": [
        {"value": stranger["id"]}]}), 400, "invalidValue")
    assert host_groups(stranger["id"]) == []
    assert [op for op, _, _ in audit_events(idcs)] == ["create-group"]
