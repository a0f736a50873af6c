"""Reconcile after the app's directory changed: its users move there with their SCIM groups, or are named
in a conflict and stay."""

from . import create_group, create_user, host_groups, host_user, make_app, ok
from .reconciling import kinds, reapply

OTHER = "Jira Other Directory"


def _move_app(client, directory=OTHER):
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        apps.configure(client.name, directory=directory, create_directory=True)
    return client.record.directory_id


def test_users_and_their_groups_move_into_the_new_directory_and_the_idps_ids_answer_again(app):
    client = make_app(app, "Acme")
    people = [create_user(client, name) for name in ("alice", "bob")]
    group = create_group(client, "Engineering", *(p["id"] for p in people))
    assert host_groups(people[0]["id"]) == ["Engineering"]
    target = _move_app(client)
    assert client.get(f"/Users/{people[0]['id']}").status_code == 404  # stranded

    planned, changes = reapply(client, dry_run=True)
    assert (planned.counts.moved, planned.counts.groups_moved) == (2, 1)
    assert planned.counts.leaves == {"Engineering (Confluence Internal Directory)": 2}
    assert planned.counts.joins == {"Engineering": 2} and planned.counts.groups_created == 1
    assert ("move", "alice", "Confluence Internal Directory", OTHER) in kinds(changes)
    assert host_user(people[0]["id"]).directory_id != target  # nothing written

    applied, done = reapply(client)
    assert applied.counts.as_dict() == planned.counts.as_dict()
    assert all(host_user(p["id"]).directory_id == target for p in people)
    assert ok(client.get(f"/Users/{people[0]['id']}"))["userName"] == "alice"
    members = ok(client.get(f"/Groups/{group['id']}"))["members"]
    assert sorted(m["value"] for m in members) == sorted(p["id"] for p in people)
    assert host_groups(people[1]["id"]) == ["Engineering"]  # the new directory's host group
    assert reapply(client, dry_run=True)[0].counts.changes == 0


def test_a_user_the_new_directory_already_has_stays_with_its_groups_and_is_named(app):
    client = make_app(app, "Acme")
    alice, bob, carol = (create_user(client, name) for name in ("alice", "bob", "carol"))
    create_group(client, "Engineering", alice["id"], bob["id"])
    other = make_app(app, "Okta", provider="okta", directory=OTHER)
    create_user(other, "bob")  # the new directory's own bob
    _move_app(client)
    for dry_run in (True, False):
        result, changes = reapply(client, dry_run=dry_run)
        conflicts = {c.subject: c.detail for c in changes if c.kind == "conflict"}
        assert set(conflicts) == {"alice", "bob"} and result.counts.moved == 1  # carol alone moves
        assert "already has a user with the userName 'bob'" in conflicts["alice"]
        assert all(c.about == "move" for c in changes if c.kind == "conflict")
    assert client.get(f"/Users/{alice['id']}").status_code == 404
    assert ok(client.get(f"/Users/{carol['id']}"))["userName"] == "carol"
    assert host_groups(alice["id"]) == ["Engineering"]  # left as it was


def test_a_group_shared_with_another_apps_user_is_not_moved_and_its_members_are_named(app):
    client = make_app(app, "Acme")
    other = make_app(app, "Okta", provider="okta")
    alice = create_user(client, "alice")
    dave = create_user(other, "dave")
    create_group(client, "Everyone", alice["id"], dave["id"])
    _move_app(client)
    result, changes = reapply(client)
    (conflict,) = [c for c in changes if c.kind == "conflict"]
    assert conflict.subject == "alice" and "'dave', which another app provisioned" in conflict.detail
    assert result.counts.moved == 0 and host_user(dave["id"]).directory_id == other.directory_id



def test_the_run_follows_the_directory_change_not_a_later_token_rotation(app):
    from models import db
    from store.tenancy import apps

    client = make_app(app, "Acme")
    create_user(client, "alice")
    _move_app(client)
    with db.connection_context():
        apps.rotate(client.name)
    result, _changes = reapply(client, dry_run=True)
    assert result.cause["operation"] == "app" and "directory changed" in result.cause["reason"]


def test_of_two_stranded_users_from_different_directories_with_one_name_only_the_first_moves(app):
    client = make_app(app, "Acme")
    first = create_user(client, "alice")
    _move_app(client, "Dir B")
    second = create_user(client, "alice")  # the IdP created alice again in the app's new directory
    target = _move_app(client, "Dir C")
    planned, planned_changes = reapply(client, dry_run=True)
    applied, changes = reapply(client)
    assert applied.counts.as_dict() == planned.counts.as_dict()
    assert kinds(changes) == kinds(planned_changes)
    assert (applied.counts.moved, applied.counts.conflicts) == (1, 1)
    (moved,) = [c.resource_id for c in changes if c.kind == "move"]
    (conflict,) = [c for c in changes if c.kind == "conflict"]
    assert {moved, conflict.resource_id} == {first["id"], second["id"]}
    assert conflict.about == "move" and "with the userName 'alice' first" in conflict.detail
    assert host_user(moved).directory_id == target and host_user(conflict.resource_id).directory_id != target
    assert ok(client.get(f"/Users/{moved}"))["userName"] == "alice"
    again, again_changes = reapply(client, dry_run=True)
    assert again.counts.moved == 0 and [c.kind for c in again_changes] == ["conflict"]
    assert "already has a user with the userName 'alice'" in again_changes[0].detail


def test_of_two_stranded_groups_from_different_directories_with_one_name_only_the_first_moves(app):
    client = make_app(app, "Acme")
    create_group(client, "Engineering", create_user(client, "alice")["id"])
    _move_app(client, "Dir B")
    create_group(client, "Engineering", create_user(client, "bob")["id"])
    _move_app(client, "Dir C")
    planned, _planned_changes = reapply(client, dry_run=True)
    applied, changes = reapply(client)
    assert applied.counts.as_dict() == planned.counts.as_dict()
    assert (applied.counts.groups_moved, applied.counts.conflicts) == (1, 1)
    (conflict,) = [c for c in changes if c.kind == "conflict"]
    assert "with the SCIM group name 'Engineering' first" in conflict.detail
    assert reapply(client, dry_run=True)[0].counts.groups_moved == 0
