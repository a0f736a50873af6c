"""A user PUT or PATCH is planned from a read before its transaction; a write that lands in between is
never overwritten: the update is planned again from the user as that write left it."""

import pytest

import provisioning.users
from models import User, db
from store import sql

from . import audit_events, create_user, make_app, ok, patch_body, user_doc


@pytest.fixture
def meanwhile(monkeypatch):
    """meanwhile(write): write(user id) runs just after the request reads the user, before it writes."""
    def install(write):
        real = provisioning.users.store.current

        def read_then_race(directory_id, user_id, expected_version=None):
            found = real(directory_id, user_id, expected_version)
            write(user_id)  # on the request's own connection, outside any transaction: committed at once
            return found
        monkeypatch.setattr(provisioning.users.store, "current", read_then_race)
    return install


def _retitle(user_id):
    """Another request's PATCH of title, as the store writes it."""
    row = User.get_by_id(user_id)
    sql.update(User, user_id, title="Boss", version=row.version + 1)


def test_a_patch_keeps_what_another_write_stored_after_it_read_the_user(app, meanwhile):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    meanwhile(_retitle)
    body = ok(idcs.patch(f"/Users/{user['id']}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Babs"})))
    assert (body["displayName"], body["title"]) == ("Babs", "Boss")  # the title was not written back
    assert body["meta"]["version"] == 'W/"3"'
    assert [event[:2] for event in audit_events(idcs, operation="update-user")] == [("update-user", "applied")]


def test_a_put_planned_before_another_write_is_planned_again_after_it(app, meanwhile):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    meanwhile(_retitle)
    body = ok(idcs.put(f"/Users/{user['id']}", json=user_doc("bjensen", displayName="Babs")))
    # A PUT replaces the whole user: the title it leaves out is gone, as when the two writes are one after the other.
    assert body["displayName"] == "Babs" and "title" not in body
    assert body["meta"]["version"] == 'W/"3"'


def test_if_match_is_checked_again_when_another_write_came_first(app, meanwhile):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    meanwhile(_retitle)
    answer = idcs.patch(f"/Users/{user['id']}", headers={"If-Match": user["meta"]["version"]},
                        json=patch_body({"op": "replace", "path": "displayName", "value": "Babs"}))
    assert answer.status_code == 412, answer.get_data(as_text=True)
    stored = ok(idcs.get(f"/Users/{user['id']}"))
    assert (stored["displayName"], stored["title"]) == (user["displayName"], "Boss")


def test_a_user_deleted_after_it_was_read_is_a_404(app, meanwhile):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    meanwhile(lambda user_id: User.update(scim_linked=False).where(User.id == user_id).execute())
    answer = idcs.patch(f"/Users/{user['id']}", json=patch_body(
        {"op": "replace", "path": "displayName", "value": "Babs"}))
    assert answer.status_code == 404, answer.get_data(as_text=True)


def test_an_active_the_options_held_back_is_noted_only_on_the_user_as_it_is(app, meanwhile):
    idcs = make_app(app, "Oracle IDCS", disable_users=False)
    user = create_user(idcs, "bjensen")
    meanwhile(_retitle)
    body = ok(idcs.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": False})))
    assert body["active"] is True and body["title"] == "Boss"
    with db.connection_context():
        assert User.get_by_id(user["id"]).idp_active is False
    assert audit_events(idcs, operation="update-user") == [
        ("update-user", "ignored", "deactivation ignored: disable_users is off")]  # recorded once, not per plan
