"""Microsoft Entra ID's provisioning traffic, replayed without and with ``aadOptscim062020``.

Sources:
- MicrosoftDocs/entra-docs ``docs/identity/app-provisioning/use-scim-to-provision-users-and-groups.md``:
  Test Connection (a random GUID on the matching attribute → empty ListResponse), the
  "SCIM protocol requests and responses" examples (Create User, Get User, Get User by query,
  zero results, Update User multi-valued / single-valued, Disable User, Delete User, Create
  Group, Get Group with ``excludedAttributes=members``, Get Group by displayName, Update Group
  non-member attributes, Add Members, Remove Members, Delete Group, Discover schema), the
  schema-design example (enterprise ``manager`` as the bare string "123456", a custom
  extension), "Example 2. Provision a user" (nulls, top-level ``department``/``manager``,
  the URN typo ``…enterprise:2.0User``) and "Example 5" (``Add`` path ``manager`` with a
  one-element list carrying ``$ref``). Documented; bodies replayed verbatim (ids substituted,
  the schema example's trailing comma removed so that it parses).
- MicrosoftDocs/entra-docs ``application-provisioning-config-problem-scim-compatibility.md``:
  the four request pairs without and with the ``aadOptscim062020`` flag (disable user,
  add a single-valued string, replace several attributes, remove a group member). Documented.
- AzureAD/SCIMReferenceCode ``PostmanCollection.json`` ("SCIM Tests"): discovery checks,
  ``Primary``/``Department``/``Manager.Value`` in other letter cases, ``/Users/?filter=
  DisplayName+eq+%22…%22``, member PATCH with a stray ``"name": "addMember"`` and
  ``displayName`` in the member, ``remove`` of ``members`` without a value. Documented (it is
  Microsoft's published test collection).
- Captain-P-Goldfish/SCIM-SDK #416 and #680 (Entra's SCIM validator captures: ``add`` on
  ``emails[type eq "work"].value`` / several ``addresses[type eq "work"].*`` for a user that has
  none, expected to create one entry), #541 and #686 (``Add``/``add`` of the enterprise
  ``manager`` as a bare string), apache/directory-scimple #1242. Inferred from captures.
- Clearing the manager with ``""``, ``null`` or ``{"value": ""}``: AzureAD/SCIMReferenceCode
  PR #155 (SCIM_Update_Manager_Test) names the add/update/remove flow without bodies;
  the shapes are inferred.
- MicrosoftDocs/azure-docs #11784 (``filter=externalId+eq+%22johnwong%22``) and Microsoft Q&A
  923479 (``/Groups?excludedAttributes=members&filter=displayName+eq+%22TEST%22``): ``+`` for
  spaces. Documented in request logs.
"""

import uuid

import pytest

from . import (ENTERPRISE, GROUP, LIST_RESPONSE, PATCH_OP, USER, connect, error_body, listing, member_ids,
               patched, scim_body)

