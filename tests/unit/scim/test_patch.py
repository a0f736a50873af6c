"""RFC 7644 §3.5.2 PATCH engine: the RFC's examples, each IdP's requests, errors, properties."""

import copy
import json
import pathlib
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scim2_models.path import Path

from scim import errors, normalize, value_filter
from scim.attributes import GROUP_RESOURCE, USER_RESOURCE, Attribute
from scim.constants import ENTERPRISE_USER, PATCH_OP
from scim.constants import USER as CORE_USER
from scim.patch import apply

FIXTURES = pathlib.Path(__file__).parents[2] / "fixtures" / "rfc7644"
RESOURCE_TYPES = {"User": USER_RESOURCE, "Group": GROUP_RESOURCE}

USER = {
    "id": "u1",
    "userName": "bjensen",
    "name": {"givenName": "Barbara", "familyName": "Jensen"},
    "active": True,
    "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}],
    "meta": {"resourceType": "User", "created": "2011-08-01T18:29:49Z"},
    ENTERPRISE_USER: {"employeeNumber": "701984", "manager": {"value": "m1"}},
}
GROUP = {
    "id": "g1",
    "displayName": "Tour Guides",
    "members": [{"value": "a"}, {"value": "b"}, {"value": "c"}],
    "meta": {"resourceType": "Group"},
}


def patch(rtype, document, *operations):
    """Apply operations as a PatchOp body; the input document must come back untouched."""
    before = copy.deepcopy(document)
    result = apply(rtype, document, {"schemas": [PATCH_OP], "Operations": list(operations)})
    assert document == before
    return result


def raises(error, rtype, document, *operations):
    with pytest.raises(error) as caught:
        patch(rtype, document, *operations)
    return caught.value


# RFC 7644 §3.5.2 examples, one JSON file each.

@pytest.mark.parametrize("fixture", sorted(FIXTURES.glob("rfc7644-3.5.2*.json")), ids=lambda path: path.stem)
def test_rfc7644_example(fixture):
    case = json.loads(fixture.read_text())
    rtype = RESOURCE_TYPES[case["resourceType"]]
    assert normalize.resource(rtype, case["before"], keep_read_only=True) == case["before"]
    if "error" in case:
        with pytest.raises(errors.ScimError) as caught:
            apply(rtype, case["before"], case["request"])
        expected = case["error"]
        assert (caught.value.status, caught.value.scim_type) == (expected["status"], expected["scimType"])
    else:
        assert apply(rtype, case["before"], case["request"]) == case["after"]


def test_every_rfc_section_has_a_fixture():
    names = {path.stem for path in FIXTURES.glob("rfc7644-3.5.2*.json")}
    for section in ("3.5.2.1", "3.5.2.2", "3.5.2.3"):
        assert any(name.startswith(f"rfc7644-{section}-") for name in names)


# The PatchOp message.

@pytest.mark.parametrize("body", [
    None, [], "PATCH", 3, {}, {"Operations": []}, {"Operations": {}}, {"Operations": None},
    {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
     "Operations": [{"op": "add", "path": "title", "value": "x"}]},
    {"Operations": [1]}, {"Operations": [{"path": "title"}]},
    {"Operations": [{"op": "move", "path": "title"}]}, {"Operations": [{"op": 1, "path": "title"}]},
])
def test_malformed_body_is_invalid_syntax(body):
    with pytest.raises(errors.InvalidSyntax):
        apply(USER_RESOURCE, USER, body)


def test_missing_schemas_and_lower_case_operations_are_tolerated():
    body = {"operations": [{"op": "replace", "path": "title", "value": "Tour Guide"}]}
    assert apply(USER_RESOURCE, USER, body)["title"] == "Tour Guide"


@pytest.mark.parametrize("op", ["add", "Add", "ADD", "replace", "Replace"])
def test_op_is_case_insensitive(op):
    # Microsoft Entra ID (without aadOptscim062020) sends "Add", "Replace", "Remove".
    assert patch(USER_RESOURCE, USER, {"op": op, "path": "nickName", "value": "Babs"})["nickName"] == "Babs"


