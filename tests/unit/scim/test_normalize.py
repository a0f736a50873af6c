"""Inbound canonicalization: names, URNs, types, IdP tolerances, and what is refused."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scim import errors, normalize, validation
from scim.attributes import GROUP_RESOURCE, USER_RESOURCE
from scim.constants import ENTERPRISE_USER

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=20,
)
NAMES = st.sampled_from(["userName", "USERNAME", "name", "emails", "active", "password", "displayName",
                         "members", "externalId", "id", "meta", "schemas", ENTERPRISE_USER,
                         f"{ENTERPRISE_USER}:manager", "name.givenName", "phoneNumbers", "addresses"])


def test_names_are_case_insensitive_and_canonical():
    doc = normalize.resource(USER_RESOURCE, {"USERNAME": "bob", "Name": {"GIVENNAME": "Bob"}})
    assert doc == {"userName": "bob", "name": {"givenName": "Bob"}}


def test_read_only_attributes_and_unknowns_are_dropped():
    doc = normalize.resource(USER_RESOURCE, {"userName": "bob", "id": "x", "meta": {}, "groups": [], "shoe": 9})
    assert doc == {"userName": "bob"}


def test_legacy_onelogin_urns_map_to_rfc_urns():
    doc = normalize.resource(USER_RESOURCE, {"userName": "bob",
                                             "urn:scim:schemas:extension:enterprise:2.0": {"department": "R&D"}})
    assert doc[ENTERPRISE_USER] == {"department": "R&D"}


def test_entra_string_booleans_and_bare_manager():
    doc = normalize.resource(USER_RESOURCE, {"userName": "bob", "active": "False",
                                             ENTERPRISE_USER: {"manager": "42"}})
    assert doc["active"] is False and doc[ENTERPRISE_USER]["manager"] == {"value": "42"}


def test_scalar_for_list_and_one_element_list_for_scalar():
    doc = normalize.resource(USER_RESOURCE, {"userName": ["bob"], "emails": {"value": "b@x.org"}})
    assert doc == {"userName": "bob", "emails": [{"value": "b@x.org"}]}


def test_microsoft_validator_member_display_name_alias():
    doc = normalize.resource(GROUP_RESOURCE, {"displayName": "G", "members": [{"value": "1", "displayName": "U"}]})
    assert doc["members"] == [{"value": "1", "display": "U"}]


def test_empty_string_is_unassigned():
    assert normalize.resource(USER_RESOURCE, {"userName": "bob", "title": ""}) == {"userName": "bob"}


@pytest.mark.parametrize("body", [
    {"userName": "a\x00b"}, {"userName": "\ud800"}, {"userName": "x" * 256},
    {"userName": "bob", "emails": [{"value": "\x00"}]}, {"userName": "bob", "title": 7},
    {"userName": "bob", "active": 1}, {"userName": "bob", "emails": "nope"}, {"userName": ["a", "b"]},
])
def test_unstorable_or_mistyped_values_are_invalid_value(body):
    with pytest.raises(errors.InvalidValue):
        validation.inbound(USER_RESOURCE, body)


def test_required_user_name():
    with pytest.raises(errors.InvalidValue):
        validation.inbound(USER_RESOURCE, {"displayName": "x"})


def test_group_body_posted_to_users_is_refused():
    with pytest.raises(errors.InvalidSyntax):
        validation.inbound(USER_RESOURCE, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                           "userName": "x"})


@settings(max_examples=300, deadline=None)
@given(st.one_of(JSON, st.dictionaries(NAMES, JSON, max_size=6)))
def test_any_json_is_canonical_or_a_scim_error(body):
    for rtype in (USER_RESOURCE, GROUP_RESOURCE):
        try:
            doc = validation.inbound(rtype, body)
        except errors.ScimError:
            continue
        assert doc == normalize.resource(rtype, doc, keep_read_only=True)  # canonical form is a fixed point
