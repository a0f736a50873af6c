"""What the IdP last sent as active is kept beside the host's status (User.idp_active), by every write."""

import pytest

from . import create_user, host_user, make_app, ok, patch_body, user_doc


def _patch(client, user_id, *operations):
    return ok(client.patch(f"/Users/{user_id}", json=patch_body(*operations)))


def _state(user_id):
    row = host_user(user_id)
    return row.active, row.idp_active


def test_a_create_keeps_what_the_idp_sent_and_none_when_it_sent_nothing(app):
    idcs = make_app(app, "Oracle IDCS")
    assert _state(create_user(idcs, "off", active=False)["id"]) == (False, False)
    assert _state(create_user(idcs, "on", active=True)["id"]) == (True, True)
    assert _state(create_user(idcs, "unsaid")["id"]) == (True, None)


@pytest.mark.parametrize("via", ["patch", "put"])
def test_a_deactivation_held_back_by_disable_users_is_kept_as_the_idps_wish(app, via):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen", active=True)
    if via == "put":
        ok(idcs.put(f"/Users/{user['id']}", json=user_doc("bjensen", active=False)))
    else:
        _patch(idcs, user["id"], {"op": "replace", "path": "active", "value": False})
    assert _state(user["id"]) == (True, False)


def test_a_patch_that_leaves_active_alone_keeps_the_idps_wish(app):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen", active=True)
    _patch(idcs, user["id"], {"op": "replace", "path": "active", "value": False})
    _patch(idcs, user["id"], {"op": "replace", "path": "displayName", "value": "Barbara"})
    assert _state(user["id"]) == (True, False)
    assert host_user(user["id"]).display_name == "Barbara"


def test_a_put_without_active_keeps_the_idps_wish(app):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen", active=False)
    assert _state(user["id"]) == (False, False)
    ok(idcs.put(f"/Users/{user['id']}", json=user_doc("bjensen", displayName="Barbara")))
    assert _state(user["id"]) == (False, False)


def test_the_idp_saying_what_the_host_already_has_is_its_new_wish(app):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen", active=True)
    _patch(idcs, user["id"], {"op": "replace", "path": "active", "value": False})
    _patch(idcs, user["id"], {"op": "replace", "value": {"active": True}})  # pathless, as Entra sends it
    assert _state(user["id"]) == (True, True)


def test_a_relinked_user_keeps_what_the_idp_sent(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen", active=True)
    assert idcs.delete(f"/Users/{user['id']}").status_code == 204
    again = create_user(idcs, "bjensen", active=False)
    assert again["id"] == user["id"] and _state(user["id"]) == (False, False)
