"""RFC 7644 §3.7 Bulk processor against an in-memory dispatch: the RFC's examples, bulkId references,
failOnErrors, limits, malformed requests and properties.

The RFC fixtures are the RFC's text made valid JSON: §3.7.3's error bodies lack commas and its
PATCH data is ``{[...]}`` (here a PatchOp).
"""

import copy
import itertools
import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scim import bulk, errors
from scim.constants import BULK_REQUEST, BULK_RESPONSE, ENTERPRISE_USER, ERROR, PATCH_OP

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "rfc7644"
BASE = "https://example.com/v2"
BOB, DAVE, GONE = ("/Users/b7c14771-226c-4d05-8860-134711653041", "/Users/5d8d29d3-342c-4b5f-8683-a3cb6763ffcc",
                   "/Users/e9025315-6bea-44e1-899c-1e07454e468b")
RFC_VERSIONS = {BOB: 'W/"3694e05e9dff591"', DAVE: 'W/"edac3253e2c0ef2"', GONE: 'W/"0ee8add0a938e1a"'}
UNPARSABLE = "Request is unparsable, syntactically incorrect, or violates schema."


def fixture(name):
    return json.loads((FIXTURES / f"rfc7644-{name}.json").read_text())


class Directory:
    """An in-memory dispatch: opaque ETags, members and managers must exist, and no bulkId arrives unresolved."""

    def __init__(self, existing=(), unparsable=()):
        self.resources = {path: {"id": path.rsplit("/", 1)[1], "version": etag} for path, etag in existing}
        self.unparsable = set(unparsable)
        self.calls = []
        self.ids = itertools.count(1)

    def __call__(self, method, path, data, version):
        assert "bulkId:" not in path and not bulk.references(data), (path, data)
        self.calls.append((method, path, data, version))
        return getattr(self, method.lower())(path, data, version)

    def post(self, path, data, _version):
        self._check(data)
        return self._write(f"{path}/{path[1:].lower()}-{next(self.ids)}", data, 201)

    def put(self, path, data, version):
        self._current(path, version)
        self._check(data)
        return self._write(path, data, 200)

    def patch(self, path, data, version):
        return self._write(path, self._current(path, version), 200)

    def delete(self, path, _data, version):
        self._current(path, version)
        del self.resources[path]
        return 204, BASE + path, None, None

    def _check(self, data):
        name = data.get("userName") or data.get("displayName")
        if isinstance(name, str) and name in self.unparsable:
            raise errors.InvalidSyntax(UNPARSABLE)
        known = {doc["id"] for doc in self.resources.values()}
        for value in _referenced_ids(data):
            if value not in known:
                raise errors.InvalidValue(f"Member '{value}' does not exist.")

    def _current(self, path, version):
        if path not in self.resources:
            raise errors.NotFound("Resource does not exist.")
        if version is not None and version != self.resources[path]["version"]:
            raise errors.PreconditionFailed("Failed to update.  Resource changed on the server.")
        return self.resources[path]

    def _write(self, path, data, status):
        etag = f'W/"v{next(self.ids)}"'
        self.resources[path] = {**data, "id": path.rsplit("/", 1)[1], "version": etag}
        return status, BASE + path, self.resources[path], etag


def _referenced_ids(data):
    """members[].value and the enterprise manager.value, where they are strings."""
    members = data.get("members") if isinstance(data.get("members"), list) else []
    extension = data.get(ENTERPRISE_USER) if isinstance(data.get(ENTERPRISE_USER), dict) else {}
    manager = extension.get("manager") if isinstance(extension.get("manager"), dict) else {}
    values = [member.get("value") for member in members if isinstance(member, dict)] + [manager.get("value")]
    return [value for value in values if isinstance(value, str)]


def run(operations, directory=None, max_operations=1000, **extra):
    directory = directory if directory is not None else Directory()
    body = {"schemas": [BULK_REQUEST], "Operations": operations, **extra}
    return bulk.process(body, directory, max_operations, BASE)["Operations"]


def user(bulk_id, name=None, **data):
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": {"userName": name or bulk_id, **data}}


def group(bulk_id, *members):
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id,
            "data": {"displayName": bulk_id, "members": [{"value": each} for each in members]}}


def statuses(results):
    return [result["status"] for result in results]


def shape(response):
    """What an RFC example response fixes: the keys, method, bulkId and status code of each result."""
    def code(status):
        return status["code"] if isinstance(status, dict) else status  # §3.7.2 shows {"code": "201"}
    return [(sorted(each), each["method"], each.get("bulkId"), code(each["status"])) for each in response["Operations"]]


