"""Okta's provisioning traffic, replayed.

Sources:
- okta/okta-developer-docs ``packages/@okta/vuepress-site/docs/reference/scim/scim-20/index.md``
  ("SCIM 2.0 Protocol Reference"): the existence check
  ``GET /Users?filter=userName%20eq%20"…"&startIndex=1&count=100``, the create body (with
  ``externalId``, ``password``, ``groups: []``), profile update as GET then PUT, deactivation
  as a pathless ``replace`` of ``{"active": false}``, no user DELETE, import paging with
  ``count=100``, groups created with empty ``members``, membership PATCH (remove
  ``members[value eq "…"]`` + add ``members``), rename as a pathless replace of
  ``{id, displayName}``, full ``members`` replace, group DELETE. Documented; the bodies
  below are the documented ones.
- The same page, notes "custom app integrations created using the AIW": every update is a
  PUT. Documented; that the PUT echoes ``id``, ``meta`` and ``password`` is inferred (the
  documented PUT echoes ``id`` and ``meta``; ``password`` is IDP_SOURCES.md's claim).
  The AIW group PUT body is the one captured in simpleidserver/SimpleIdServer#247. Inferred.
- "Okta SCIM 2.0 SPEC Test" (Runscope export, mirrored as BerriAI/litellm
  ``tests/scim_tests/scim_e2e_test.json``): every ``Required Test`` step with its headers and
  assertions, including ``Authorization: non-token`` → 401 with ``status`` "401". Documented
  (it is Okta's own conformance suite). The case-varied filter returning the user is
  inferred (the suite only asserts 200; python-scim/scim2-server's replay asserts 1).
"""

import uuid

import pytest

from tests.conftest import SCIM

from . import (ENTERPRISE, GROUP, LIST_RESPONSE, PATCH_OP, USER, connect, error_body, listing, member_ids,
               patched, scim_body, seed_users)

# The Runscope suite sends these on every request, GETs included.
SPEC_HEADERS = {
    "Accept-Charset": "utf-8",
    "Content-Type": "application/scim+json; charset=utf-8",
    "Accept": "application/scim+json",
    "User-Agent": "OKTA SCIM Integration",
}
DOCUMENTED_USER = {
    "schemas": [USER],
    "userName": "test.user@okta.local",
    "name": {"givenName": "Test", "familyName": "User"},
    "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": True,
}
EXISTENCE_CHECK = "/Users?filter=userName%20eq%20%22test.user%40okta.local%22&startIndex=1&count=100"


@pytest.fixture
def okta(app):
    return connect(app, "okta", {"User-Agent": "Okta SCIM Client 1.0.0"})


def create_user(okta, **changes):
    return scim_body(okta.post("/Users", json={**DOCUMENTED_USER, **changes}), 201)


def create_group(okta, name="Test SCIMv2"):
    return scim_body(okta.post("/Groups", json={"schemas": [GROUP], "displayName": name, "members": []}), 201)


def runscope_user(index):
    """The Runscope "randomUsername" family of values."""
    given, family = f"Runscope{index}", f"Hfluaklab{index}"
    return {"schemas": [USER], "userName": f"{given}{family}@example.com",
            "name": {"givenName": given, "familyName": family},
            "emails": [{"primary": True, "value": f"{given}{family}@example.com", "type": "work"}],
            "displayName": f"{given} {family}", "active": True}


# --- User provisioning (reference: "Create Users") ---------------------------------------


