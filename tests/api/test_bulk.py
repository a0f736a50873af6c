"""POST /Bulk through the app: bulkId references, partial failure, failOnErrors, limits, versions."""

import json
import pathlib

import pytest

from tests.conftest import assert_scim_error

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
FIXTURES = pathlib.Path(__file__).parents[1] / "fixtures" / "rfc7644"


def fixture(name):
    return json.loads((FIXTURES / f"rfc7644-{name}.json").read_text())


def post_bulk(scim, operations, **extra):
    response = scim.post("/Bulk", json={"schemas": [BULK_REQUEST], "Operations": operations, **extra})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith("application/scim+json")
    body = response.get_json()
    assert body["schemas"] == [BULK_RESPONSE]
    return body["Operations"]


def new_user(bulk_id, name=None):
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": {"userName": name or bulk_id}}


def new_group(bulk_id, *members):
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id,
            "data": {"displayName": bulk_id, "members": [{"value": each} for each in members]}}


def resource_id(result):
    return result["location"].rsplit("/", 1)[1]


def user_names(scim):
    return sorted(each["userName"] for each in scim.get("/Users").get_json()["Resources"])


def test_rfc_3_7_2_creates_a_user_and_a_group_containing_it(scim):
    results = post_bulk(scim, fixture("3.7.2-user-and-group-request")["Operations"])
    assert [(each["method"], each["bulkId"], each["status"]) for each in results] == [
        ("POST", "qwerty", "201"), ("POST", "ytrewq", "201")]
    alice, guides = (resource_id(each) for each in results)
    group = scim.get(f"/Groups/{guides}").get_json()
    assert [(m["value"], m["type"]) for m in group["members"]] == [(alice, "User")]
    assert results[1]["version"] == group["meta"]["version"]
    assert results[1]["location"] == group["meta"]["location"]
    assert [g["value"] for g in scim.get(f"/Users/{alice}").get_json()["groups"]] == [guides]


def test_a_forward_reference_and_a_path_reference_resolve(scim):
    results = post_bulk(scim, [
        new_group("guides", "bulkId:alice"),
        {"method": "PATCH", "path": "/Groups/bulkId:guides", "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:bob"}]}]}},
        new_user("alice"), new_user("bob"),
    ])
    assert [each["status"] for each in results] == ["201", "200", "201", "201"]
    members = scim.get(f"/Groups/{resource_id(results[0])}").get_json()["members"]
    assert {m["value"] for m in members} == {resource_id(results[2]), resource_id(results[3])}


def test_rfc_3_7_2_enterprise_manager_by_bulk_id(scim):
    results = post_bulk(scim, fixture("3.7.2-enterprise-manager-request")["Operations"])
    bob = scim.get(f"/Users/{resource_id(results[1])}").get_json()
    manager = bob["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]
    assert manager["value"] == resource_id(results[0])


def test_a_failing_operation_in_the_middle_does_not_stop_the_others(scim):
    results = post_bulk(scim, [new_user("alice"), new_user("dup", "alice"), new_user("carol")])
    assert [each["status"] for each in results] == ["201", "409", "201"]
    assert results[1]["response"]["scimType"] == "uniqueness"
    assert "location" not in results[1]
    assert user_names(scim) == ["alice", "carol"]


def test_fail_on_errors_stops_after_the_first_error(scim):
    results = post_bulk(scim, [new_user("alice"), new_user("dup", "alice"), new_user("carol")], failOnErrors=1)
    assert [each["status"] for each in results] == ["201", "409"]
    assert user_names(scim) == ["alice"]


def test_rfc_3_7_1_circular_groups_fail_with_409_and_create_nothing(scim):
    results = post_bulk(scim, fixture("3.7.1-circular-groups-request")["Operations"])
    assert [(each["bulkId"], each["status"]) for each in results] == [("qwerty", "409"), ("ytrewq", "409")]
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def test_versions_are_checked_and_returned(scim):
    created = scim.post("/Users", json={"userName": "alice"}).get_json()
    path, etag = f"/Users/{created['id']}", created["meta"]["version"]
    results = post_bulk(scim, [
        {"method": "PUT", "path": path, "version": etag, "data": {"userName": "alice", "displayName": "A"}},
        {"method": "PATCH", "path": path, "version": etag, "data": {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "replace", "path": "displayName", "value": "B"}]}},
        {"method": "DELETE", "path": path, "version": 'W/"2"'},
    ])
    assert [each["status"] for each in results] == ["200", "412", "204"]
    assert results[0]["version"] == 'W/"2"'
    assert results[2]["location"] == created["meta"]["location"] and "version" not in results[2]
    assert_scim_error(scim.get(path), 404)


def test_put_and_delete_of_a_missing_resource_name_it(scim):
    results = post_bulk(scim, [{"method": "DELETE", "path": "/Users/nope"}])
    assert results[0]["status"] == "404" and results[0]["location"].endswith("/Users/nope")


def test_a_malformed_operation_fails_alone(scim):
    results = post_bulk(scim, [{"method": "POST", "path": "/Users", "data": {"userName": "x"}},
                               {"method": "POST", "path": "/Nope", "bulkId": "n", "data": {}}, new_user("ok")])
    assert [(each["status"], each.get("response", {}).get("scimType")) for each in results] == [
        ("400", "invalidValue"), ("400", "invalidPath"), ("201", None)]


def test_an_unexpected_failure_is_a_500_for_that_operation_only(scim, monkeypatch):
    from provisioning import groups

    def explode(*_args):
        raise RuntimeError("SELECT secret FROM somewhere")

    monkeypatch.setattr(groups, "create", explode)
    results = post_bulk(scim, [new_group("g"), new_user("alice")])
    assert [each["status"] for each in results] == ["500", "201"]
    assert "secret" not in results[0]["response"]["detail"]


def test_more_than_max_operations_is_413(app, scim):
    app.config["SCIM_BULK_MAX_OPERATIONS"] = 2
    response = scim.post("/Bulk", json={"Operations": [new_user(f"u{i}") for i in range(3)]})
    assert "maxOperations (2)" in assert_scim_error(response, 413)["detail"]
    assert user_names(scim) == []


def test_a_body_over_max_payload_size_is_413(app, scim):
    app.config["MAX_CONTENT_LENGTH"] = 2048
    response = scim.post("/Bulk", json={"Operations": [new_user(f"user{i}") for i in range(40)]})
    assert assert_scim_error(response, 413)["detail"] == fixture("3.7.4-payload-too-large-error")["detail"].replace(
        "1048576", "2048")


@pytest.mark.parametrize("body, scim_type", [
    ([], "invalidSyntax"), ({"schemas": [BULK_REQUEST]}, "invalidSyntax"),
    ({"Operations": [], "failOnErrors": 0}, "invalidValue"),
])
def test_a_malformed_bulk_request_is_400(scim, body, scim_type):
    assert_scim_error(scim.post("/Bulk", json=body), 400, scim_type)


def test_bulk_needs_a_token(scim):
    response = scim.client.post("/plugins/servlet/usersync/scim/Bulk", json={"Operations": []})
    assert_scim_error(response, 401)
