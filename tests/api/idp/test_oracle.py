"""Oracle IDCS / OCI IAM "GenericScim - Bearer Token" provisioning traffic, replayed.

Sources:
- docs.oracle.com OCI IAM "Adding an Application Using the Generic SCIM App Template"
  (Host Name + Base URI, bearer token) and "Selecting Provisioning Operations" (Create
  Account, Update Account, De-activate Account, Delete Account; "test the provisioning
  operations": assign → create, deactivate/activate → ``active``, revoke → delete, import
  lists every account). Documented; the request bodies are not published and are inferred.
- oracle-samples/idm-samples ``idcs-scim-gateway-app``: README ("HTTP Operation Types:
  __ACCOUNT__.Update=PUT", so the default update is PATCH; Content-Type/Accept are bundle
  properties whose default is ``application/scim+json``, which the sample overrides to
  ``application/json``), ``REST_Calls_Update_IDCS.md`` (``ContentType``/``AcceptType``),
  ``controllers/user.controller.js`` (the attributes it stores: userName, name.formatted/
  familyName/givenName, displayName, userType, title, active, password). Inferred from a
  reference gateway.
- IDP_SOURCES.md: Test Connectivity as ``GET /Users?count=1`` and import in batches of 200
  (what a related Oracle connector does; the exact requests are not public). Inferred.
  Oracle's documents do not show the app reading ``/ServiceProviderConfig`` or ``/Schemas``,
  so they are not replayed here.
"""

import pytest

from tests.conftest import SCIM_JSON

from . import (GROUP, PATCH_OP, USER, connect, error_body, listing, member_ids, patched, scim_body, seed_groups,
               seed_users)

ORACLE_HEADERS = {"Content-Type": SCIM_JSON, "Accept": SCIM_JSON}


@pytest.fixture
def oracle(app):
    return connect(app, "oracle", ORACLE_HEADERS)


def account(user_name="User1", **changes):
    """An account as the provisioning form fills it (fields of the reference gateway)."""
    return {"schemas": [USER], "userName": user_name,
            "name": {"formatted": f"{user_name} Name", "familyName": "Name", "givenName": user_name},
            "displayName": f"{user_name} Name", "userType": "Employee", "title": f"{user_name} Title",
            "active": True, "password": "Password123",
            "emails": [{"value": f"{user_name.lower()}@example.com", "type": "work", "primary": True}], **changes}


def create_account(oracle, user_name="User1", **changes):
    return scim_body(oracle.post("/Users", json=account(user_name, **changes)), 201)


def create_group(oracle, name="Finance", members=()):
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    return scim_body(oracle.post("/Groups", json=body), 201)


def page_through(oracle, endpoint, batch=200):
    """Refresh Application Data: pages of ``batch`` until startIndex passes totalResults."""
    ids, start, pages = [], 1, 0
    while True:
        page = listing(oracle.get(f"{endpoint}?startIndex={start}&count={batch}"))
        assert page["startIndex"] == start
        pages += 1
        ids += [resource["id"] for resource in page["Resources"]]
        start += batch
        if start > page["totalResults"] or not page["Resources"]:
            return ids, pages, page["totalResults"]


def test_test_connectivity_reads_one_user(oracle):
    empty = listing(oracle.get("/Users?count=1"))
    assert empty["totalResults"] == 0 and empty.get("Resources", []) == []
    create_account(oracle, "User1")
    create_account(oracle, "User2")
    body = listing(oracle.get("/Users?count=1"))
    assert body["totalResults"] == 2 and body["itemsPerPage"] == 1 and len(body["Resources"]) == 1


def test_refresh_application_data_pages_users_and_groups(oracle):
    users = seed_users(oracle, 230, "oracle")
    groups = seed_groups(oracle, 210, "oracle-group")
    # A few memberships, which import reads from the groups.
    patched(oracle, f"/Groups/{groups[0]}",
            {"op": "add", "path": "members", "value": [{"value": users[0]}, {"value": users[229]}]})

    user_ids, user_pages, user_total = page_through(oracle, "/Users")
    assert user_total == 230 and user_pages == 2
    assert len(user_ids) == len(set(user_ids)) == 230 and set(user_ids) == set(users)

    group_ids, group_pages, group_total = page_through(oracle, "/Groups")
    assert group_total == 210 and group_pages == 2
    assert len(group_ids) == len(set(group_ids)) == 210 and set(group_ids) == set(groups)
    first_page = listing(oracle.get("/Groups?startIndex=1&count=200"))["Resources"]
    imported = next(group for group in first_page if group["id"] == groups[0])
    assert member_ids(imported) == sorted([users[0], users[229]])


def test_create_account(oracle):
    response = oracle.post("/Users", json=account("User1"))
    body = scim_body(response, 201)
    assert response.headers["Location"] == body["meta"]["location"]
    assert body["id"] and body["userName"] == "User1"
    assert body["name"] == {"formatted": "User1 Name", "familyName": "Name", "givenName": "User1"}
    assert body["displayName"] == "User1 Name" and body["userType"] == "Employee" and body["title"] == "User1 Title"
    assert body["active"] is True
    assert "password" not in body
    found = listing(oracle.get('/Users?filter=userName eq "User1"'))
    assert [user["id"] for user in found["Resources"]] == [body["id"]]


