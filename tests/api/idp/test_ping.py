"""Ping Identity's SCIM provisioner (PingFederate SCIM Provisioner, PingOne SCIM connector), replayed.

Sources:
- docs.pingidentity.com PingOne "SCIM filter expressions": the admin may override the
  matching filter, e.g. ``username Eq "%s"`` (attribute and operator in any letter case).
  Documented.
- docs.pingidentity.com "SCIM Provisioner — User and group management" (PingFederate): users
  matched on ``userName``; user provisioning, updates, deprovisioning (disable or delete);
  group provisioning, group name updates, group membership updates, group deletion. Documented;
  the request bodies are not published.
- IDP_SOURCES.md: users are updated without PATCH (a full PUT), groups with PATCH.
  Documented there; the bodies are inferred (RFC 7644 forms).
- Bodies without ``schemas``: Ping's SCIM 1.1 heritage; no Ping document shows it. Inferred,
  kept because RFC 7643 readers must not fail on it here.
"""

import pytest

from . import GROUP, USER, connect, error_body, listing, member_ids, patched, scim_body


@pytest.fixture
def ping(app):
    return connect(app, "ping", {"Accept": "application/scim+json"})


def ping_user(user_name="jsmith", **changes):
    return {"schemas": [USER], "userName": user_name, "externalId": f"{user_name}-sAMAccountName",
            "name": {"givenName": "Janet", "familyName": "Smith"}, "displayName": "Janet Smith",
            "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}],
            "active": True, **changes}


def create_user(ping, user_name="jsmith", **changes):
    return scim_body(ping.post("/Users", json=ping_user(user_name, **changes)), 201)


def test_match_with_the_overridden_filter_expression(ping):
    created = create_user(ping)
    create_user(ping, "jdoe")
    for query in ('filter=username Eq "jsmith"', "filter=username%20Eq%20%22jsmith%22",
                  'filter=USERNAME EQ "JSmith"', 'filter=userName eq "jsmith"'):
        body = listing(ping.get(f"/Users?{query}"))
        assert [user["id"] for user in body["Resources"]] == [created["id"]], query
    assert listing(ping.get('/Users?filter=username Eq "nobody"'))["totalResults"] == 0


def test_users_are_updated_with_put(ping):
    created = create_user(ping)
    path = f"/Users/{created['id']}"
    body = ping_user(title="Director", name={"givenName": "Janet", "familyName": "Smith-Jones"},
                     displayName="Janet Smith-Jones")
    updated = scim_body(ping.put(path, json=body), 200)
    assert updated["id"] == created["id"]
    assert updated["title"] == "Director" and updated["name"]["familyName"] == "Smith-Jones"
    assert scim_body(ping.get(path), 200)["displayName"] == "Janet Smith-Jones"


def test_put_without_schemas(ping):
    created = create_user(ping)
    body = ping_user(title="Director")
    del body["schemas"]
    assert scim_body(ping.put(f"/Users/{created['id']}", json=body), 200)["title"] == "Director"
    group = {"displayName": "No Schemas"}
    assert scim_body(ping.post("/Groups", json=group), 201)["displayName"] == "No Schemas"


def test_deprovision_by_disabling_with_put(ping):
    created = create_user(ping)
    disabled = scim_body(ping.put(f"/Users/{created['id']}", json=ping_user(active=False)), 200)
    assert disabled["active"] is False
    assert listing(ping.get('/Users?filter=username Eq "jsmith"'))["Resources"][0]["active"] is False


def test_deprovision_by_deleting(ping):
    created = create_user(ping)
    assert ping.delete(f"/Users/{created['id']}").status_code == 204
    error_body(ping.get(f"/Users/{created['id']}"), 404)


def test_groups_are_provisioned_renamed_and_synced_with_patch(ping):
    first = create_user(ping, "jsmith")
    second = create_user(ping, "jdoe")
    group = scim_body(ping.post("/Groups", json={"schemas": [GROUP], "displayName": "Finance"}), 201)
    path = f"/Groups/{group['id']}"
    patched(ping, path, {"op": "add", "path": "members", "value": [{"value": first["id"]}, {"value": second["id"]}]})
    assert member_ids(scim_body(ping.get(path), 200)) == sorted([first["id"], second["id"]])

    patched(ping, path, {"op": "replace", "path": "displayName", "value": "Finance EMEA"})
    renamed = scim_body(ping.get(path), 200)
    assert renamed["displayName"] == "Finance EMEA"
    assert member_ids(renamed) == sorted([first["id"], second["id"]])

    patched(ping, path, {"op": "remove", "path": f'members[value eq "{first["id"]}"]'})
    assert member_ids(scim_body(ping.get(path), 200)) == [second["id"]]
    found = listing(ping.get('/Groups?filter=displayName Eq "finance emea"'))
    assert [g["id"] for g in found["Resources"]] == [group["id"]]

    assert ping.delete(path).status_code == 204
    error_body(ping.get(path), 404)
