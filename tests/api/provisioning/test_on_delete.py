"""on_delete: a SCIM DELETE deactivates and unlinks the host user (nothing lost), or deletes it."""

from tests.conftest import assert_scim_error

from . import (audit_events, count_users, create_group, create_user, host_groups, host_user, make_app, ok,
               user_doc)


def test_deactivate_by_default_hides_the_user_from_scim_and_keeps_the_host_account(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    group = create_group(idcs, "Engineering", user["id"])
    assert idcs.delete(f"/Users/{user['id']}").status_code == 204
    assert_scim_error(idcs.get(f"/Users/{user['id']}"), 404)
    assert ok(idcs.get('/Users?filter=userName eq "bjensen"'))["totalResults"] == 0
    assert "members" not in ok(idcs.get(f"/Groups/{group['id']}"))
    row = host_user(user["id"])
    assert (row.active, row.scim_linked, row.host_username) == (False, False, "bjensen")
    assert host_groups(user["id"]) == ["Engineering"]


def test_deactivate_then_the_same_post_relinks_the_same_account(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    idcs.delete(f"/Users/{user['id']}")
    again = ok(idcs.post("/Users", json=user_doc("bjensen", displayName="Back")), 201)
    assert again["id"] == user["id"] and again["active"] is True and again["displayName"] == "Back"
    row = host_user(user["id"])
    assert (row.active, row.scim_linked) == (True, True)
    assert count_users() == 1
    assert audit_events(idcs, operation="relink-user") == [
        ("relink-user", "applied", "re-linked and re-activated host user 'bjensen'")]


def test_deactivate_then_another_user_name_on_the_same_host_username_is_409(app):
    """Only the same IdP user re-links: another userName mapping onto a kept account must not inherit it."""
    idcs = make_app(app, "Oracle IDCS", username_regex="(.*)@.*", username_replacement="$1")
    user = create_user(idcs, "bjensen@old.example.com")
    idcs.delete(f"/Users/{user['id']}")
    assert_scim_error(idcs.post("/Users", json=user_doc("bjensen@new.example.com")), 409, "uniqueness")
    assert host_user(user["id"]).host_username == "bjensen" and host_user(user["id"]).active is False


def test_a_relinked_user_keeps_only_the_idp_groups_it_is_given_again(app):
    """Unlinking takes the user out of its SCIM groups, so the re-link re-syncs from none."""
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    create_group(idcs, "Engineering", user["id"])
    idcs.delete(f"/Users/{user['id']}")
    ok(idcs.post("/Users", json=user_doc("bjensen")), 201)
    assert host_groups(user["id"]) == []


def test_delete_removes_the_host_user_and_its_memberships(app):
    idcs = make_app(app, "Oracle IDCS", on_delete="delete")
    user = create_user(idcs, "bjensen")
    create_group(idcs, "Engineering", user["id"])
    assert idcs.delete(f"/Users/{user['id']}").status_code == 204
    assert_scim_error(idcs.get(f"/Users/{user['id']}"), 404)
    assert host_user(user["id"]) is None and host_groups(user["id"]) == []
    again = create_user(idcs, "bjensen")
    assert again["id"] != user["id"]


def test_a_second_delete_is_404_in_either_mode(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    idcs.delete(f"/Users/{user['id']}")
    assert_scim_error(idcs.delete(f"/Users/{user['id']}"), 404)
    idcs.configure(on_delete="delete")
    assert_scim_error(idcs.delete(f"/Users/{user['id']}"), 404)
    assert host_user(user["id"]).active is False  # an unlinked account is out of SCIM's reach