def test_create_existing_account_is_409(oracle):
    create_account(oracle, "User1")
    assert error_body(oracle.post("/Users", json=account("user1")), 409)["scimType"] == "uniqueness"


def test_update_account_by_patch(oracle):
    created = create_account(oracle)
    path = f"/Users/{created['id']}"
    response = patched(oracle, path,
                       {"op": "replace", "path": "title", "value": "Senior Title"},
                       {"op": "replace", "path": "name.givenName", "value": "Renamed"},
                       {"op": "replace", "path": "displayName", "value": "Renamed Name"},
                       {"op": "add", "path": "nickName", "value": "Ren"})
    if response.status_code == 200:
        assert scim_body(response, 200)["title"] == "Senior Title"
    body = scim_body(oracle.get(path), 200)
    assert body["title"] == "Senior Title" and body["displayName"] == "Renamed Name" and body["nickName"] == "Ren"
    assert body["name"] == {"formatted": "User1 Name", "familyName": "Name", "givenName": "Renamed"}
    assert body["userType"] == "Employee" and body["active"] is True


def test_update_account_by_put(oracle):
    """``__ACCOUNT__.Update=PUT``: the whole account, id included, every time."""
    created = create_account(oracle)
    path = f"/Users/{created['id']}"
    body = account("User1", id=created["id"], title="Senior Title", userType="Contractor")
    del body["password"]
    updated = scim_body(oracle.put(path, json=body), 200)
    assert updated["id"] == created["id"]
    assert updated["title"] == "Senior Title" and updated["userType"] == "Contractor"
    assert scim_body(oracle.get(path), 200)["userType"] == "Contractor"


def test_deactivate_and_activate_by_patch(oracle):
    created = create_account(oracle)
    path = f"/Users/{created['id']}"
    patched(oracle, path, {"op": "replace", "path": "active", "value": False})
    assert scim_body(oracle.get(path), 200)["active"] is False
    patched(oracle, path, {"op": "replace", "path": "active", "value": True})
    assert scim_body(oracle.get(path), 200)["active"] is True


def test_deactivate_and_activate_by_put(oracle):
    created = create_account(oracle)
    path = f"/Users/{created['id']}"
    body = {**account("User1", active=False), "id": created["id"]}
    assert scim_body(oracle.put(path, json=body), 200)["active"] is False
    body["active"] = True
    assert scim_body(oracle.put(path, json=body), 200)["active"] is True


def test_revoke_deletes_the_account(oracle):
    created = create_account(oracle)
    response = oracle.delete(f"/Users/{created['id']}")
    assert response.status_code == 204 and response.get_data() == b""
    error_body(oracle.get(f"/Users/{created['id']}"), 404)
    assert listing(oracle.get('/Users?filter=userName eq "User1"'))["totalResults"] == 0
    # A retried revoke of an account already gone is a SCIM 404, not a server error.
    error_body(oracle.delete(f"/Users/{created['id']}"), 404)


def test_group_membership_by_patch(oracle):
    first = create_account(oracle, "User1")
    second = create_account(oracle, "User2")
    group = create_group(oracle)
    path = f"/Groups/{group['id']}"
    patched(oracle, path, {"op": "add", "path": "members", "value": [{"value": first["id"]}, {"value": second["id"]}]})
    assert member_ids(scim_body(oracle.get(path), 200)) == sorted([first["id"], second["id"]])
    patched(oracle, path, {"op": "remove", "path": f'members[value eq "{first["id"]}"]'})
    assert member_ids(scim_body(oracle.get(path), 200)) == [second["id"]]
    user_groups = scim_body(oracle.get(f"/Users/{second['id']}"), 200)["groups"]
    assert [entry["value"] for entry in user_groups] == [group["id"]]


def test_group_membership_by_put(oracle):
    first = create_account(oracle, "User1")
    second = create_account(oracle, "User2")
    group = create_group(oracle, members=[first["id"]])
    path = f"/Groups/{group['id']}"
    body = {"schemas": [GROUP], "id": group["id"], "displayName": "Finance",
            "members": [{"value": first["id"]}, {"value": second["id"]}]}
    assert member_ids(scim_body(oracle.put(path, json=body), 200)) == sorted([first["id"], second["id"]])
    body["members"] = [{"value": second["id"]}]
    assert member_ids(scim_body(oracle.put(path, json=body), 200)) == [second["id"]]
    assert member_ids(scim_body(oracle.get(path), 200)) == [second["id"]]


def test_errors_are_scim_json_too(oracle):
    """Oracle parses every response as the Accept type it sent."""
    error_body(oracle.get("/Users/does-not-exist"), 404)
    deactivate = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]}
    error_body(oracle.patch("/Users/does-not-exist", json=deactivate), 404)
    error_body(oracle.get('/Users?filter=userName eq'), 400)