@pytest.mark.parametrize("operation, error", [
    ({"op": "add", "path": "title"}, errors.InvalidValue),
    ({"op": "add", "path": "title", "value": None}, errors.InvalidValue),
    ({"op": "replace", "path": "title"}, errors.InvalidValue),
    ({"op": "replace", "value": None}, errors.InvalidValue),
    ({"op": "add", "value": "Babs"}, errors.InvalidValue),
    ({"op": "replace", "path": 7, "value": "x"}, errors.InvalidPath),
    ({"op": "replace", "path": "displayName", "value": ["a", "b"]}, errors.InvalidValue),
    ({"op": "replace", "path": "active", "value": "maybe"}, errors.InvalidValue),
    ({"op": "replace", "path": "name", "value": 3}, errors.InvalidValue),
    ({"op": "replace", "path": "emails[type eq \"work\"]", "value": [{"value": "a"}, {"value": "b"}]},
     errors.InvalidValue),
])
def test_bad_operation(operation, error):
    raises(error, USER_RESOURCE, USER, operation)


def test_error_detail_names_the_operation():
    error = raises(errors.InvalidPath, USER_RESOURCE, USER,
                   {"op": "replace", "path": "title", "value": "x"}, {"op": "remove", "path": "nope"})
    assert error.detail.startswith("Operations[1]: ")


# Paths.

@pytest.mark.parametrize("path", [
    "emails[", "nope", "name.nope", "userName.value", "name[givenName eq \"x\"]", "emails[nope eq \"x\"]",
    "emails[primary gt true]", "emails[value eq 5]", "emails[name.x eq \"a\"]", "a b",
    "emails[type eq \"x\"].", "urn:ietf:params:scim:schemas:core:2.0:Group:displayName",
    "urn:ietf:params:scim:schemas:extension:acme:2.0:User:x",
])
@pytest.mark.parametrize("op", ["add", "replace", "remove"])
def test_invalid_path(path, op):
    raises(errors.InvalidPath, USER_RESOURCE, USER, {"op": op, "path": path, "value": "x"})


@pytest.mark.parametrize("path", [
    "employeeNumber", "EMPLOYEENUMBER", f"{ENTERPRISE_USER}:employeeNumber",
    "urn:scim:schemas:extension:enterprise:2.0:employeeNumber",
])
def test_extension_attribute_paths(path):
    result = patch(USER_RESOURCE, USER, {"op": "replace", "path": path, "value": "42"})
    assert result[ENTERPRISE_USER]["employeeNumber"] == "42"


def test_attribute_names_and_core_urn_are_case_insensitive():
    result = patch(USER_RESOURCE, USER,
                   {"op": "replace", "path": "NAME.GIVENNAME", "value": "Babs"},
                   {"op": "replace", "path": f"{CORE_USER}:title", "value": "T"})
    assert result["name"] == {"givenName": "Babs", "familyName": "Jensen"} and result["title"] == "T"


def test_errata_7122_bare_comparison_path_selects_values():
    document = {**USER, "emails": USER["emails"] + [{"value": "babs@jensen.org", "type": "home"}]}
    result = patch(USER_RESOURCE, document, {"op": "remove", "path": "emails.type eq \"work\""})
    assert result["emails"] == [{"value": "babs@jensen.org", "type": "home"}]


# Mutability (RFC 7644 §3.5.2 and §3.5.2.2).

@pytest.mark.parametrize("rtype, operation", [
    (USER_RESOURCE, {"op": "replace", "path": "id", "value": "u2"}),
    (USER_RESOURCE, {"op": "remove", "path": "id"}),
    (USER_RESOURCE, {"op": "add", "path": "meta", "value": {"version": "W/\"1\""}}),
    (USER_RESOURCE, {"op": "replace", "path": "meta.created", "value": "2020-01-01T00:00:00Z"}),
    (USER_RESOURCE, {"op": "add", "path": "groups", "value": [{"value": "g1"}]}),
    (USER_RESOURCE, {"op": "remove", "path": "groups[value eq \"g1\"]"}),
    (USER_RESOURCE, {"op": "replace", "path": "manager.displayName", "value": "Boss"}),
    (USER_RESOURCE, {"op": "remove", "path": "userName"}),
    (USER_RESOURCE, {"op": "replace", "path": "userName", "value": None}),
    (USER_RESOURCE, {"op": "replace", "path": "userName", "value": ""}),
    (USER_RESOURCE, {"op": "replace", "value": {"userName": None}}),
    (GROUP_RESOURCE, {"op": "remove", "path": "displayName"}),
    (GROUP_RESOURCE, {"op": "replace", "path": "members[value eq \"a\"].display", "value": "A"}),
    (GROUP_RESOURCE, {"op": "replace", "path": "members[value eq \"a\"].value", "value": "z"}),
    (GROUP_RESOURCE, {"op": "remove", "path": "members.value"}),
])
def test_mutability(rtype, operation):
    raises(errors.Mutability, rtype, USER if rtype is USER_RESOURCE else GROUP, operation)


