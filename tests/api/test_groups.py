"""/Groups through the app: members, uniqueness, PATCH membership, excludedAttributes."""

from tests.conftest import assert_scim_error

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def user(scim, name):
    response = scim.post("/Users", json={"userName": name, "displayName": name.title()})
    assert response.status_code == 201
    return response.get_json()["id"]


def group(scim, name, members=()):
    body = {"schemas": [GROUP], "displayName": name, "members": [{"value": m} for m in members]}
    response = scim.post("/Groups", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def patch(scim, group_id, *operations):
    return scim.patch(f"/Groups/{group_id}", json={"schemas": [PATCH], "Operations": list(operations)})


def test_create_with_members_shows_display_type_and_ref(scim):
    alice = user(scim, "alice")
    body = {"displayName": "Tour Guides", "members": [{"value": alice, "display": "Alice"}]}
    created = scim.post("/Groups", json=body).get_json()
    assert created["members"] == [{"value": alice, "type": "User", "display": "Alice",
                                   "$ref": created["meta"]["location"].replace(f"Groups/{created['id']}", f"Users/{alice}")}]


def test_display_name_is_unique_case_insensitively(scim):
    group(scim, "Admins")
    assert_scim_error(scim.post("/Groups", json={"displayName": "ADMINS"}), 409, "uniqueness")


def test_unknown_member_is_refused_and_nothing_is_stored(scim):
    assert_scim_error(scim.post("/Groups", json={"displayName": "X", "members": [{"value": "nope"}]}), 400, "invalidValue")
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def test_patch_add_and_remove_members(scim):
    alice, bob = user(scim, "alice"), user(scim, "bob")
    created = group(scim, "Guides", [alice])
    response = patch(scim, created["id"], {"op": "add", "path": "members", "value": [{"value": bob}]})
    assert response.status_code == 204 and response.data == b""
    assert response.headers["ETag"] == 'W/"2"'
    assert {m["value"] for m in scim.get(f"/Groups/{created['id']}").get_json()["members"]} == {alice, bob}
    response = patch(scim, created["id"], {"op": "remove", "path": f'members[value eq "{alice}"]'})
    assert [m["value"] for m in scim.get(f"/Groups/{created['id']}").get_json()["members"]] == [bob]
    assert response.headers["ETag"] == 'W/"3"'
    again = patch(scim, created["id"], {"op": "add", "path": "members", "value": [{"value": bob}]})
    assert again.headers["ETag"] == 'W/"3"' == scim.get(f"/Groups/{created['id']}").get_json()["meta"]["version"]


def test_patch_answers_the_group_when_the_request_asks_for_attributes(scim):
    """RFC 7644 §3.5.2: 200 with the resource "subject to the attributes query parameter"."""
    alice, bob = user(scim, "alice"), user(scim, "bob")
    created = group(scim, "Guides", [alice])
    body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
            "Operations": [{"op": "add", "path": "members", "value": [{"value": bob}]}]}
    response = scim.patch(f"/Groups/{created['id']}?excludedAttributes=displayName", json=body)
    assert response.status_code == 200 and "displayName" not in response.get_json()
    assert {m["value"] for m in response.get_json()["members"]} == {alice, bob}
    response = scim.patch(f"/Groups/{created['id']}?excludedAttributes=members", json={
        **body, "Operations": [{"op": "replace", "path": "displayName", "value": "Mentors"}]})
    assert response.status_code == 200 and "members" not in response.get_json()
    assert response.get_json()["displayName"] == "Mentors" and response.headers["ETag"] == 'W/"3"'


def test_user_groups_attribute_reflects_membership(scim):
    alice = user(scim, "alice")
    created = group(scim, "Guides", [alice])
    groups = scim.get(f"/Users/{alice}").get_json()["groups"]
    assert groups[0]["value"] == created["id"] and groups[0]["display"] == "Guides"


def test_excluded_members_and_filter(scim):
    alice = user(scim, "alice")
    group(scim, "Guides", [alice])
    body = scim.get('/Groups?excludedAttributes=members&filter=displayName eq "guides"').get_json()
    assert body["totalResults"] == 1 and "members" not in body["Resources"][0]


def test_deleting_a_user_removes_its_memberships(scim):
    alice = user(scim, "alice")
    created = group(scim, "Guides", [alice])
    assert scim.delete(f"/Users/{alice}").status_code == 204
    assert "members" not in scim.get(f"/Groups/{created['id']}").get_json()


def test_put_replaces_members(scim):
    alice, bob = user(scim, "alice"), user(scim, "bob")
    created = group(scim, "Guides", [alice])
    response = scim.put(f"/Groups/{created['id']}", json={"displayName": "Guides", "members": [{"value": bob}]})
    assert [m["value"] for m in response.get_json()["members"]] == [bob]


def test_nested_group_membership(scim):
    inner = group(scim, "Inner")
    outer = group(scim, "Outer", [inner["id"]])
    assert outer["members"][0]["type"] == "Group"
    assert_scim_error(patch(scim, inner["id"], {"op": "add", "path": "members", "value": [{"value": inner["id"]}]}),
                      400, "invalidValue")