# RFC 7644 §3.7 examples

def test_rfc_3_7_2_creates_a_user_and_a_group_naming_it_by_bulk_id():
    directory = Directory()
    response = bulk.process(fixture("3.7.2-user-and-group-request"), directory, 1000, BASE)
    assert response["schemas"] == [BULK_RESPONSE]
    assert shape(response) == shape(fixture("3.7.2-user-and-group-response"))
    alice = response["Operations"][0]["location"].rsplit("/", 1)[1]
    assert directory.calls[1][2]["members"] == [{"type": "User", "value": alice}]


def test_rfc_3_7_2_resolves_a_bulk_id_in_the_enterprise_manager():
    directory = Directory()
    results = bulk.process(fixture("3.7.2-enterprise-manager-request"), directory, 1000, BASE)["Operations"]
    assert statuses(results) == ["201", "201"]
    alice = results[0]["location"].rsplit("/", 1)[1]
    assert directory.calls[1][2][ENTERPRISE_USER] == {"employeeNumber": "11250", "manager": {"value": alice}}


def test_rfc_3_7_3_add_update_and_remove_users():
    directory = Directory(existing=RFC_VERSIONS.items())
    response = bulk.process(fixture("3.7.3-fail-on-errors-request"), directory, 1000, BASE)
    expected = fixture("3.7.3-success-response")
    assert shape(response) == shape(expected)
    assert [each.get("location") for each in response["Operations"][1:]] == [
        each["location"] for each in expected["Operations"][1:]]
    assert [call[3] for call in directory.calls] == [None, *RFC_VERSIONS.values()]


def test_rfc_3_7_3_fail_on_errors_stops_at_the_first_error():
    directory = Directory(existing=RFC_VERSIONS.items(), unparsable={"Alice"})
    response = bulk.process(fixture("3.7.3-fail-on-errors-request"), directory, 1000, BASE)
    assert response == fixture("3.7.3-stopped-on-error-response")
    assert len(directory.calls) == 1


def test_rfc_3_7_3_without_fail_on_errors_every_operation_is_attempted():
    stale = {path: 'W/"changed"' for path in (BOB, DAVE)}
    body = fixture("3.7.3-fail-on-errors-request")
    del body["failOnErrors"]
    response = bulk.process(body, Directory(existing=stale.items(), unparsable={"Alice"}), 1000, BASE)
    assert response == fixture("3.7.3-all-failed-response")


def test_rfc_3_7_1_circular_references_fail_with_409_and_create_nothing():
    directory = Directory()
    results = bulk.process(fixture("3.7.1-circular-groups-request"), directory, 1000, BASE)["Operations"]
    assert [(each["bulkId"], each["status"], each["response"]["status"]) for each in results] == [
        ("qwerty", "409", "409"), ("ytrewq", "409", "409")]
    assert "circular" in results[0]["response"]["detail"]
    assert all("location" not in each for each in results)
    assert directory.calls == []


def test_rfc_3_7_4_too_many_operations_is_a_413_naming_max_operations():
    with pytest.raises(errors.PayloadTooLarge) as raised:
        run([user(f"u{i}") for i in range(3)], max_operations=2)
    body = raised.value.to_dict()
    assert sorted(body) == sorted(fixture("3.7.4-payload-too-large-error"))
    assert body["status"] == "413" and "maxOperations (2)" in body["detail"]


def test_exactly_max_operations_is_accepted():
    assert statuses(run([user(f"u{i}") for i in range(3)], max_operations=3)) == ["201"] * 3


# bulkId references (§3.7.2)

def test_a_forward_reference_runs_the_referenced_post_first_and_answers_in_request_order():
    directory = Directory()
    results = run([group("guides", "bulkId:alice"), user("alice")], directory)
    assert [(each["bulkId"], each["status"]) for each in results] == [("guides", "201"), ("alice", "201")]
    assert [call[1] for call in directory.calls] == ["/Users", "/Groups"]