def test_immutable_sub_attribute_may_be_added_where_it_had_no_value():
    group = {**GROUP, "members": [{"value": "a"}]}
    result = patch(GROUP_RESOURCE, group,
                   {"op": "add", "path": "members[value eq \"a\"].type", "value": "User"})
    assert result["members"] == [{"value": "a", "type": "User"}]


def test_atomic_error_leaves_input_untouched():
    raises(errors.InvalidPath, USER_RESOURCE, USER,
           {"op": "remove", "path": "emails"}, {"op": "replace", "path": "nope", "value": 1})


# RFC 7644 §3.5.2.1 add, §3.5.2.2 remove, §3.5.2.3 replace.

def test_add_to_complex_merges_and_replace_keeps_unnamed_sub_attributes():
    added = patch(USER_RESOURCE, USER, {"op": "add", "path": "name", "value": {"middleName": "Jane"}})
    replaced = patch(USER_RESOURCE, USER, {"op": "replace", "path": "name", "value": {"givenName": "Babs"}})
    assert added["name"] == {"givenName": "Barbara", "familyName": "Jensen", "middleName": "Jane"}
    assert replaced["name"] == {"givenName": "Babs", "familyName": "Jensen"}


def test_add_multi_valued_appends_without_duplicates():
    result = patch(USER_RESOURCE, USER, {"op": "add", "path": "emails", "value": [
        {"value": "BJensen@Example.com", "type": "WORK"}, {"value": "babs@jensen.org", "type": "home"}]})
    assert result["emails"] == USER["emails"] + [{"value": "babs@jensen.org", "type": "home"}]


def test_add_members_dedupes_by_value():
    new = [{"value": "a", "type": "User"}, {"value": "d"}, {"value": "d"}]
    result = patch(GROUP_RESOURCE, GROUP, {"op": "add", "path": "members", "value": new})
    assert result["members"] == [new[0], {"value": "b"}, {"value": "c"}, {"value": "d"}]


def test_replace_multi_valued_replaces_all():
    result = patch(GROUP_RESOURCE, GROUP, {"op": "replace", "path": "members", "value": [{"value": "z"}]})
    assert result["members"] == [{"value": "z"}]


def test_replace_with_filter_merges_into_every_match():
    emails = [{"value": "a@x.org", "type": "work"}, {"value": "b@x.org", "type": "work"}]
    result = patch(USER_RESOURCE, {**USER, "emails": emails},
                   {"op": "replace", "path": "emails[type eq \"work\"]", "value": {"display": "W"}})
    assert result["emails"] == [{"value": "a@x.org", "type": "work", "display": "W"},
                                {"value": "b@x.org", "type": "work", "display": "W"}]


def test_filtered_sub_attribute_replace_matching_nothing_without_eq_is_no_target():
    raises(errors.NoTarget, USER_RESOURCE, USER,
           {"op": "replace", "path": "emails[type ne \"work\"].value", "value": "x@y.org"})


def test_primary_true_clears_the_others():
    home = {"value": "babs@jensen.org", "type": "home", "primary": True}
    result = patch(USER_RESOURCE, USER, {"op": "add", "path": "emails", "value": [home]})
    assert [email.get("primary") for email in result["emails"]] == [False, True]


def test_two_primaries_are_invalid():
    raises(errors.InvalidValue, USER_RESOURCE, USER, {"op": "replace", "path": "emails", "value": [
        {"value": "a@x.org", "primary": True}, {"value": "b@x.org", "primary": True}]})


def test_remove_with_filter_matching_nothing_changes_nothing():
    # Idempotent: IdPs retry a removal whose first attempt already succeeded.
    assert patch(GROUP_RESOURCE, GROUP, {"op": "remove", "path": "members[value eq \"zz\"]"}) == GROUP