def test_a_remove_value_naming_no_entry_is_refused_and_removes_nothing(scim):
    """{"display": "x"} identifies no member: matching on nothing must not empty the group."""
    alice = user(scim, "alice")
    created = group(scim, "Guides", [alice])
    response = patch(scim, created["id"], {"op": "remove", "path": "members", "value": [{"display": "x"}]})
    assert_scim_error(response, 400, "invalidValue")
    assert [m["value"] for m in scim.get(f"/Groups/{created['id']}").get_json()["members"]] == [alice]


def test_put_with_duplicate_and_valueless_members_is_not_a_500(scim):
    alice = user(scim, "alice")
    created = group(scim, "Guides")
    response = scim.put(f"/Groups/{created['id']}", json={"displayName": "Guides", "members": [
        {"value": alice, "display": "A"}, {"value": alice, "display": "B"}, {"display": "nobody"}]})
    assert response.status_code == 200
    assert [m["value"] for m in response.get_json()["members"]] == [alice]


def _bulk_users(scim, count):
    operations = [{"method": "POST", "path": "/Users", "bulkId": str(n), "data": {"userName": f"member{n}"}}
                  for n in range(count)]
    response = scim.post("/Bulk", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                                        "Operations": operations})
    return [result["location"].rsplit("/", 1)[1] for result in response.get_json()["Operations"]]


def _statements(monkeypatch, run):
    from models import db

    seen = []
    real = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    run()
    monkeypatch.undo()
    return seen


def test_a_member_patch_costs_the_same_on_a_big_group_as_on_a_small_one(scim, monkeypatch):
    """Only the named members' rows are read and written: no statement reads the whole membership."""
    ids = _bulk_users(scim, 600)
    small, big = group(scim, "Small", ids[:2]), group(scim, "Big", ids[:599])
    costs = {}
    for name, target in (("small", small), ("big", big)):
        add = _statements(monkeypatch, lambda: patch(scim, target["id"], {
            "op": "add", "path": "members", "value": [{"value": ids[599]}]}))
        remove = _statements(monkeypatch, lambda: patch(scim, target["id"], {
            "op": "remove", "path": f'members[value eq "{ids[599]}"]'}))
        costs[name] = (len(add), len(remove))
    assert costs["big"] == costs["small"], costs
    members = scim.get(f"/Groups/{big['id']}").get_json()["members"]
    assert len(members) == 599 and ids[599] not in {m["value"] for m in members}


def test_a_plain_get_shows_members_exactly_as_a_projected_one(scim):
    """GET /Groups/{id} has the database write its members' JSON; every other read builds them in Python."""
    users = [user(scim, f"member{n}") for n in range(12)]
    inner = group(scim, "Inner", users[:1])["id"]
    members = [{"value": uid, **({"display": f"Person {n}"} if n % 3 else {})} for n, uid in enumerate(users)]
    members += [{"value": inner, "display": ""}]  # an empty display is left out, as in the Python path
    outer = scim.post("/Groups", json={"schemas": [GROUP], "displayName": "Outer", "members": members}).get_json()
    plain = scim.get(f"/Groups/{outer['id']}")
    projected = scim.get(f"/Groups/{outer['id']}?excludedAttributes=externalId").get_json()
    listed = scim.get("/Groups?filter=" + 'displayName eq "Outer"').get_json()["Resources"][0]
    assert plain.status_code == 200 and plain.headers["Content-Type"].startswith("application/scim+json")
    assert plain.get_json() == projected == listed
    shown = plain.get_json()["members"]
    assert [m["value"] for m in shown] == sorted(m["value"] for m in members)
    base = outer["meta"]["location"].rsplit("/Groups/", 1)[0]
    assert {m["value"]: m["$ref"] for m in shown}[inner] == f"{base}/Groups/{inner}"
    assert {m["value"]: m["type"] for m in shown}[inner] == "Group"
    assert all("display" not in m for m in shown if m["value"] in (users[0], users[3], inner))


def test_a_plain_get_of_a_group_without_members_has_no_members_attribute(scim):
    created = group(scim, "Empty")
    body = scim.get(f"/Groups/{created['id']}").get_json()
    assert "members" not in body and body["displayName"] == "Empty"
    assert body == scim.get(f"/Groups/{created['id']}?excludedAttributes=externalId").get_json()


def test_writes_read_members_as_sql_built_json_only_when_they_answer_with_them(scim, monkeypatch):
    """POST and PUT answer with the members SQL builds (store.resources.groups.get_rendered), equal to what Python
    renders; a quiet PATCH (204) never reads them, whatever it changes."""
    from store.resources import groups

    built = []
    monkeypatch.setattr(groups, "get_rendered", lambda *args, real=groups.get_rendered: built.append(1) or real(*args))
    alice, bob = user(scim, "alice"), user(scim, "bob")
    created = group(scim, "Ops", [alice, bob])
    assert len(built) == 1
    rendered = scim.get(f"/Groups/{created['id']}?excludedAttributes=externalId").get_json()
    assert created == rendered
    put = scim.put(f"/Groups/{created['id']}", json={"schemas": [GROUP], "displayName": "Ops", "members": [{"value": bob}]})
    assert put.status_code == 200 and [m["value"] for m in put.get_json()["members"]] == [bob]
    assert put.headers["ETag"] == put.get_json()["meta"]["version"]
    assert len(built) == 2
    renamed = patch(scim, created["id"], {"op": "replace", "path": "displayName", "value": "Operations"})
    assert renamed.status_code == 204 and renamed.headers["ETag"] != put.headers["ETag"]
    assert len(built) == 2
