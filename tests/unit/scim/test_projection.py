"""The default projection: documents shown whole skip the walk, and the walk would agree."""

from scim import projection
from scim.attributes import GROUP_RESOURCE, USER_RESOURCE

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", ENTERPRISE], "id": "1", "userName": "bjensen",
        "name": {"givenName": "Barbara"}, "emails": [{"value": "b@example.com", "primary": True}],
        ENTERPRISE: {"department": "Tours", "manager": {"value": "2"}},
        "groups": [{"value": "g", "display": "Guides", "type": "direct"}], "meta": {"version": 'W/"1"'}}
GROUP = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "id": "g", "displayName": "Guides",
         "members": [{"value": str(n), "type": "User"} for n in range(50)], "meta": {"version": 'W/"3"'}}


def test_a_document_with_nothing_to_hide_is_returned_as_it_is():
    assert projection.apply(USER_RESOURCE, USER) is USER
    assert projection.apply(GROUP_RESOURCE, GROUP) is GROUP


def test_the_shortcut_agrees_with_the_full_walk():
    for rtype, doc in ((USER_RESOURCE, USER), (GROUP_RESOURCE, GROUP)):
        assert projection.apply(rtype, doc) == projection.apply(rtype, doc, exclude=set())


def test_a_password_or_an_unknown_key_takes_the_full_walk():
    assert "password" not in projection.apply(USER_RESOURCE, {**USER, "password": "secret"})
    assert "bogus" not in projection.apply(USER_RESOURCE, {**USER, "bogus": 1})
    shown = projection.apply(USER_RESOURCE, {**USER, ENTERPRISE: {"department": "Tours", "bogus": 1}})
    assert shown[ENTERPRISE] == {"department": "Tours"}