def test_existence_check_is_empty_then_finds_the_created_user(okta):
    empty = listing(okta.get(EXISTENCE_CHECK))
    assert empty["totalResults"] == 0 and empty["startIndex"] == 1
    assert empty.get("Resources", []) == []

    response = okta.post("/Users", json=DOCUMENTED_USER)
    created = scim_body(response, 201)
    assert response.headers["Location"] == created["meta"]["location"]
    assert USER in created["schemas"]
    assert created["id"] and isinstance(created["id"], str)
    assert created["userName"] == "test.user@okta.local"
    assert created["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert created["name"] == {"givenName": "Test", "familyName": "User"}
    assert created["emails"] == [{"primary": True, "value": "test.user@okta.local", "type": "work"}]
    assert created["displayName"] == "Test User" and created["locale"] == "en-US"
    assert created["active"] is True
    assert "password" not in created
    assert created["meta"]["resourceType"] == "User"

    found = listing(okta.get(EXISTENCE_CHECK))
    assert found["totalResults"] == 1
    assert [user["id"] for user in found["Resources"]] == [created["id"]]


def test_creating_an_existing_user_is_409_uniqueness(okta):
    create_user(okta)
    body = error_body(okta.post("/Users", json=DOCUMENTED_USER), 409)
    assert body["scimType"] == "uniqueness"


def test_get_user_by_id(okta):
    created = create_user(okta)
    fetched = scim_body(okta.get(f"/Users/{created['id']}"), 200)
    assert fetched["id"] == created["id"]
    assert fetched["userName"] == "test.user@okta.local"
    assert fetched["name"]["givenName"] == "Test" and fetched["name"]["familyName"] == "User"
    assert fetched["emails"][0]["value"] == "test.user@okta.local" and fetched["emails"][0]["primary"] is True
    assert fetched["active"] is True
    assert fetched["meta"]["resourceType"] == "User"


# --- Profile updates (reference: "Update a specific User (PUT)") ---------------------------


def test_profile_update_is_get_then_full_put(okta):
    created = create_user(okta)
    path = f"/Users/{created['id']}"
    current = scim_body(okta.get(path), 200)
    # Okta modifies the changed attributes of what it read and PUTs the whole body back.
    current["name"] = {"givenName": "Another", "middleName": "Excited", "familyName": "User"}
    current["emails"][0]["display"] = "test.user@okta.local"
    response = okta.put(path, json=current)
    updated = scim_body(response, 200)
    assert updated["id"] == created["id"]
    assert updated["name"] == {"givenName": "Another", "middleName": "Excited", "familyName": "User"}
    assert updated["emails"][0]["value"] == "test.user@okta.local"
    assert updated["externalId"] == "00ujl29u0le5T6Aj10h7"
    assert updated["active"] is True
    assert scim_body(okta.get(path), 200)["name"]["middleName"] == "Excited"


def test_documented_put_body_with_empty_middle_name(okta):
    """The documented GET shows ``"middleName": ""``; Okta PUTs such values back."""
    created = create_user(okta, name={"givenName": "Test", "middleName": "Excited", "familyName": "User"})
    path = f"/Users/{created['id']}"
    response = okta.put(path, json={
        "schemas": [USER], "id": created["id"], "userName": "test.user@okta.local",
        "name": {"givenName": "Another", "middleName": "", "familyName": "User"},
        "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work",
                    "display": "test.user@okta.local"}],
        "active": True, "groups": [], "meta": {"resourceType": "User"},
    })
    updated = scim_body(response, 200)
    assert updated["name"].get("middleName", "") == ""
    assert updated["name"]["givenName"] == "Another"


# --- Deactivation (reference: "Update a specific User (PATCH)", "Delete Users") -----------


def test_deactivate_and_reactivate_with_pathless_replace(okta):
    created = create_user(okta)
    path = f"/Users/{created['id']}"
    patched(okta, path, {"op": "replace", "value": {"active": False}})
    deactivated = scim_body(okta.get(path), 200)
    assert deactivated["active"] is False
    assert deactivated["userName"] == "test.user@okta.local"
    # Okta never DELETEs users: a deactivated user is still found by the existence check.
    assert [u["id"] for u in listing(okta.get(EXISTENCE_CHECK))["Resources"]] == [created["id"]]

    patched(okta, path, {"op": "replace", "value": {"active": True}})
    assert scim_body(okta.get(path), 200)["active"] is True


def test_deactivate_response_is_the_updated_user(okta):
    created = create_user(okta)
    # As the Runscope suite does, with a charset parameter on the media type.
    response = okta.patch(f"/Users/{created['id']}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": {"active": False}}]},
        headers={"Content-Type": "application/scim+json; charset=utf-8"})
    if response.status_code == 200:
        body = scim_body(response, 200)
        assert body["id"] == created["id"] and body["active"] is False
    else:
        assert response.status_code == 204


# --- The Runscope "Okta SCIM 2.0 SPEC Test" -----------------------------------------------


def test_spec_users_endpoint_with_count_1(okta):
    create_user(okta)
    okta.post("/Users", json=runscope_user(1))
    body = listing(okta.get("/Users?count=1&startIndex=1", headers=SPEC_HEADERS))
    assert LIST_RESPONSE in body["schemas"]
    assert body["totalResults"] == 2 and body["startIndex"] == 1 and body["itemsPerPage"] == 1
    first = body["Resources"][0]
    assert first["id"] and first["userName"]
    assert first["name"]["familyName"] and first["name"]["givenName"]
    assert first["active"] is True
    assert first["emails"][0]["value"]