def test_bulk_ids_in_paths_and_patch_values_are_resolved():
    directory = Directory()
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": "bulkId:bob"}]}]}
    results = run([
        {"method": "PATCH", "path": "/Groups/bulkId:guides", "data": patch},
        group("guides", "bulkId:alice"), user("alice"), user("bob"),
        {"method": "DELETE", "path": "/Users/bulkId:alice"},
    ], directory)
    alice, guides, bob = (results[index]["location"].rsplit("/", 1)[1] for index in (2, 1, 3))
    assert statuses(results) == ["200", "201", "201", "201", "204"]
    assert directory.calls[3] == ("PATCH", f"/Groups/{guides}", {
        "schemas": [PATCH_OP], "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]}, None)
    assert results[0]["location"] == f"{BASE}/Groups/{guides}"
    assert results[4]["location"] == f"{BASE}/Users/{alice}"


def test_an_undeclared_bulk_id_is_400_invalid_value_and_not_dispatched():
    directory = Directory()
    results = run([group("guides", "bulkId:nobody"), {"method": "DELETE", "path": "/Users/bulkId:nobody"}], directory)
    assert [(each["status"], each["response"].get("scimType")) for each in results] == [
        ("400", "invalidValue"), ("400", "invalidValue")]
    assert "location" not in results[1]
    assert directory.calls == []


def test_a_reference_to_a_failed_post_is_409():
    directory = Directory(unparsable={"alice"})
    results = run([group("guides", "bulkId:alice"), user("alice"), {"method": "DELETE", "path": "/Users/bulkId:alice"}],
                  directory)
    assert statuses(results) == ["409", "400", "409"]
    assert "did not resolve" in results[0]["response"]["detail"]
    assert [call[1] for call in directory.calls] == ["/Users"]


def test_a_post_referencing_its_own_bulk_id_is_circular():
    assert statuses(run([group("loop", "bulkId:loop")])) == ["409"]


def test_a_cycle_fails_itself_and_what_depends_on_it_but_nothing_else():
    results = run([group("a", "bulkId:b"), group("b", "bulkId:c"), group("c", "bulkId:a"),
                   group("d", "bulkId:b"), user("e")])
    assert statuses(results) == ["409", "409", "409", "409", "201"]
    assert ["circular" in each["response"]["detail"] for each in results[:4]] == [True, True, True, False]


def test_a_chain_of_max_operations_forward_references_runs_backwards_without_recursion():
    directory = Directory()
    chain = [group(f"g{i}", f"bulkId:g{i + 1}") for i in range(999)] + [group("g999")]
    results = run(chain, directory)
    assert statuses(results) == ["201"] * 1000
    assert [call[2]["displayName"] for call in directory.calls] == [f"g{i}" for i in reversed(range(1000))]


def test_a_second_post_with_the_same_bulk_id_fails_and_references_name_the_first():
    directory = Directory()
    results = run([user("alice", "first"), user("alice", "second"), group("guides", "bulkId:alice")], directory)
    assert [(each["status"], each.get("response", {}).get("scimType")) for each in results] == [
        ("201", None), ("400", "invalidValue"), ("201", None)]
    first = results[0]["location"].rsplit("/", 1)[1]
    assert directory.calls[-1][2]["members"] == [{"value": first}]


def test_strings_merely_containing_bulk_id_are_left_alone():
    directory = Directory()
    run([user("alice", displayName="see bulkId:alice", nickName="bulkid:alice")], directory)
    assert directory.calls[0][2] == {"userName": "alice", "displayName": "see bulkId:alice", "nickName": "bulkid:alice"}


# failOnErrors (§3.7)

def test_fail_on_errors_stops_after_that_many_errors_and_lists_nothing_after():
    directory = Directory(unparsable={"bad1", "bad2", "bad3"})
    operations = [user("bad1"), user("ok1"), group("bad2"), user("ok2"), user("bad3"), user("ok3")]
    results = run(operations, directory, failOnErrors=2)
    assert statuses(results) == ["400", "201", "400"]
    assert [call[2].get("userName") or call[2]["displayName"] for call in directory.calls] == ["bad1", "ok1", "bad2"]


def test_failed_references_count_as_errors():
    assert statuses(run([group("g", "bulkId:nobody"), user("u")], failOnErrors=1)) == ["400"]


def test_below_the_limit_everything_runs():
    assert statuses(run([user("bad"), user("ok")], Directory(unparsable={"bad"}), failOnErrors=2)) == ["400", "201"]


@pytest.mark.parametrize("value", [0, -1, "1", 1.5, True, [1]])
def test_fail_on_errors_must_be_a_positive_integer(value):
    with pytest.raises(errors.InvalidValue):
        run([user("u")], failOnErrors=value)


# the request

@pytest.mark.parametrize("body", [
    [], "Operations", None, 3,
    {}, {"Operations": {"method": "POST"}}, {"Operations": None},
    {"schemas": [PATCH_OP], "Operations": []}, {"schemas": 3, "Operations": []}, {"schemas": [], "Operations": []},
])
def test_a_malformed_request_is_400_invalid_syntax(body):
    with pytest.raises(errors.InvalidSyntax):
        bulk.process(body, Directory(), 1000)


@pytest.mark.parametrize("schemas", [None, BULK_REQUEST, [BULK_REQUEST.upper(), "urn:example:extra"]])
def test_schemas_may_be_missing_a_string_or_in_another_case(schemas):
    body = {"schemas": schemas, "Operations": [user("u")]} if schemas else {"Operations": [user("u")]}
    assert statuses(bulk.process(body, Directory(), 1000)["Operations"]) == ["201"]


def test_attribute_names_are_case_insensitive():
    body = {"SCHEMAS": [BULK_REQUEST], "operations": [
        {"Method": "post", "PATH": "/Users", "BulkID": "u", "Data": {"userName": "u"}}], "FAILONERRORS": 1}
    assert bulk.process(body, Directory(), 1000)["Operations"] == [
        {"location": f"{BASE}/Users/users-1", "method": "POST", "bulkId": "u", "version": 'W/"v2"', "status": "201"}]


def test_no_operations_is_an_empty_response():
    assert bulk.process({"Operations": []}, Directory(), 1000) == {"schemas": [BULK_RESPONSE], "Operations": []}


def test_the_request_is_not_modified():
    body = {"Operations": [group("g", "bulkId:u"), user("u"), {"method": "DELETE", "path": "/Users/bulkId:u"}]}
    before = copy.deepcopy(body)
    bulk.process(body, Directory(), 1000)
    assert body == before


# each operation (§3.7, §3.7.3)

DATA = {"userName": "x"}


@pytest.mark.parametrize("operation, status, scim_type", [
    ("POST /Users", "400", "invalidSyntax"),
    ({}, "400", "invalidValue"),
    ({"method": "GET", "path": "/Users"}, "400", "invalidValue"),
    ({"method": 1, "path": "/Users"}, "400", "invalidValue"),
    ({"method": "POST", "path": "/Users", "data": DATA}, "400", "invalidValue"),
    ({"method": "POST", "path": "/Users", "bulkId": "", "data": DATA}, "400", "invalidValue"),
    ({"method": "POST", "path": "/Users", "bulkId": 7, "data": DATA}, "400", "invalidValue"),
    ({"method": "POST", "bulkId": "x", "data": DATA}, "400", "invalidValue"),
    ({"method": "POST", "path": ["/Users"], "bulkId": "x", "data": DATA}, "400", "invalidValue"),
    ({"method": "POST", "path": "/Foo", "bulkId": "x", "data": DATA}, "400", "invalidPath"),
    ({"method": "POST", "path": "/Users/1", "bulkId": "x", "data": DATA}, "400", "invalidPath"),
    ({"method": "POST", "path": "Users", "bulkId": "x", "data": DATA}, "400", "invalidPath"),
    ({"method": "POST", "path": "/Users?attributes=id", "bulkId": "x", "data": DATA}, "400", "invalidPath"),
    ({"method": "PUT", "path": "/Users", "data": DATA}, "400", "invalidPath"),
    ({"method": "PATCH", "path": "/Users/1/emails", "data": DATA}, "400", "invalidPath"),
    ({"method": "DELETE", "path": "/Groups/"}, "400", "invalidPath"),
    ({"method": "POST", "path": "/Users", "bulkId": "x"}, "400", "invalidValue"),
    ({"method": "PUT", "path": "/Users/1"}, "400", "invalidValue"),
    ({"method": "PATCH", "path": "/Users/1", "data": [{"op": "add"}]}, "400", "invalidSyntax"),
    ({"method": "PUT", "path": "/Users/1", "version": 3, "data": DATA}, "400", "invalidValue"),
])
def test_a_malformed_operation_fails_alone(operation, status, scim_type):
    directory = Directory()
    results = run([operation, user("next")], directory)
    assert results[0]["status"] == status
    assert results[0]["response"] == {"schemas": [ERROR], "status": status, "scimType": scim_type,
                                      "detail": results[0]["response"]["detail"]}
    assert results[1]["status"] == "201" and len(directory.calls) == 1


def test_a_failed_item_operation_names_its_resource_but_a_failed_post_does_not():
    results = run([user("bad"), {"method": "PUT", "path": "/Users/42", "data": DATA},
                   {"method": "DELETE", "path": "/Users/42", "version": "W/\"1\""}], Directory(unparsable={"bad"}))
    assert [each.get("location") for each in results] == [None, f"{BASE}/Users/42", f"{BASE}/Users/42"]
    assert statuses(results) == ["400", "404", "404"]


def test_version_is_passed_for_put_patch_and_delete_only_and_delete_data_is_ignored():
    directory = Directory(existing=[("/Users/1", "W/\"a\"")])
    results = run([
        {"method": "POST", "path": "/Users", "bulkId": "u", "version": "W/\"x\"", "data": DATA},
        {"method": "PUT", "path": "/Users/1", "version": "W/\"a\"", "data": {"userName": "y"}},
        {"method": "PATCH", "path": "/Users/1", "version": "W/\"stale\"", "data": {"Operations": []}},
        {"method": "DELETE", "path": "/Users/1", "data": {"ignored": True}},
    ], directory)
    assert statuses(results) == ["201", "200", "412", "204"]
    assert [(call[0], call[2], call[3]) for call in directory.calls] == [
        ("POST", DATA, None), ("PUT", {"userName": "y"}, "W/\"a\""), ("PATCH", {"Operations": []}, "W/\"stale\""),
        ("DELETE", None, None)]


def test_successes_carry_no_response_and_failures_an_error_with_a_string_status():
    results = run([user("ok"), user("bad")], Directory(unparsable={"bad"}))
    assert "response" not in results[0]
    assert results[1]["response"] == {"schemas": [ERROR], "status": "400", "scimType": "invalidSyntax",
                                      "detail": UNPARSABLE}


# properties

JSON = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                    max_leaves=10)


def _either(*values):
    return st.sampled_from(values) | JSON


PLAUSIBLE = st.fixed_dictionaries({
    "method": st.sampled_from(["POST", "put", "PATCH", "DELETE"]),
    "path": st.sampled_from(["/Users", "/Groups", "/Users/1", "/Groups/bulkId:a", "/Users/bulkId:b"]),
    "bulkId": st.sampled_from(["a", "b", "c"]),
    "data": st.sampled_from([{"userName": "u"}, {"displayName": "g", "members": [{"value": "bulkId:a"}]},
                             {"userName": "bulkId:b"}, {"displayName": "h", "members": [{"value": "bulkId:c"}]}]),
}, optional={"version": st.sampled_from(['W/"1"', "*"])})
OPERATION = PLAUSIBLE | st.fixed_dictionaries({}, optional={
    "method": _either("POST", "GET"), "path": _either("/Users", "/Foo"), "bulkId": _either("a", ""),
    "version": JSON, "data": JSON})
BODY = JSON | st.fixed_dictionaries({"Operations": st.lists(OPERATION | JSON, max_size=6)},
                                    optional={"schemas": st.just([BULK_REQUEST]) | JSON,
                                              "failOnErrors": st.integers(-1, 3) | JSON})


@settings(max_examples=100)
@given(BODY)
def test_any_json_body_gives_a_bulk_response_or_a_scim_error(body):
    try:
        response = bulk.process(body, Directory(), 5, BASE)
    except errors.ScimError as error:
        assert 400 <= error.status < 500
        return
    assert response["schemas"] == [BULK_RESPONSE]
    for result in response["Operations"]:
        assert isinstance(result["status"], str)
        assert ("response" in result) == (int(result["status"]) >= 400)


@given(st.lists(st.tuples(st.booleans(), st.lists(st.integers(0, 7), max_size=3)), min_size=1, max_size=8))
def test_reference_graphs_run_dependencies_first_and_fail_only_what_cannot_resolve(spec):
    """Each POST i names bulkIds of others (7 is never declared); some are unparsable."""
    bad = {f"g{i}" for i, (unparsable, _) in enumerate(spec) if unparsable}
    directory = Directory(unparsable=bad)
    results = run([group(f"g{i}", *(f"bulkId:g{j}" for j in refs)) for i, (_, refs) in enumerate(spec)], directory)
    assert [each["bulkId"] for each in results] == [f"g{i}" for i in range(len(spec))]
    expected = _expected_successes(spec, bad)
    assert [each["status"] == "201" for each in results] == [i in expected for i in range(len(spec))]
    created = [call[2]["displayName"] for call in directory.calls if call[2]["displayName"] not in bad]
    for position, name in enumerate(created):
        assert {f"g{j}" for j in spec[int(name[1:])][1]} <= set(created[:position])


def _expected_successes(spec, bad):
    """Indexes that succeed: parsable, every reference declared and succeeding, on no cycle."""
    memo, active = {}, set()

    def succeeds(i):
        if i >= len(spec) or i in active:
            return False
        if i not in memo:
            active.add(i)
            memo[i] = f"g{i}" not in bad and all(succeeds(j) for j in spec[i][1])
            active.discard(i)
        return memo[i]

    return {i for i in range(len(spec)) if succeeds(i)}
