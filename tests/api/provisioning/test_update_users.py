"""update_users: attribute changes reach the host user, or are ignored while `active` still follows enable/disable."""

from . import audit_events, create_user, host_user, make_app, ok, patch_body, user_doc

NEW_EMAILS = [{"value": "babs@example.org", "type": "work", "primary": True}]


def _changed(user_name="bjensen", **extra):
    return user_doc(user_name, displayName="Babs", emails=NEW_EMAILS, **extra)


def test_on_by_default_put_changes_reach_the_host_user(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    body = ok(idcs.put(f"/Users/{user['id']}", json=_changed(active=True)))
    assert body["displayName"] == "Babs" and body["emails"] == NEW_EMAILS
    assert ok(idcs.get(f"/Users/{user['id']}"))["displayName"] == "Babs"
    assert host_user(user["id"]).display_name == "Babs"


def test_off_put_answers_200_with_the_stored_values(app):
    idcs = make_app(app, "Oracle IDCS", update_users=False)
    user = create_user(idcs, "bjensen")
    body = ok(idcs.put(f"/Users/{user['id']}", json=_changed(active=True)))
    assert (body["displayName"], body["emails"]) == (user["displayName"], user["emails"])
    assert ok(idcs.get(f"/Users/{user['id']}")) == user
    assert host_user(user["id"]).display_name == user["displayName"]
    assert audit_events(idcs, operation="update-user") == [
        ("update-user", "ignored", "attribute changes ignored: update_users is off")]


def test_off_patch_answers_200_with_the_stored_values(app):
    idcs = make_app(app, "Oracle IDCS", update_users=False)
    user = create_user(idcs, "bjensen")
    body = ok(idcs.patch(f"/Users/{user['id']}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Babs"},
        {"op": "add", "path": "emails", "value": [{"value": "babs@example.org", "type": "home"}]})))
    assert (body["displayName"], body["emails"]) == (user["displayName"], user["emails"])
    assert ok(idcs.get(f"/Users/{user['id']}")) == user


def test_off_active_changes_still_follow_disable_and_enable(app):
    idcs = make_app(app, "Oracle IDCS", update_users=False)
    user = create_user(idcs, "bjensen")
    body = ok(idcs.put(f"/Users/{user['id']}", json=_changed(active=False)))
    assert body["active"] is False and body["displayName"] == user["displayName"]
    assert host_user(user["id"]).active is False
    body = ok(idcs.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": True})))
    assert body["active"] is True and host_user(user["id"]).active is True


def test_off_a_put_without_active_changes_nothing(app):
    """A PUT that leaves `active` out (Okta's and JumpCloud's partial PUTs) is still an attribute change.

    With update_users off nothing but enable/disable may reach the host user: the stored
    `active`, the version and the audit trail must stay as they were.
    """
    idcs = make_app(app, "Oracle IDCS", update_users=False)
    user = create_user(idcs, "bjensen")
    body = ok(idcs.put(f"/Users/{user['id']}", json=_changed()))
    assert (body.get("active"), body["meta"]["version"]) == (True, user["meta"]["version"])
    assert host_user(user["id"]).active is True
    assert [outcome for _, outcome, _ in audit_events(idcs, operation="update-user")] == ["ignored"]