def test_spec_get_user_by_id(okta):
    create_user(okta)
    isv_user_id = listing(okta.get("/Users?count=1&startIndex=1", headers=SPEC_HEADERS))["Resources"][0]["id"]
    body = scim_body(okta.get(f"/Users/{isv_user_id}", headers=SPEC_HEADERS), 200)
    assert body["id"] == isv_user_id
    assert body["name"]["familyName"] and body["name"]["givenName"] and body["userName"]
    assert body["active"] is not None and body["emails"][0]["value"]


@pytest.mark.parametrize("user_name", ["abcdefgh@example.com", "Runscope300Hfluaklab151@example.com"])
def test_spec_unknown_user_names_give_zero_results(okta, user_name):
    create_user(okta)
    body = listing(okta.get(f'/Users?filter=userName eq "{user_name}"', headers=SPEC_HEADERS))
    assert body["totalResults"] == 0
    assert body.get("Resources", []) == []


@pytest.mark.parametrize("user_id", ["00919288221112222", "010101001010101011001010101011", str(uuid.uuid4())])
def test_spec_unknown_id_is_404_error(okta, user_id):
    error_body(okta.get(f"/Users/{user_id}", headers=SPEC_HEADERS), 404)


def test_spec_create_verify_and_recreate(okta):
    user = runscope_user(300)
    # The create steps send Content-Type application/json and Accept with a charset.
    headers = {"Content-Type": "application/json", "Accept": "application/scim+json; charset=utf-8"}
    created = scim_body(okta.post("/Users", json=user, headers=headers), 201)
    assert created["active"] is True and created["id"]
    assert created["name"] == user["name"]
    assert USER in created["schemas"]
    assert created["userName"] == user["userName"]
    assert created["emails"][0]["value"] == user["emails"][0]["value"]

    verified = scim_body(okta.get(f"/Users/{created['id']}", headers=SPEC_HEADERS), 200)
    assert verified["userName"] == user["userName"] and verified["name"] == user["name"]

    again = {**user, "emails": [{"primary": True, "value": user["userName"], "type": "work"}]}
    error_body(okta.post("/Users", json=again, headers=headers), 409)


def test_spec_user_name_filter_is_case_insensitive(okta):
    created = scim_body(okta.post("/Users", json=runscope_user(300)), 201)
    body = listing(okta.get('/Users?filter=userName eq "RUNSCOPE300HFLUAKLAB300@example.com"', headers=SPEC_HEADERS))
    assert [user["id"] for user in body["Resources"]] == [created["id"]]


def test_spec_groups_endpoint(okta):
    assert listing(okta.get("/Groups", headers=SPEC_HEADERS))["totalResults"] == 0
    create_group(okta)
    body = listing(okta.get("/Groups", headers=SPEC_HEADERS))
    assert body["totalResults"] == 1 and isinstance(body["Resources"], list)


@pytest.mark.parametrize("authorization", ["non-token", "Bearer non-token", "Bearer", None])
def test_spec_bad_token_is_401_with_string_status(okta, authorization):
    headers = {key: value for key, value in SPEC_HEADERS.items()}
    if authorization is not None:
        headers["Authorization"] = authorization
    response = okta.client.get(f'{SCIM}/Users?filter=userName eq "RUNSCOPE300HFLUAKLAB151@example.com"',
                               headers=headers)
    body = error_body(response, 401)
    assert body["status"] == "401"


# --- Groups (reference: "SCIM Group operations") ------------------------------------------


def test_push_group_with_empty_members(okta):
    response = okta.post("/Groups", json={"schemas": [GROUP], "displayName": "Test SCIMv2", "members": []})
    group = scim_body(response, 201)
    assert group["id"] and group["displayName"] == "Test SCIMv2"
    assert group.get("members", []) == []
    assert group["meta"]["resourceType"] == "Group"
    fetched = scim_body(okta.get(f"/Groups/{group['id']}"), 200)
    assert fetched["displayName"] == "Test SCIMv2" and fetched.get("members", []) == []


def test_membership_patch_removes_by_filter_and_adds_by_list(okta):
    kept = create_user(okta)
    leaving = scim_body(okta.post("/Users", json=runscope_user(1)), 201)
    group = create_group(okta)
    path = f"/Groups/{group['id']}"
    patched(okta, path, {"op": "add", "path": "members", "value": [{"value": leaving["id"]}]})
    assert member_ids(scim_body(okta.get(path), 200)) == [leaving["id"]]

    # The documented request, verbatim but for the ids.
    patched(okta, path,
            {"op": "remove", "path": f'members[value eq "{leaving["id"]}"]'},
            {"op": "add", "path": "members", "value": [{"value": kept["id"], "display": "test.user@okta.local"}]})
    after = scim_body(okta.get(path), 200)
    assert member_ids(after) == [kept["id"]]
    assert after["displayName"] == "Test SCIMv2"


