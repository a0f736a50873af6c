"""JumpCloud's "Custom SCIM Identity Management" traffic, replayed.

Sources:
- jumpcloud.com/support "Identity Management using a Custom SCIM Integration": Test
  Connection creates a test user and a test group and deletes both when DELETE is supported
  (otherwise deactivates the user); SCIM 2.0 with a bearer token; no special extensions.
  Documented; the request bodies are not published and are inferred.
- IDP_SOURCES.md: ids are opaque strings; no trailing ``/`` is expected on the base URL (so an
  admin who pastes one produces ``…/scim//Users``). Documented there; the
  ``/Users/`` and ``/Users/<id>/`` forms are inferred.
- app.uni-moni.com "SSO setup: JumpCloud": JumpCloud removes group members Entra-style, with
  ``path: "members"`` and a ``value`` list instead of a filter. Documented by a third party.
"""

import uuid

import pytest

from . import GROUP, PATCH_OP, USER, connect, error_body, listing, member_ids, patched, scim_body


@pytest.fixture
def jumpcloud(app):
    return connect(app, "jumpcloud")


def jc_user(email="jc.test.user@example.com", **changes):
    return {"schemas": [USER], "userName": email, "externalId": uuid.uuid4().hex[:24],
            "name": {"givenName": "JumpCloud", "familyName": "Test"},
            "emails": [{"value": email, "type": "work", "primary": True}], "active": True, **changes}


def test_test_connection_creates_and_deletes_a_test_user_and_group(jumpcloud):
    user = scim_body(jumpcloud.post("/Users", json=jc_user()), 201)
    test_group = {"schemas": [GROUP], "displayName": f"jc-test-{uuid.uuid4().hex[:8]}"}
    group = scim_body(jumpcloud.post("/Groups", json=test_group), 201)
    for resource in (f"/Groups/{group['id']}", f"/Users/{user['id']}"):
        response = jumpcloud.delete(resource)
        assert response.status_code == 204, response.get_data(as_text=True)
        error_body(jumpcloud.get(resource), 404)
    # Test Connection can run again with the same test user: on_delete=deactivate kept the host
    # account, so the second create re-links it (same id, active again).
    again = scim_body(jumpcloud.post("/Users", json=jc_user()), 201)
    assert again["active"] is True
    assert scim_body(jumpcloud.get(f"/Users/{again['id']}"), 200)["userName"] == user["userName"]


def test_test_user_deactivated_when_not_deleted(jumpcloud):
    user = scim_body(jumpcloud.post("/Users", json=jc_user()), 201)
    patched(jumpcloud, f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": False})
    assert scim_body(jumpcloud.get(f"/Users/{user['id']}"), 200)["active"] is False


def test_ids_are_opaque_strings(jumpcloud):
    user = scim_body(jumpcloud.post("/Users", json=jc_user()), 201)
    group = scim_body(jumpcloud.post("/Groups", json={"schemas": [GROUP], "displayName": "Engineering"}), 201)
    for resource in (user, group):
        assert isinstance(resource["id"], str) and resource["id"]
    patched(jumpcloud, f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": user["id"]}]})
    fetched = scim_body(jumpcloud.get(f"/Groups/{group['id']}"), 200)
    assert [member["value"] for member in fetched["members"]] == [user["id"]]
    assert all(isinstance(member["value"], str) for member in fetched["members"])
    # JumpCloud's own ids look like Mongo ObjectIds; unknown ones are plain SCIM 404s.
    for unknown in ("5f1b2c3d4e5f6a7b8c9d0e1f", "0", "not-a-uuid", "%20"):
        error_body(jumpcloud.get(f"/Users/{unknown}"), 404)


@pytest.mark.parametrize("base", ["", "/"], ids=["no-slash", "trailing-slash"])
def test_base_url_with_and_without_trailing_slash(jumpcloud, base):
    created = scim_body(jumpcloud.post(f"{base}/Users", json=jc_user()), 201)
    assert created["meta"]["location"].endswith(f"/plugins/servlet/usersync/scim/Users/{created['id']}")
    found = listing(jumpcloud.get(f'{base}/Users?filter=userName eq "jc.test.user@example.com"'))
    assert [user["id"] for user in found["Resources"]] == [created["id"]]
    assert scim_body(jumpcloud.get(f"{base}/Users/{created['id']}"), 200)["id"] == created["id"]
    group = scim_body(jumpcloud.post(f"{base}/Groups", json={"schemas": [GROUP], "displayName": "Sales"}), 201)
    response = jumpcloud.patch(f"{base}/Groups/{group['id']}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": created["id"]}]}]})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    assert member_ids(scim_body(jumpcloud.get(f"{base}/Groups/{group['id']}"), 200)) == [created["id"]]
    assert jumpcloud.delete(f"{base}/Groups/{group['id']}").status_code == 204
    assert jumpcloud.delete(f"{base}/Users/{created['id']}").status_code == 204


def test_paths_with_a_trailing_slash(jumpcloud):
    created = scim_body(jumpcloud.post("/Users/", json=jc_user()), 201)
    assert listing(jumpcloud.get("/Users/"))["totalResults"] == 1
    assert scim_body(jumpcloud.get(f"/Users/{created['id']}/"), 200)["id"] == created["id"]
    replaced = scim_body(jumpcloud.put(f"/Users/{created['id']}/", json=jc_user(displayName="JC")), 200)
    assert replaced["displayName"] == "JC"
    assert jumpcloud.delete(f"//Users/{created['id']}/").status_code == 204


def test_group_members_removed_with_a_value_list(jumpcloud):
    staying = scim_body(jumpcloud.post("/Users", json=jc_user("staying@example.com")), 201)
    leaving = scim_body(jumpcloud.post("/Users", json=jc_user("leaving@example.com")), 201)
    members = [{"value": staying["id"]}, {"value": leaving["id"]}]
    group = scim_body(jumpcloud.post("/Groups", json={"schemas": [GROUP], "displayName": "Engineering",
                                                      "members": members}), 201)
    assert member_ids(group) == sorted([staying["id"], leaving["id"]])
    patched(jumpcloud, f"/Groups/{group['id']}",
            {"op": "remove", "path": "members", "value": [{"value": leaving["id"]}]})
    assert member_ids(scim_body(jumpcloud.get(f"/Groups/{group['id']}"), 200)) == [staying["id"]]
