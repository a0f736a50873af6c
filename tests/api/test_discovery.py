"""ServiceProviderConfig, ResourceTypes and Schemas tell the truth."""

from tests.conftest import assert_scim_error


def test_service_provider_config_advertises_what_is_supported(scim):
    body = scim.get("/ServiceProviderConfig").get_json()
    assert body["patch"]["supported"] and body["filter"]["supported"] and body["etag"]["supported"]
    assert body["bulk"]["supported"] and body["bulk"]["maxOperations"] > 0 and body["bulk"]["maxPayloadSize"] > 0
    assert body["filter"]["maxResults"] > 0
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types(scim):
    body = scim.get("/ResourceTypes").get_json()
    assert {r["name"] for r in body["Resources"]} == {"User", "Group"}
    user = scim.get("/ResourceTypes/User").get_json()
    assert user["endpoint"] == "/Users"
    assert user["schemaExtensions"][0]["schema"] == "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
    assert_scim_error(scim.get("/ResourceTypes/Printer"), 404)


def test_schemas(scim):
    body = scim.get("/Schemas").get_json()
    assert body["totalResults"] == 3
    user = scim.get("/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").get_json()
    names = {a["name"]: a for a in user["attributes"]}
    assert names["userName"]["uniqueness"] == "server" and names["userName"]["caseExact"] is False
    assert names["password"]["returned"] == "never"
    assert_scim_error(scim.get("/Schemas/urn:nope"), 404)