def test_remove_sub_attribute_and_last_values_leave_nothing_empty():
    result = patch(USER_RESOURCE, USER,
                   {"op": "remove", "path": "name.givenName"}, {"op": "remove", "path": "name.familyName"},
                   {"op": "remove", "path": "emails[type eq \"work\"]"},
                   {"op": "remove", "path": "employeeNumber"}, {"op": "remove", "path": "manager"})
    assert result == {"id": "u1", "userName": "bjensen", "active": True, "meta": USER["meta"]}


def test_remove_filtered_value_sub_attribute_drops_the_entry():
    result = patch(USER_RESOURCE, USER, {"op": "remove", "path": "emails[type eq \"work\"].value"})
    assert "emails" not in result


def test_remove_whole_extension_by_urn_path():
    assert ENTERPRISE_USER not in patch(USER_RESOURCE, USER, {"op": "remove", "path": ENTERPRISE_USER})


def test_pathless_add_with_nested_extension_object():
    result = patch(USER_RESOURCE, USER, {"op": "add", "value": {ENTERPRISE_USER: {"department": "Tours"}}})
    assert result[ENTERPRISE_USER] == {**USER[ENTERPRISE_USER], "department": "Tours"}


def test_one_element_list_for_a_single_value():
    result = patch(USER_RESOURCE, USER, {"op": "replace", "path": "displayName", "value": ["Babs"]},
                   {"op": "replace", "path": "name.givenName", "value": ["B"]})
    assert (result["displayName"], result["name"]["givenName"]) == ("Babs", "B")


# Okta.

def test_okta_pathless_replace_echoing_id():
    result = patch(GROUP_RESOURCE, GROUP, {"op": "replace", "value": {"id": "g1", "displayName": "Guides"}})
    assert result == {**GROUP, "displayName": "Guides"}


def test_okta_deactivate_with_pathless_value():
    assert patch(USER_RESOURCE, USER, {"op": "replace", "value": {"active": False}})["active"] is False


def test_okta_group_push_add_and_remove_members():
    result = patch(GROUP_RESOURCE, GROUP,
                   {"op": "add", "path": "members", "value": [{"value": "d", "display": "dee@example.com"}]},
                   {"op": "remove", "path": "members[value eq \"b\"]"})
    assert result["members"] == [{"value": "a"}, {"value": "c"}, {"value": "d", "display": "dee@example.com"}]


@pytest.mark.parametrize("operation", [
    {"op": "replace", "path": "members", "value": [{"value": "x"}, {"value": "y"}]},
    {"op": "replace", "value": {"id": "g1", "members": [{"value": "x"}, {"value": "y"}]}},
])
def test_okta_full_members_replace(operation):
    assert patch(GROUP_RESOURCE, GROUP, operation)["members"] == [{"value": "x"}, {"value": "y"}]


# Microsoft Entra ID, default (legacy) PATCH and with aadOptscim062020.

def test_entra_disable_user_both_modes():
    legacy = {"op": "Replace", "path": "active", "value": "False"}
    compliant = {"op": "replace", "path": "active", "value": False}
    assert patch(USER_RESOURCE, USER, legacy)["active"] is False
    assert patch(USER_RESOURCE, USER, compliant)["active"] is False


def test_entra_legacy_replace_multiple_attributes():
    result = patch(USER_RESOURCE, {**USER, "emails": []},
                   {"op": "Replace", "path": "displayName", "value": "Pvlo"},
                   {"op": "Replace", "path": "emails[type eq \"work\"].value",
                    "value": "TestBcwqnm@test.microsoft.com"},
                   {"op": "Replace", "path": "name.givenName", "value": "Gtfd"},
                   {"op": "Replace", "path": "name.familyName", "value": "Pkqf"},
                   {"op": "Replace", "path": "externalId", "value": "Eqpj"},
                   {"op": "Replace", "path": f"{ENTERPRISE_USER}:employeeNumber", "value": "Eqpj"})
    assert result["emails"] == [{"type": "work", "value": "TestBcwqnm@test.microsoft.com"}]
    assert (result["displayName"], result["name"], result["externalId"]) == (
        "Pvlo", {"givenName": "Gtfd", "familyName": "Pkqf"}, "Eqpj")
    assert result[ENTERPRISE_USER]["employeeNumber"] == "Eqpj"


