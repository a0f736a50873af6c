"""default_groups / default_groups_for: host groups given to the users this app creates, or touches."""

from . import (DEFAULT_HOST_GROUP, create_group, create_user, host_group_names, host_groups, host_memberships,
               make_app, ok, patch_body, user_doc)


def _rename(client, user_id, name):
    return ok(client.patch(f"/Users/{user_id}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": name})))


def test_none_by_default(app):
    idcs = make_app(app, "Oracle IDCS")
    assert host_groups(create_user(idcs, "alice")["id"]) == []


def test_new_gives_the_default_groups_to_users_this_app_creates(app):
    idcs = make_app(app, "Oracle IDCS", default_groups=[DEFAULT_HOST_GROUP])
    alice = create_user(idcs, "alice")
    assert host_memberships(alice["id"]) == {DEFAULT_HOST_GROUP: (idcs.app_id, "default")}


def test_new_does_not_give_them_to_users_this_app_only_updates(app):
    okta = make_app(app, "Okta", provider="okta")
    idcs = make_app(app, "Oracle IDCS", default_groups=[DEFAULT_HOST_GROUP])
    bob = create_user(okta, "bob")
    _rename(idcs, bob["id"], "Bobby")
    ok(idcs.put(f"/Users/{bob['id']}", json=user_doc("bob", active=True)))
    assert host_groups(bob["id"]) == []


def test_all_also_gives_them_to_users_this_app_updates(app):
    okta = make_app(app, "Okta", provider="okta")
    idcs = make_app(app, "Oracle IDCS", default_groups=[DEFAULT_HOST_GROUP], default_groups_for="all")
    bob = create_user(okta, "bob")
    assert host_groups(bob["id"]) == []
    _rename(idcs, bob["id"], "Bobby")
    assert host_memberships(bob["id"]) == {DEFAULT_HOST_GROUP: (idcs.app_id, "default")}


def test_a_missing_default_group_is_created_on_the_fly(app):
    idcs = make_app(app, "Oracle IDCS", default_groups=["jira-software-users", DEFAULT_HOST_GROUP])
    alice = create_user(idcs, "alice")
    assert host_groups(alice["id"]) == [DEFAULT_HOST_GROUP, "jira-software-users"]
    assert "jira-software-users" in host_group_names(idcs.directory_id)


def test_group_syncs_never_take_a_default_group_away(app):
    idcs = make_app(app, "Oracle IDCS", default_groups=[DEFAULT_HOST_GROUP], keep_existing_groups=False)
    alice = create_user(idcs, "alice")
    group = create_group(idcs, "Engineering", alice["id"])
    assert idcs.delete(f"/Groups/{group['id']}").status_code == 204
    assert host_groups(alice["id"]) == [DEFAULT_HOST_GROUP]
