"""enable_users / disable_users: whether the IdP's `active` may re-activate or deactivate the host account."""

import pytest

from . import audit_events, create_user, host_user, make_app, ok, patch_body, user_doc


def _set_active(client, user_id, value, via="patch"):
    if via == "put":
        return ok(client.put(f"/Users/{user_id}", json=user_doc("bjensen", active=value)))
    return ok(client.patch(f"/Users/{user_id}", json=patch_body({"op": "replace", "path": "active", "value": value})))


@pytest.mark.parametrize("via", ["patch", "put"])
def test_on_by_default_the_idp_deactivates_and_reactivates(app, via):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    assert _set_active(idcs, user["id"], False, via)["active"] is False
    assert host_user(user["id"]).active is False
    assert _set_active(idcs, user["id"], True, via)["active"] is True
    assert host_user(user["id"]).active is True


@pytest.mark.parametrize("via", ["patch", "put"])
def test_disable_off_leaves_the_host_user_active(app, via):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen")
    assert _set_active(idcs, user["id"], False, via)["active"] is True
    assert host_user(user["id"]).active is True
    assert ("update-user", "ignored", "deactivation ignored: disable_users is off") in audit_events(idcs)


@pytest.mark.parametrize("via", ["patch", "put"])
def test_enable_off_does_not_reactivate(app, via):
    idcs = make_app(app, "Oracle IDCS", enable_users=False)
    user = create_user(idcs, "bjensen", active=False)
    assert _set_active(idcs, user["id"], True, via)["active"] is False
    assert host_user(user["id"]).active is False
    assert ("update-user", "ignored", "re-activation ignored: enable_users is off") in audit_events(idcs)


def test_enable_off_still_lets_the_idp_deactivate(app):
    idcs = make_app(app, "Oracle IDCS", enable_users=False)
    user = create_user(idcs, "bjensen")
    assert _set_active(idcs, user["id"], False)["active"] is False
    assert host_user(user["id"]).active is False


def test_disable_off_still_lets_the_idp_reactivate(app):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen", active=False)
    assert _set_active(idcs, user["id"], True)["active"] is True
    assert host_user(user["id"]).active is True


def test_an_unchanged_active_flag_is_not_reported_as_ignored(app):
    idcs = make_app(app, "Oracle IDCS", enable_users=False, disable_users=False)
    user = create_user(idcs, "bjensen")
    _set_active(idcs, user["id"], True)
    assert [outcome for _, outcome, _ in audit_events(idcs)] == ["applied"]  # the create alone