def test_entra_compliant_pathless_replace_with_dotted_and_urn_keys():
    result = patch(USER_RESOURCE, USER,
                   {"op": "replace", "path": "emails[type eq \"work\"].value",
                    "value": "TestMhvaes@test.microsoft.com"},
                   {"op": "replace", "value": {"displayName": "Bjfe", "name.givenName": "Kkom",
                                               "name.familyName": "Unua",
                                               f"{ENTERPRISE_USER}:employeeNumber": "Aklq"}})
    assert result["emails"] == [{"value": "TestMhvaes@test.microsoft.com", "type": "work", "primary": True}]
    assert result["name"] == {"givenName": "Kkom", "familyName": "Unua"} and result["displayName"] == "Bjfe"
    assert result[ENTERPRISE_USER]["employeeNumber"] == "Aklq"


def test_entra_pathless_dotted_null_clears_only_that_sub_attribute():
    result = patch(USER_RESOURCE, USER, {"op": "replace", "value": {"name.givenName": None}})
    assert result["name"] == {"familyName": "Jensen"}


def test_entra_legacy_remove_members_with_value_list_removes_only_those():
    result = patch(GROUP_RESOURCE, GROUP,
                   {"op": "Remove", "path": "members", "value": [{"value": "b"}, {"value": "c"}]})
    assert result["members"] == [{"value": "a"}]


def test_entra_compliant_remove_member_by_filter():
    assert patch(GROUP_RESOURCE, GROUP, {"op": "remove", "path": "members[value eq \"a\"]"})["members"] == [
        {"value": "b"}, {"value": "c"}]


def test_member_ids_are_case_exact():
    """Resource ids are case-sensitive strings (Okta's SCIM guide), so "A" is not member "a"."""
    assert patch(GROUP_RESOURCE, GROUP, {"op": "remove", "path": "members[value eq \"A\"]"})["members"] == [
        {"value": "a"}, {"value": "b"}, {"value": "c"}]


def test_entra_manager_as_bare_string():
    result = patch(USER_RESOURCE, USER, {"op": "replace", "path": "manager", "value": "m2"})
    assert result[ENTERPRISE_USER]["manager"] == {"value": "m2"}


@pytest.mark.parametrize("value", [{"value": ""}, "", None, [{"value": ""}]])
@pytest.mark.parametrize("path", ["manager", f"{ENTERPRISE_USER}:manager"])
def test_entra_manager_removal(path, value):
    result = patch(USER_RESOURCE, USER, {"op": "replace", "path": path, "value": value})
    assert result[ENTERPRISE_USER] == {"employeeNumber": "701984"}


@pytest.mark.parametrize("op", ["Add", "replace"])
@pytest.mark.parametrize("path, value, created", [
    ("emails[type eq \"work\"].value", "w@x.org", {"type": "work", "value": "w@x.org"}),
    ("phoneNumbers[type eq \"mobile\"].value", "+1 555", {"type": "mobile", "value": "+1 555"}),
    ("addresses[type eq \"work\"].formatted", "1 Main St", {"type": "work", "formatted": "1 Main St"}),
    ("emails[primary eq true].value", "p@x.org", {"primary": True, "value": "p@x.org"}),
])
def test_entra_filtered_sub_attribute_creates_the_missing_entry(op, path, value, created):
    # Captain-P-Goldfish/SCIM-SDK#416: Entra expects the entry its filter names to appear.
    document = {key: item for key, item in USER.items() if key != "emails"}
    result = patch(USER_RESOURCE, document, {"op": op, "path": path, "value": value})
    assert result[path.split("[")[0]] == [created]


def test_entra_successive_sub_attributes_fill_one_entry():
    # Captain-P-Goldfish/SCIM-SDK#680: the second op must find the entry the first created.
    parts = (("formatted", "F"), ("locality", "L"), ("region", "R"))
    operations = ({"op": "add", "path": f"addresses[type eq \"work\"].{sub}", "value": value}
                  for sub, value in parts)
    result = patch(USER_RESOURCE, USER, *operations)
    assert result["addresses"] == [{"type": "work", "formatted": "F", "locality": "L", "region": "R"}]


def test_entra_clearing_email_value_removes_the_email():
    assert "emails" not in patch(USER_RESOURCE, USER,
                                 {"op": "Replace", "path": "emails[type eq \"work\"].value", "value": ""})


# The value filter evaluator.

EMAIL = USER_RESOURCE.schema.attribute("emails")
EXACT = Attribute("codes", "complex", multi_valued=True, sub_attributes=(
    Attribute("value", case_exact=True), Attribute("rank", "integer")))


