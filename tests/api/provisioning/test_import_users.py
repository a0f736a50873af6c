"""import_users: a SCIM POST creates the host user, or is refused (403) and nothing is stored."""

from tests.conftest import assert_scim_error

from . import audit_events, count_users, create_user, host_user, make_app, ok, user_doc

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def test_on_by_default_creates_an_active_linked_host_user(app):
    oracle = make_app(app, "Oracle IDCS")
    body = create_user(oracle, "bjensen")
    row = host_user(body["id"])
    assert (row.host_username, row.active, row.scim_linked) == ("bjensen", True, True)
    assert row.provisioned_by_id == oracle.app_id and row.directory_id == oracle.directory_id


def test_off_refuses_the_post_with_403_and_stores_nothing(app):
    oracle = make_app(app, "Oracle IDCS", import_users=False)
    body = assert_scim_error(oracle.post("/Users", json=user_doc("bjensen")), 403)
    assert "import" in body["detail"]
    assert count_users() == 0
    assert oracle.get("/Users").get_json()["totalResults"] == 0
    assert audit_events(oracle, subject="bjensen") == [
        ("create-user", "refused", "User import is disabled for this app (import_users is off); nothing was created.")]


def test_off_refuses_a_bulk_create_per_operation(app):
    oracle = make_app(app, "Oracle IDCS", import_users=False)
    request = {"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_doc("bjensen")}]}
    result = ok(oracle.post("/Bulk", json=request))["Operations"][0]
    assert result["status"] == "403" and "import_users is off" in result["response"]["detail"]
    assert count_users() == 0


def test_off_still_lets_the_app_update_and_delete_existing_users(app):
    okta = make_app(app, "Okta", provider="okta")
    oracle = make_app(app, "Oracle IDCS", import_users=False)
    user = create_user(okta, "bjensen")
    changed = ok(oracle.put(f"/Users/{user['id']}", json=user_doc("bjensen", displayName="Babs", active=True)))
    assert changed["displayName"] == "Babs"
    assert oracle.delete(f"/Users/{user['id']}").status_code == 204


def test_turning_it_back_on_lets_the_same_post_through(app):
    oracle = make_app(app, "Oracle IDCS", import_users=False)
    assert_scim_error(oracle.post("/Users", json=user_doc("bjensen")), 403)
    oracle.configure(import_users=True)
    assert host_user(create_user(oracle, "bjensen")["id"]).active is True