FLAG = "aadOptscim062020"
MODES = ("default", FLAG)
MANAGER = f"{ENTERPRISE}:manager"
DOC_USER_NAME = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
DOC_EMAIL = "Test_User_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"
DOC_EXTERNAL_ID = "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
DOC_CREATE_USER = {
    "schemas": [USER, ENTERPRISE],
    "externalId": DOC_EXTERNAL_ID,
    "userName": DOC_USER_NAME,
    "active": True,
    "emails": [{"primary": True, "type": "work", "value": DOC_EMAIL}],
    "meta": {"resourceType": "User"},
    "name": {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"},
    "roles": [],
}


@pytest.fixture
def entra(app):
    return connect(app, "entra")


def op(mode, name):
    """Entra writes ``Add``/``Replace``/``Remove`` unless the tenant URL carries the flag."""
    return name.lower() if mode == FLAG else name.capitalize()


def boolean(mode, value):
    """Without the flag Entra sends booleans as the strings "True"/"False"."""
    return value if mode == FLAG else str(value)


def create_user(entra, name=DOC_USER_NAME, **changes):
    body = {**DOC_CREATE_USER, "userName": name, "externalId": str(uuid.uuid4()),
            "emails": [{"primary": True, "type": "work", "value": f"{name}@testuser.com"}], **changes}
    return scim_body(entra.post("/Users", json=body), 201)


def bare_user(entra, name):
    """A user with only a userName: no emails, addresses or phone numbers."""
    return scim_body(entra.post("/Users", json={"schemas": [USER], "userName": name, "active": True}), 201)


def add_members(*users):
    """The documented "Update Group [Add Members]" operation."""
    return {"op": "Add", "path": "members", "value": [{"$ref": None, "value": user["id"]} for user in users]}


def create_group(entra, name="displayName"):
    body = {"schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
            "externalId": str(uuid.uuid4()), "displayName": name, "meta": {"resourceType": "Group"}}
    return scim_body(entra.post("/Groups", json=body), 201)


# --- Test Connection and matching -------------------------------------------------------


def test_test_connection_queries_a_random_guid(entra):
    create_user(entra)
    # Whichever attribute the admin made the matching property, the GUID matches nobody.
    for attribute in ("userName", "externalId", 'emails[type eq "work"].value'):
        body = listing(entra.get(f'/Users?filter={attribute} eq "{uuid.uuid4()}"'))
        assert body["totalResults"] == 0, attribute
        assert body.get("Resources", []) == []


def test_test_connection_also_reads_a_random_group(entra):
    create_group(entra)
    body = listing(entra.get(f'/Groups?excludedAttributes=members&filter=displayName eq "{uuid.uuid4()}"'))
    assert body["totalResults"] == 0


def test_create_user_as_documented(entra):
    response = entra.post("/Users", json=DOC_CREATE_USER)
    body = scim_body(response, 201)
    assert USER in body["schemas"]
    assert body["id"] and body["externalId"] == DOC_EXTERNAL_ID
    assert body["userName"] == DOC_USER_NAME
    assert body["name"] == {"formatted": "givenName familyName", "familyName": "familyName", "givenName": "givenName"}
    assert body["active"] is True
    assert body["emails"] == [{"value": DOC_EMAIL, "type": "work", "primary": True}]
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["created"] and body["meta"]["lastModified"]


def test_create_user_from_the_schema_design_example(entra):
    """Enterprise ``manager`` as a bare string and an unknown custom extension."""
    custom = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User"
    response = entra.post("/Users", json={
        "schemas": [USER, ENTERPRISE, custom],
        "userName": "bjensen@testuser.com",
        "id": "48af03ac28ad4fb88478",
        "externalId": "bjensen",
        "name": {"familyName": "Jensen", "givenName": "Barbara"},
        ENTERPRISE: {"manager": "123456"},
        custom: {"tag": "701984"},
        "meta": {"resourceType": "User", "created": "2010-01-23T04:56:22Z", "lastModified": "2011-05-13T04:42:34Z",
                 "version": 'W\\/"3694e05e9dff591"',
                 "location": "https://example.com/v2/Users/00aa00aa-bb11-cc22-dd33-44ee44ee44ee"},
    })
    body = scim_body(response, 201)
    assert body["id"] != "48af03ac28ad4fb88478"
    assert body["meta"]["created"] != "2010-01-23T04:56:22Z"
    assert body["meta"]["location"].endswith(f"/Users/{body['id']}")
    assert ENTERPRISE in body["schemas"] and custom not in body["schemas"] and custom not in body
    assert body[ENTERPRISE]["manager"]["value"] == "123456"


def test_create_user_with_enterprise_attributes(entra):
    boss = create_user(entra, "boss@testuser.com", displayName="The Boss")
    worker = create_user(entra, "worker@testuser.com", **{
        ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations", "manager": {"value": boss["id"]}}})
    fetched = scim_body(entra.get(f"/Users/{worker['id']}"), 200)
    assert ENTERPRISE in fetched["schemas"]
    assert fetched[ENTERPRISE]["employeeNumber"] == "701984"
    assert fetched[ENTERPRISE]["department"] == "Tour Operations"
    assert fetched[ENTERPRISE]["manager"]["value"] == boss["id"]


def test_create_user_example_2_with_nulls_and_stray_attributes(entra):
    response = entra.post("/Users", json={
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0User"],
        "externalId": "jyoung",
        "userName": "jyoung@testuser.com",
        "active": True,
        "addresses": None,
        "displayName": "Joy Young",
        "emails": [{"type": "work", "value": "jyoung@Contoso.com", "primary": True}],
        "meta": {"resourceType": "User"},
        "name": {"familyName": "Young", "givenName": "Joy"},
        "phoneNumbers": None,
        "preferredLanguage": None,
        "title": None,
        "department": None,
        "manager": None,
    })
    body = scim_body(response, 201)
    assert body["userName"] == "jyoung@testuser.com" and body["externalId"] == "jyoung"
    assert body["emails"][0]["value"] == "jyoung@Contoso.com"
    for absent in ("addresses", "phoneNumbers", "preferredLanguage", "title", "department", "manager"):
        assert absent not in body


def test_get_user_and_unknown_user(entra):
    created = create_user(entra)
    body = scim_body(entra.get(f"/Users/{created['id']}"), 200)
    assert body["id"] == created["id"] and body["userName"] == DOC_USER_NAME
    assert body["emails"][0] == {"value": f"{DOC_USER_NAME}@testuser.com", "type": "work", "primary": True}
    error = error_body(entra.get("/Users/5171a35d82074e068ce2"), 404)
    assert error["status"] == "404"


def test_get_user_by_query(entra):
    created = scim_body(entra.post("/Users", json=DOC_CREATE_USER), 201)
    create_user(entra, "someone.else@testuser.com")
    for query in (
        f'filter=userName eq "{DOC_USER_NAME}"',
        f'filter=externalId eq "{DOC_EXTERNAL_ID}"',
        f'filter=emails[type eq "work"].value eq "{DOC_EMAIL}"',
        f'filter=emails[type eq "work"].value eq "{DOC_EMAIL.upper()}"',  # emails are not caseExact
        f"filter=externalId+eq+%22{DOC_EXTERNAL_ID}%22",
        f"filter=userName+eq+%22{DOC_USER_NAME}%22",
        f'filter=userName eq "{DOC_USER_NAME}" and externalId eq "{DOC_EXTERNAL_ID}"',
    ):
        body = listing(entra.get(f"/Users?{query}"))
        assert body["totalResults"] == 1, query
        assert [user["id"] for user in body["Resources"]] == [created["id"]], query
        assert body["Resources"][0]["userName"] == DOC_USER_NAME


# --- User updates: the documented PATCH requests ------------------------------------------


def test_update_user_multi_valued_properties(entra):
    created = create_user(entra)
    path = f"/Users/{created['id']}"
    patched(entra, path,
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "updatedEmail@microsoft.com"},
            {"op": "Replace", "path": "name.familyName", "value": "updatedFamilyName"})
    body = scim_body(entra.get(path), 200)
    assert body["emails"] == [{"value": "updatedEmail@microsoft.com", "type": "work", "primary": True}]
    assert body["name"]["familyName"] == "updatedFamilyName"
    assert body["name"]["givenName"] == "givenName"


def test_update_user_single_valued_user_name(entra):
    created = create_user(entra)
    path = f"/Users/{created['id']}"
    new_name = "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    patched(entra, path, {"op": "Replace", "path": "userName", "value": new_name})
    assert scim_body(entra.get(path), 200)["userName"] == new_name
    found = listing(entra.get(f'/Users?filter=userName eq "{new_name}"'))
    assert found["totalResults"] == 1


@pytest.mark.parametrize(("op_name", "off", "on"), [
    ("Replace", "False", "True"),  # without the flag
    ("replace", False, True),  # with the flag
    ("Replace", False, True),  # the tutorial's "Disable User" example
])
def test_disable_and_enable_user(entra, op_name, off, on):
    created = create_user(entra)
    path = f"/Users/{created['id']}"
    response = entra.patch(path, json={"Operations": [{"op": op_name, "path": "active", "value": off}],
                                       "schemas": [PATCH_OP]})
    assert response.status_code in (200, 204), response.get_data(as_text=True)
    disabled = scim_body(entra.get(path), 200)
    assert disabled["active"] is False
    # A soft-deleted user is still returned (the tutorial's requirement).
    assert listing(entra.get(f'/Users?filter=userName eq "{DOC_USER_NAME}"'))["totalResults"] == 1
    patched(entra, path, {"op": op_name, "path": "active", "value": on})
    assert scim_body(entra.get(path), 200)["active"] is True


@pytest.mark.parametrize("mode", MODES)
def test_add_a_single_valued_string(entra, mode):
    created = create_user(entra)
    patched(entra, f"/Users/{created['id']}", {"op": op(mode, "add"), "path": "nickName", "value": "Babs"})
    assert scim_body(entra.get(f"/Users/{created['id']}"), 200)["nickName"] == "Babs"


def test_replace_several_attributes_without_flag(entra):
    created = create_user(entra)
    path = f"/Users/{created['id']}"
    patched(entra, path,
            {"op": "Replace", "path": "displayName", "value": "Pvlo"},
            {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "TestBcwqnm@test.microsoft.com"},
            {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
            {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
            {"op": "Replace", "path": "externalId", "value": "Eqpj"},
            {"op": "Replace", "path": f"{ENTERPRISE}:employeeNumber", "value": "Eqpj"})
    body = scim_body(entra.get(path), 200)
    assert body["displayName"] == "Pvlo"
    assert body["emails"] == [{"value": "TestBcwqnm@test.microsoft.com", "type": "work", "primary": True}]
    assert body["name"]["givenName"] == "Gtfd" and body["name"]["familyName"] == "Pkqf"
    assert body["externalId"] == "Eqpj"
    assert body[ENTERPRISE]["employeeNumber"] == "Eqpj" and ENTERPRISE in body["schemas"]


def test_replace_several_attributes_with_flag(entra):
    created = create_user(entra)
    path = f"/Users/{created['id']}"
    patched(entra, path,
            {"op": "replace", "path": 'emails[type eq "work"].value', "value": "TestMhvaes@test.microsoft.com"},
            {"op": "replace", "value": {
                "displayName": "Bjfe",
                "name.givenName": "Kkom",
                "name.familyName": "Unua",
                f"{ENTERPRISE}:employeeNumber": "Aklq",
            }})
    body = scim_body(entra.get(path), 200)
    assert body["emails"] == [{"value": "TestMhvaes@test.microsoft.com", "type": "work", "primary": True}]
    assert body["displayName"] == "Bjfe"
    assert body["name"]["givenName"] == "Kkom" and body["name"]["familyName"] == "Unua"
    # Dotted keys replace one sub-attribute, not the whole name.
    assert body["name"]["formatted"] == "givenName familyName"
    assert body[ENTERPRISE]["employeeNumber"] == "Aklq" and ENTERPRISE in body["schemas"]
    assert "name.givenName" not in body and f"{ENTERPRISE}:employeeNumber" not in body


@pytest.mark.parametrize("mode", MODES)
def test_filtered_paths_create_missing_entries(entra, mode):
    user = bare_user(entra, "newhire@testuser.com")
    path = f"/Users/{user['id']}"
    add = op(mode, "add")
    patched(entra, path,
            {"op": add, "path": 'emails[type eq "work"].value', "value": "newhire@testuser.com"},
            {"op": add, "path": 'addresses[type eq "work"].formatted', "value": "USZLTUSJXBYV"},
            {"op": add, "path": 'addresses[type eq "work"].locality', "value": "OSGODHEVDCVD"},
            {"op": add, "path": 'addresses[type eq "work"].region', "value": "YMVMOEMXAYGD"},
            {"op": add, "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0100"},
            {"op": add, "path": 'phoneNumbers[type eq "work"].value', "value": "+1 555 0199"})
    body = scim_body(entra.get(path), 200)
    assert [(e["type"], e["value"]) for e in body["emails"]] == [("work", "newhire@testuser.com")]
    assert len(body["addresses"]) == 1
    address = body["addresses"][0]
    assert (address["type"], address["formatted"], address["locality"], address["region"]) == (
        "work", "USZLTUSJXBYV", "OSGODHEVDCVD", "YMVMOEMXAYGD")
    assert sorted((p["type"], p["value"]) for p in body["phoneNumbers"]) == [
        ("mobile", "+1 555 0100"), ("work", "+1 555 0199")]

    # The next cycle replaces in place: still one work address, the other parts kept.
    patched(entra, path,
            {"op": op(mode, "replace"), "path": 'addresses[type eq "work"].formatted', "value": "1 Microsoft Way"},
            {"op": op(mode, "replace"), "path": 'phoneNumbers[type eq "mobile"].value', "value": "+1 555 0111"})
    body = scim_body(entra.get(path), 200)
    assert len(body["addresses"]) == 1
    assert body["addresses"][0]["formatted"] == "1 Microsoft Way" and body["addresses"][0]["locality"] == "OSGODHEVDCVD"
    assert sorted((p["type"], p["value"]) for p in body["phoneNumbers"]) == [
        ("mobile", "+1 555 0111"), ("work", "+1 555 0199")]


# --- Manager ----------------------------------------------------------------------------


@pytest.mark.parametrize(("mode", "clear"), [("default", {"value": ""}), (FLAG, None), ("default", "")],
                         ids=["value-empty", "null", "empty-string"])
def test_manager_set_changed_and_cleared(entra, mode, clear):
    boss = create_user(entra, "boss@testuser.com", displayName="The Boss")
    other = create_user(entra, "other.boss@testuser.com", displayName="Other Boss")
    worker = create_user(entra, "worker@testuser.com")
    path = f"/Users/{worker['id']}"

    patched(entra, path, {"op": op(mode, "add"), "path": MANAGER, "value": boss["id"]})
    manager = scim_body(entra.get(path), 200)[ENTERPRISE]["manager"]
    assert isinstance(manager, dict) and manager["value"] == boss["id"]
    assert manager["$ref"].endswith(f"/Users/{boss['id']}")

    patched(entra, path, {"op": op(mode, "replace"), "path": MANAGER, "value": other["id"]})
    manager = scim_body(entra.get(path), 200)[ENTERPRISE]["manager"]
    assert isinstance(manager, dict) and manager["value"] == other["id"]

    patched(entra, path, {"op": op(mode, "replace"), "path": MANAGER, "value": clear})
    body = scim_body(entra.get(path), 200)
    assert "manager" not in body.get(ENTERPRISE, {})


@pytest.mark.parametrize("mode", MODES)
def test_manager_removed_with_remove(entra, mode):
    boss = create_user(entra, "boss@testuser.com")
    worker = create_user(entra, "worker@testuser.com", **{ENTERPRISE: {"manager": {"value": boss["id"]}}})
    path = f"/Users/{worker['id']}"
    patched(entra, path, {"op": op(mode, "remove"), "path": MANAGER, "value": [{"value": boss["id"]}]})
    assert "manager" not in scim_body(entra.get(path), 200).get(ENTERPRISE, {})


def test_manager_added_as_example_5(entra):
    boss = create_user(entra, "boss@testuser.com")
    worker = create_user(entra, "worker@testuser.com")
    path = f"/Users/{worker['id']}"
    patched(entra, path, {"op": "Add", "path": "manager", "value": [
        {"$ref": f"http://example.com/scim/Users/{boss['id']}", "value": boss["id"]}]})
    manager = scim_body(entra.get(path), 200)[ENTERPRISE]["manager"]
    assert manager["value"] == boss["id"]
    # The server's own absolute $ref, not the one the client sent.
    assert manager["$ref"].endswith(f"/plugins/servlet/usersync/scim/Users/{boss['id']}")


# --- Delete ----------------------------------------------------------------------------


def test_delete_user_then_get_is_404(entra):
    created = create_user(entra)
    group = create_group(entra)
    patched(entra, f"/Groups/{group['id']}", add_members(created))
    response = entra.delete(f"/Users/{created['id']}")
    assert response.status_code == 204
    error_body(entra.get(f"/Users/{created['id']}"), 404)
    assert member_ids(scim_body(entra.get(f"/Groups/{group['id']}"), 200)) == []
    assert listing(entra.get(f'/Users?filter=userName eq "{DOC_USER_NAME}"'))["totalResults"] == 0


# --- Groups -----------------------------------------------------------------------------


def test_create_group_as_documented(entra):
    response = entra.post("/Groups", json={
        "schemas": [GROUP, "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"],
        "externalId": "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        "displayName": "displayName",
        "meta": {"resourceType": "Group"},
    })
    body = scim_body(response, 201)
    assert body["schemas"] == [GROUP]
    assert body["id"] and body["externalId"] == "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159"
    assert body["displayName"] == "displayName"
    assert body.get("members", []) == []
    assert body["meta"]["resourceType"] == "Group" and body["meta"]["created"]


def test_get_group_by_display_name_without_members(entra):
    member = create_user(entra)
    group = create_group(entra)
    create_group(entra, "another group")
    patched(entra, f"/Groups/{group['id']}", add_members(member))
    for query in ('excludedAttributes=members&filter=displayName eq "displayName"',
                  "excludedAttributes=members&filter=displayName+eq+%22displayName%22"):
        body = listing(entra.get(f"/Groups?{query}"))
        assert body["totalResults"] == 1, query
        found = body["Resources"][0]
        assert found["id"] == group["id"] and found["displayName"] == "displayName"
        assert found["externalId"] == group["externalId"]
        assert "members" not in found


def test_get_group_excluding_members(entra):
    member = create_user(entra)
    group = create_group(entra)
    patched(entra, f"/Groups/{group['id']}", add_members(member))
    body = scim_body(entra.get(f"/Groups/{group['id']}?excludedAttributes=members"), 200)
    assert body["id"] == group["id"] and body["displayName"] == "displayName"
    assert "members" not in body


def test_update_group_display_name(entra):
    group = create_group(entra)
    patched(entra, f"/Groups/{group['id']}",
            {"op": "Replace", "path": "displayName", "value": "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"})
    body = scim_body(entra.get(f"/Groups/{group['id']}"), 200)
    assert body["displayName"] == "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName"


@pytest.mark.parametrize("mode", MODES)
def test_add_and_remove_members(entra, mode):
    staying = create_user(entra, "staying@testuser.com")
    leaving = create_user(entra, "leaving@testuser.com")
    group = create_group(entra)
    path = f"/Groups/{group['id']}"
    patched(entra, path, {"op": op(mode, "add"), "path": "members", "value": [
        {"$ref": None, "value": staying["id"]}, {"$ref": None, "value": leaving["id"]}]})
    assert member_ids(scim_body(entra.get(path), 200)) == sorted([staying["id"], leaving["id"]])

    if mode == FLAG:
        removal = {"op": "remove", "path": f'members[value eq "{leaving["id"]}"]'}
    else:
        removal = {"op": "Remove", "path": "members", "value": [{"value": leaving["id"]}]}
    patched(entra, path, removal)
    assert member_ids(scim_body(entra.get(path), 200)) == [staying["id"]]


def test_delete_group(entra):
    group = create_group(entra)
    assert entra.delete(f"/Groups/{group['id']}").status_code == 204
    error_body(entra.get(f"/Groups/{group['id']}"), 404)


# --- AzureAD/SCIMReferenceCode Postman collection -----------------------------------------


def test_postman_endpoint_tests(entra):
    # "Get empty Users" requests the endpoint in lower case and checks only the status.
    assert listing(entra.get("/users"))["totalResults"] == 0
    assert listing(entra.get("/Groups"))["totalResults"] == 0
    resource_types = scim_body(entra.get("/ResourceTypes"), 200)
    assert resource_types["Resources"][0]["endpoint"] == "/Users"
    assert scim_body(entra.get("/ServiceProviderConfig"), 200)["patch"]["supported"] is True
    schemas = entra.get("/Schemas")
    assert scim_body(schemas, 200)["schemas"] == [LIST_RESPONSE]
    assert "User Account" in schemas.get_data(as_text=True)


def test_postman_user_tests(entra):
    first = scim_body(entra.post("/Users", json={
        "userName": "UserName123", "active": True, "displayName": "BobIsAmazing", "schemas": [USER],
        "externalId": str(uuid.uuid4()),
        "name": {"formatted": "Ryan Leenay", "familyName": "Leenay", "givenName": "Ryan"},
        "emails": [{"Primary": True, "type": "work", "value": "testing@bob.com"},
                   {"Primary": False, "type": "home", "value": "testinghome@bob.com"}],
    }, headers={"Content-Type": "application/json"}), 201)
    assert [e.get("primary", False) for e in first["emails"]] == [True, False]

    second = scim_body(entra.post("/Users", json={
        "UserName": "UserName222", "Active": True, "DisplayName": "lennay", "schemas": [ENTERPRISE, USER],
        "externalId": str(uuid.uuid4()),
        "name": {"formatted": "Adrew Ryan", "familyName": "Ryan", "givenName": "Andrew"},
        "emails": [{"Primary": True, "type": "work", "value": "testing@bob2.com"},
                   {"Primary": False, "type": "home", "value": "testinghome@bob3.com"}],
        ENTERPRISE: {"Department": "bob", "Manager": {"Value": "SuzzyQ"}},
    }, headers={"Content-Type": "application/json"}), 201)
    assert second["userName"] == "UserName222" and second["displayName"] == "lennay"
    assert second[ENTERPRISE]["department"] == "bob"
    assert second[ENTERPRISE]["manager"]["value"] == "SuzzyQ"

    assert scim_body(entra.get(f"/Users/{first['id']}"), 200)["id"] == first["id"]
    projected = entra.get("/Users?attributes=userName,emails")
    assert first["id"] in projected.get_data(as_text=True)
    assert set(listing(projected)["Resources"][0]) <= {"schemas", "id", "userName", "emails"}
    filtered = listing(entra.get("/Users/?filter=DisplayName+eq+%22BobIsAmazing%22"))
    assert [user["id"] for user in filtered["Resources"]] == [first["id"]]

    patched(entra, f"/Users/{first['id']}", {"op": "replace", "path": "userName", "value": "ryan3"})
    assert scim_body(entra.get(f"/Users/{first['id']}"), 200)["userName"] == "ryan3"

    replaced = scim_body(entra.put(f"/Users/{second['id']}", json={
        "UserName": "UserNameReplace2", "Active": True, "DisplayName": "BobIsAmazing", "schemas": [ENTERPRISE, USER],
        "id": second["id"], "externalId": str(uuid.uuid4()),
        "name": {"formatted": "NewName", "familyName": "Leenay", "givenName": "Ryan"},
        "emails": [{"Primary": True, "type": "work", "value": "testing@bobREPLACE.com"},
                   {"Primary": False, "type": "home", "value": "testinghome@bob.com"}],
    }), 200)
    assert replaced["name"]["formatted"] == "NewName" and replaced["userName"] == "UserNameReplace2"
    assert entra.delete(f"/Users/{first['id']}").status_code == 204
    assert entra.delete(f"/Users/{second['id']}").status_code == 204


def test_postman_group_tests(entra):
    third = create_user(entra, "UserName333")
    fourth = create_user(entra, "UserName444", displayName="new User")
    group = scim_body(entra.post("/Groups", json={"externalId": str(uuid.uuid4()), "schemas": [GROUP],
                                                  "displayName": "Group1DisplayName", "members": []}), 201)
    filled = scim_body(entra.post("/Groups", json={"schemas": [GROUP], "externalId": str(uuid.uuid4()),
                                                   "displayName": "GroupDisplayName2",
                                                   "members": [{"value": third["id"], "display": "VP"}]}), 201)
    assert member_ids(filled) == [third["id"]]

    path = f"/Groups/{group['id']}"
    add = {"name": "addMember", "op": "add", "path": "members",
           "value": [{"displayName": "new User", "value": fourth["id"]}]}
    patched(entra, path, add)
    patched(entra, path, {"op": "remove", "path": f'members[value eq "{fourth["id"]}"]'})
    assert member_ids(scim_body(entra.get(path), 200)) == []
    patched(entra, path, add)
    body = entra.get(path)
    assert "new User" in body.get_data(as_text=True)
    assert member_ids(scim_body(body, 200)) == [fourth["id"]]
    patched(entra, path, {"op": "remove", "path": "members"})
    body = entra.get(path)
    assert "new User" not in body.get_data(as_text=True)
    assert member_ids(scim_body(body, 200)) == []
    for resource in (f"/Users/{third['id']}", f"/Users/{fourth['id']}", path, f"/Groups/{filled['id']}"):
        assert entra.delete(resource).status_code == 204