def select(attribute, text, entries):
    match = value_filter.matcher(attribute, Path(f"{attribute.name}[{text}]").ast.val_filter)
    return [entry for entry in entries if match(entry)]


ENTRIES = [{"value": "Babs@Example.com", "type": "work", "primary": True},
           {"value": "babs@jensen.org", "type": "home"}, {"value": "x@example.com"}]


@pytest.mark.parametrize("text, expected", [
    ('value eq "babs@example.com"', [0]), ('value ne "babs@example.com"', [1, 2]), ('value co "JENSEN"', [1]),
    ('value sw "babs"', [0, 1]), ('value ew ".COM"', [0, 2]), ('type gt "home"', [0]),
    ('type ge "home"', [0, 1]),
    ('type lt "work"', [1]), ('type le "work"', [0, 1]), ("type pr", [0, 1]), ("not (type pr)", [2]),
    ('type eq "work" or value ew "org"', [0, 1]), ('type eq "work" and primary eq true', [0]),
    ("primary eq false", []), ("type eq null", [2]), ('not (type eq "work") and value co "@"', [1, 2]),
])
def test_value_filter_operators(text, expected):
    assert select(EMAIL, text, ENTRIES) == [ENTRIES[index] for index in expected]


def test_value_filter_respects_case_exact():
    entries = [{"value": "ABC", "rank": 2}, {"value": "abc", "rank": 10}]
    assert select(EXACT, 'value eq "abc"', entries) == [entries[1]]
    assert select(EXACT, "rank gt 5", entries) == [entries[1]]


@pytest.mark.parametrize("text, seed", [
    ('type eq "work"', {"type": "work"}),
    ('TYPE eq "Work" and primary eq true', {"type": "Work", "primary": True}),
    ('type eq "work" or type eq "home"', None), ('type co "w"', None), ('type eq "a" and type eq "b"', None),
    ("type eq null", None),
])
def test_value_filter_seed(text, seed):
    assert value_filter.seed(EMAIL, Path(f"emails[{text}]").ast.val_filter) == seed


# Size and robustness.

def test_one_add_and_one_remove_on_a_20000_member_group_is_fast():
    group = {"id": "g", "displayName": "Everyone", "members": [{"value": f"user-{n}"} for n in range(20000)]}
    started = time.perf_counter()
    result = patch(GROUP_RESOURCE, group, {"op": "add", "path": "members", "value": [{"value": "new"}]},
                   {"op": "remove", "path": "members[value eq \"user-19999\"]"})
    assert time.perf_counter() - started < 2
    assert len(result["members"]) == 20000 and result["members"][-1] == {"value": "new"}


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=8)
PATHS = st.sampled_from([
    "", "userName", "name", "name.givenName", "emails", 'emails[type eq "work"]',
    'emails[type eq "work"].value', "emails.type", 'emails.value eq "x"', "manager", "manager.value",
    f"{ENTERPRISE_USER}:manager", ENTERPRISE_USER, "members", 'members[value eq "a"]', "members.value",
    "displayName", "active", "id", "meta.created", "addresses", "x509Certificates", "groups", "nope",
    "emails[",
    'phoneNumbers[type eq "mobile" and primary eq true].value',
]) | st.text(max_size=12)
OPERATIONS = st.lists(st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "Remove", "REPLACE", "move"])},
    optional={"path": PATHS, "value": JSON | st.dictionaries(PATHS, JSON, max_size=3)}),
    min_size=1, max_size=4)
FAST = settings(max_examples=100, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(body=JSON | st.fixed_dictionaries({"Operations": JSON}))
def test_arbitrary_bodies_raise_only_scim_errors(body):
    try:
        apply(USER_RESOURCE, USER, body)
    except errors.ScimError:
        pass


@FAST
@given(operations=OPERATIONS, user=st.booleans())
def test_arbitrary_operations_raise_only_scim_errors_and_leave_no_empties(operations, user):
    rtype, document = (USER_RESOURCE, USER) if user else (GROUP_RESOURCE, GROUP)
    try:
        result = patch(rtype, document, *operations)
    except errors.ScimError:
        return
    assert result["id"] == document["id"] and result["meta"] == document["meta"]
    assert result == _without_empties(result)


def _without_empties(value):
    if isinstance(value, dict):
        return {key: _without_empties(item) for key, item in value.items() if item not in (None, [], {})}
    if isinstance(value, list):
        return [_without_empties(item) for item in value if item not in (None, [], {})]
    return value
