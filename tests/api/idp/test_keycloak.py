"""Keycloak's SCIM client (mitodl/keycloak-scim, built on the UnboundID SCIM 2 SDK), replayed.

Sources (all read from the plugin's code, so every body below is inferred from code, not
captured on the wire):
- ``src/main/java/sh/libre/scim/core/UserAdapter.java`` ``toSCIM``: ``externalId`` is the
  Keycloak id, ``userName``, ``displayName``, ``emails`` holding one ``{primary, value}``
  without ``type``, ``active``, ``roles`` as ``[{value}]``; no ``name``. With ``addMeta`` (for
  a replace) ``id`` and a relative ``meta.location`` of ``Users/<id>``.
- ``GroupAdapter.java`` ``toSCIM``: ``id``, ``externalId``, ``displayName``, ``members`` with
  ``value`` and a relative ``$ref`` of ``Users/<id>``, set only when the group has members (so a
  group whose last member left is PUT without ``members``), relative ``meta.location``.
- ``ScimClient.java``: ``create`` is a POST, ``replace`` a PUT of the whole resource (UnboundID
  ``replaceRequest``), ``delete`` a DELETE, and ``importResources`` one unpaged
  ``searchRequest`` (``GET /Users`` with no ``startIndex``/``count``) whose ``Resources`` it
  reconciles, so everyone must come back in that one response.
"""

import pytest

from . import GROUP, USER, connect, error_body, listing, member_ids, scim_body, seed_users


@pytest.fixture
def keycloak(app):
    return connect(app, "keycloak", {"Accept": "application/scim+json"})


def kc_user(keycloak_id, user_name, **changes):
    return {"schemas": [USER], "externalId": keycloak_id, "userName": user_name,
            "displayName": "John Doe", "emails": [{"primary": True, "value": f"{user_name}@example.com"}],
            "active": True, "roles": [], **changes}


def create(keycloak, keycloak_id="f3a1c2d4-kc-user", user_name="jdoe"):
    return scim_body(keycloak.post("/Users", json=kc_user(keycloak_id, user_name)), 201)


def test_create_user_without_name_or_email_type(keycloak):
    body = create(keycloak)
    assert body["id"] and body["externalId"] == "f3a1c2d4-kc-user"
    assert body["userName"] == "jdoe" and body["displayName"] == "John Doe"
    assert body["emails"] == [{"primary": True, "value": "jdoe@example.com"}]
    assert "name" not in body
    assert body["active"] is True
    assert body.get("roles", []) == []


def test_replace_is_a_full_put_with_relative_meta_location(keycloak):
    created = create(keycloak)
    path = f"/Users/{created['id']}"
    body = kc_user("f3a1c2d4-kc-user", "jdoe", id=created["id"], displayName="John Q. Doe", active=False,
                   roles=[{"value": "scim-admin"}], meta={"location": f"Users/{created['id']}"})
    replaced = scim_body(keycloak.put(path, json=body), 200)
    assert replaced["id"] == created["id"]
    assert replaced["displayName"] == "John Q. Doe" and replaced["active"] is False
    assert replaced["roles"] == [{"value": "scim-admin"}]
    # The relative location sent is ignored; the server's own absolute one comes back.
    assert replaced["meta"]["location"].startswith("http")
    assert replaced["meta"]["location"].endswith(f"/plugins/servlet/usersync/scim/Users/{created['id']}")
    assert scim_body(keycloak.get(path), 200)["displayName"] == "John Q. Doe"


def test_replace_without_emails_clears_them(keycloak):
    """A Keycloak user whose email was removed is PUT with ``"emails": []``."""
    created = create(keycloak)
    body = kc_user("f3a1c2d4-kc-user", "jdoe", id=created["id"], emails=[],
                   meta={"location": f"Users/{created['id']}"})
    replaced = scim_body(keycloak.put(f"/Users/{created['id']}", json=body), 200)
    assert "emails" not in replaced


def test_group_membership_by_full_put(keycloak):
    first = create(keycloak, "kc-1", "alice")
    second = create(keycloak, "kc-2", "bob")
    created = scim_body(keycloak.post("/Groups", json={"schemas": [GROUP], "externalId": "kc-group-1",
                                                       "displayName": "devs"}), 201)
    assert created.get("members", []) == []
    path = f"/Groups/{created['id']}"

    def put(*members):
        body = {"schemas": [GROUP], "id": created["id"], "externalId": "kc-group-1", "displayName": "devs",
                "meta": {"location": f"Groups/{created['id']}"}}
        if members:  # GroupAdapter sets members only when there are some
            body["members"] = [{"value": m["id"], "$ref": f"Users/{m['id']}"} for m in members]
        return scim_body(keycloak.put(path, json=body), 200)

    both = put(first, second)
    assert member_ids(both) == sorted([first["id"], second["id"]])
    for member in both["members"]:
        assert member["$ref"].endswith(f"/plugins/servlet/usersync/scim/Users/{member['value']}")
    assert member_ids(put(second)) == [second["id"]]
    emptied = put()
    assert member_ids(emptied) == []
    assert member_ids(scim_body(keycloak.get(path), 200)) == []
    assert scim_body(keycloak.get(f"/Users/{second['id']}"), 200).get("groups", []) == []


def test_delete_user_and_group(keycloak):
    user = create(keycloak)
    group = scim_body(keycloak.post("/Groups", json={"schemas": [GROUP], "externalId": "kc-group-1",
                                                     "displayName": "devs"}), 201)
    assert keycloak.delete(f"/Users/{user['id']}").status_code == 204
    assert keycloak.delete(f"/Groups/{group['id']}").status_code == 204
    error_body(keycloak.get(f"/Users/{user['id']}"), 404)
    error_body(keycloak.get(f"/Groups/{group['id']}"), 404)


def test_unpaged_import_returns_everyone(app, keycloak):
    """``importResources`` sends one ``GET /Users`` and reconciles only what comes back."""
    expected = seed_users(keycloak, 150, "kc")
    body = listing(keycloak.get("/Users"))
    assert body["totalResults"] == 150
    assert body["startIndex"] == 1
    wanted = min(150, app.config["SCIM_MAX_RESULTS"])
    assert len(body["Resources"]) == wanted
    assert {user["id"] for user in body["Resources"]} == set(expected)