def test_rename_is_a_pathless_replace_of_id_and_display_name(okta):
    member = create_user(okta)
    group = create_group(okta)
    path = f"/Groups/{group['id']}"
    patched(okta, path, {"op": "add", "path": "members", "value": [{"value": member["id"]}]})
    # Okta sends this with every membership update, so it must not touch the members.
    patched(okta, path, {"op": "replace", "value": {"id": group["id"], "displayName": "Test SCIMv20"}})
    after = scim_body(okta.get(path), 200)
    assert after["id"] == group["id"]
    assert after["displayName"] == "Test SCIMv20"
    assert member_ids(after) == [member["id"]]


def test_full_membership_push_replaces_members(okta):
    first = create_user(okta)
    second = scim_body(okta.post("/Users", json=runscope_user(1)), 201)
    dropped = scim_body(okta.post("/Users", json=runscope_user(2)), 201)
    group = create_group(okta)
    path = f"/Groups/{group['id']}"
    patched(okta, path, {"op": "add", "path": "members", "value": [{"value": dropped["id"]}]})
    patched(okta, path, {"op": "replace", "path": "members", "value": [
        {"value": first["id"], "display": "test.user@okta.local"},
        {"value": second["id"], "display": "test.user@okta.local"},
    ]})
    assert member_ids(scim_body(okta.get(path), 200)) == sorted([first["id"], second["id"]])


def test_unlink_pushed_group_deletes_it(okta):
    group = create_group(okta)
    response = okta.delete(f"/Groups/{group['id']}")
    assert response.status_code == 204 and response.get_data() == b""
    error_body(okta.get(f"/Groups/{group['id']}"), 404)


# --- App Integration Wizard (AIW) apps: every update is a PUT ------------------------------


def test_aiw_put_echoes_id_meta_and_password(okta):
    created = create_user(okta)
    path = f"/Users/{created['id']}"
    current = scim_body(okta.get(path), 200)
    echoed = {**current, "password": "n3wPassw0rd", "title": "Tour Guide", "active": False}
    assert "meta" in echoed and echoed["meta"]["location"].endswith(path)
    updated = scim_body(okta.put(path, json=echoed), 200)
    assert updated["id"] == created["id"]
    assert updated["title"] == "Tour Guide" and updated["active"] is False
    assert updated["meta"]["resourceType"] == "User"
    assert updated["meta"]["created"] == current["meta"]["created"]
    assert updated["meta"]["version"] != current["meta"]["version"]
    assert "password" not in updated
    # Reactivation is a PUT too; an attribute emptied in Okta is echoed as an explicit null.
    reactivated = scim_body(okta.put(path, json={**updated, "active": True, "title": None}), 200)
    assert reactivated["active"] is True
    assert "title" not in reactivated


def test_aiw_group_put_with_id_and_members(okta):
    member = create_user(okta)
    group = create_group(okta, "SID")
    path = f"/Groups/{group['id']}"
    body = {"schemas": [GROUP], "id": group["id"], "displayName": "SID", "members": []}
    assert member_ids(scim_body(okta.put(path, json=body), 200)) == []
    body["members"] = [{"value": member["id"], "display": "test.user@okta.local"}]
    assert member_ids(scim_body(okta.put(path, json=body), 200)) == [member["id"]]
    body["members"] = []
    assert member_ids(scim_body(okta.put(path, json=body), 200)) == []


# --- Import (reference: "Retrieve Users", "Retrieve Groups") --------------------------------


def test_import_pages_with_count_100(okta):
    expected = seed_users(okta, 150)
    seen, start = [], 1
    while True:
        page = listing(okta.get(f"/Users?startIndex={start}&count=100"))
        assert page["totalResults"] == 150 and page["startIndex"] == start
        assert page["itemsPerPage"] == min(100, 150 - start + 1)
        seen += [user["id"] for user in page["Resources"]]
        start += 100
        if start > page["totalResults"]:
            break
    assert len(seen) == len(set(seen)) == 150
    assert set(seen) == set(expected)
    # The ordering is stable: a second pass sees the same sequence.
    again = [u["id"] for s in (1, 101) for u in listing(okta.get(f"/Users?startIndex={s}&count=100"))["Resources"]]
    assert again == seen


def test_import_groups_with_count_100(okta):
    created = [create_group(okta, f"Okta group {index}")["id"] for index in range(3)]
    page = listing(okta.get("/Groups?startIndex=1&count=100"))
    assert page["totalResults"] == 3
    assert sorted(group["id"] for group in page["Resources"]) == sorted(created)
    assert all(ENTERPRISE not in group["schemas"] for group in page["Resources"])
