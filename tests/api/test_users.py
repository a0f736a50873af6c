"""/Users through the app: create, read, replace, delete, list, paging, projection, ETags."""

import pytest

from tests.conftest import assert_scim_error

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


def new_user(name="bjensen", **extra):
    return {"schemas": [USER], "userName": name, "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": f"{name}@example.com", "type": "work", "primary": True}], **extra}


def create(scim, name="bjensen", **extra):
    response = scim.post("/Users", json=new_user(name, **extra))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def test_create_returns_201_location_etag_and_meta(scim):
    response = scim.post("/Users", json=new_user(password="s3cret!", externalId="ext-1"))
    assert response.status_code == 201
    body = response.get_json()
    assert response.headers["Content-Type"] == "application/scim+json"
    assert response.headers["Location"] == body["meta"]["location"]
    assert response.headers["ETag"] == body["meta"]["version"] == 'W/"1"'
    assert body["meta"]["location"].endswith(f"/plugins/servlet/usersync/scim/Users/{body['id']}")
    assert body["meta"]["resourceType"] == "User"
    assert body["userName"] == "bjensen" and body["externalId"] == "ext-1"
    assert body["active"] is True
    assert "password" not in body


def test_get_by_id_round_trips(scim):
    created = create(scim)
    fetched = scim.get(f"/Users/{created['id']}")
    assert fetched.status_code == 200
    assert fetched.get_json() == created


def test_username_is_unique_case_insensitively(scim):
    create(scim, "bjensen")
    assert_scim_error(scim.post("/Users", json=new_user("BJensen")), 409, "uniqueness")


def test_missing_username_is_invalid_value(scim):
    assert_scim_error(scim.post("/Users", json={"schemas": [USER], "displayName": "x"}), 400, "invalidValue")


def test_put_replaces_and_ignores_id_meta_schemas(scim):
    created = create(scim)
    replacement = {**created, "id": "something-else", "meta": {"version": "W/\"99\""},
                   "displayName": "Babs", "emails": []}
    response = scim.put(f"/Users/{created['id']}", json=replacement)
    assert response.status_code == 200
    body = response.get_json()
    assert body["id"] == created["id"]
    assert body["displayName"] == "Babs"
    assert "emails" not in body
    assert body["meta"]["version"] == 'W/"2"'


def test_delete_then_get_is_404(scim):
    created = create(scim)
    assert scim.delete(f"/Users/{created['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Users/{created['id']}"), 404)
    assert_scim_error(scim.delete(f"/Users/{created['id']}"), 404)


def test_if_match_and_if_none_match(scim):
    created = create(scim)
    path = f"/Users/{created['id']}"
    assert scim.get(path, headers={"If-None-Match": 'W/"1"'}).status_code == 304
    assert_scim_error(scim.put(path, json=new_user(), headers={"If-Match": 'W/"7"'}), 412)
    assert scim.put(path, json=new_user(displayName="Babs"), headers={"If-Match": 'W/"1"'}).status_code == 200
    assert_scim_error(scim.delete(path, headers={"If-Match": 'W/"1"'}), 412)
    assert scim.delete(path, headers={"If-Match": 'W/"2"'}).status_code == 204


def test_list_paging_is_stable_and_counts_are_integers(scim):
    for index in range(7):
        create(scim, f"user{index}")
    first = scim.get("/Users?startIndex=1&count=3").get_json()
    second = scim.get("/Users?startIndex=4&count=3").get_json()
    third = scim.get("/Users?startIndex=7&count=3").get_json()
    assert first["totalResults"] == 7 and first["itemsPerPage"] == 3 and first["startIndex"] == 1
    names = [u["userName"] for page in (first, second, third) for u in page["Resources"]]
    assert names == [f"user{i}" for i in range(7)]
    only_total = scim.get("/Users?count=0").get_json()
    assert only_total["totalResults"] == 7 and only_total["Resources"] == []


def test_every_total_is_exact_whether_the_page_ends_short_or_not(scim):
    """A short page's total comes from its rows, a full or empty one's from a COUNT: the same totals."""
    for index in range(5):
        create(scim, f"user{index}")
    for start, count in ((1, 10), (1, 5), (1, 2), (4, 2), (5, 2), (5, 1), (6, 2), (9, 3), (10 ** 30, 3)):
        body = scim.get(f"/Users?startIndex={start}&count={count}").get_json()
        assert body["totalResults"] == 5, (start, count, body)
        assert len(body["Resources"]) == max(0, min(count, 5 - start + 1)), (start, count)


def test_filter_username_eq_is_case_insensitive(scim):
    create(scim, "bjensen")
    body = scim.get('/Users?filter=userName eq "BJENSEN"').get_json()
    assert [u["userName"] for u in body["Resources"]] == ["bjensen"]


def test_filter_with_plus_for_spaces(scim):
    create(scim, "bjensen")
    body = scim.get('/Users?filter=userName+eq+"bjensen"').get_json()
    assert body["totalResults"] == 1


def test_unknown_filter_attribute_is_invalid_filter(scim):
    assert_scim_error(scim.get('/Users?filter=shoeSize eq "9"'), 400, "invalidFilter")
    assert_scim_error(scim.get('/Users?filter=userName eq'), 400, "invalidFilter")


def test_sort_by_and_order(scim):
    for name in ("carol", "alice", "bob"):
        create(scim, name)
    body = scim.get("/Users?sortBy=userName&sortOrder=descending").get_json()
    assert [u["userName"] for u in body["Resources"]] == ["carol", "bob", "alice"]


def test_attributes_and_excluded_attributes(scim):
    created = create(scim, title="Tour Guide")
    path = f"/Users/{created['id']}"
    only = scim.get(path + "?attributes=userName,name.givenName").get_json()
    assert set(only) == {"schemas", "id", "userName", "name"}
    assert only["name"] == {"givenName": "Barbara"}
    without = scim.get(path + "?excludedAttributes=emails,meta").get_json()
    assert "emails" not in without and "meta" not in without and without["title"] == "Tour Guide"
    listed = scim.get("/Users?attributes=userName").get_json()["Resources"][0]
    assert set(listed) == {"schemas", "id", "userName"}


def test_enterprise_extension_round_trips(scim):
    manager = create(scim, "boss", displayName="The Boss")
    created = create(scim, "worker", **{ENTERPRISE: {"employeeNumber": "701984", "department": "Tour Operations",
                                                     "manager": {"value": manager["id"]}}})
    assert ENTERPRISE in created["schemas"]
    ext = created[ENTERPRISE]
    assert ext["employeeNumber"] == "701984"
    assert ext["manager"]["value"] == manager["id"]
    assert "displayName" not in ext["manager"]  # never derived: scim2-tester compares what it sent
    assert ext["manager"]["$ref"].endswith(f"/Users/{manager['id']}")


@pytest.mark.parametrize("body", [
    [], "text", 42, {"userName": 5}, {"userName": "x", "active": "maybe"}, {"userName": "x", "emails": "nope"},
    {"userName": "x", "name": "flat"}, {"userName": ["a", "b"]},
])
def test_wrong_types_are_400(scim, body):
    response = scim.post("/Users", json=body)
    assert response.status_code == 400
    assert_scim_error(response, 400, response.get_json()["scimType"])
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_put_without_changes_keeps_the_version(scim):
    created = create(scim)
    response = scim.put(f"/Users/{created['id']}", json=new_user())
    assert response.get_json()["meta"]["version"] == created["meta"]["version"]


def test_put_without_active_keeps_the_status(scim):
    """Okta's and JumpCloud's partial PUTs leave active out: no one is re-activated by omission."""
    created = create(scim, active=False)
    body = scim.put(f"/Users/{created['id']}", json=new_user(displayName="Babs")).get_json()
    assert body["active"] is False and body["displayName"] == "Babs"


def test_the_configured_filter_length_is_enforced(app, scim):
    app.config["SCIM_FILTER_MAX_LENGTH"] = 20
    assert_scim_error(scim.get('/Users?filter=userName eq "a-rather-long-name"'), 400, "invalidFilter")
    assert scim.get('/Users?filter=userName eq "a"').status_code == 200


def test_a_name_whose_lowercase_is_longer_than_the_limit_is_refused(scim):
    """'İ'.lower() is two characters; the store keeps lowered copies of userName."""
    assert_scim_error(scim.post("/Users", json=new_user("İ" * 200)), 400, "invalidValue")


def test_a_filter_with_too_many_comparisons_is_refused(app, scim):
    app.config["SCIM_FILTER_MAX_TERMS"] = 3
    few = " or ".join(f'userName eq "u{i}"' for i in range(3))
    many = " or ".join(f'emails[type eq "work" and value eq "u{i}"]' for i in range(2))
    assert scim.get(f"/Users?filter={few}").status_code == 200
    assert_scim_error(scim.get(f"/Users?filter={many}"), 400, "invalidFilter")


def test_default_bodies_built_by_the_database_equal_the_projected_ones(scim):
    """A GET or page without attributes/excludedAttributes is answered by SQL (store.resources.user_json); an
    excludedAttributes naming nothing goes through Python's rendering: the two agree, key order too."""
    import json

    def ordered(response):
        assert response.status_code == 200, response.get_data(as_text=True)
        return json.loads(response.get_data(as_text=True), object_pairs_hook=tuple)

    group = scim.post("/Groups", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                       "displayName": "Ops"}).get_json()
    manager = create(scim, "boss")
    alice = create(scim, "alice", externalId="ext-a", active=False, phoneNumbers=[{"value": "+1 555 0100"}],
                   addresses=[{"streetAddress": "1 Main St", "country": "US", "primary": True}],
                   **{"schemas": [USER, ENTERPRISE],
                      ENTERPRISE: {"department": "Ops", "manager": {"value": manager["id"]}}})
    scim.patch(f"/Groups/{group['id']}", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
               "Operations": [{"op": "add", "path": "members", "value": [{"value": alice["id"]}]}]})
    for path in (f"/Users/{alice['id']}", "/Users", '/Users?filter=userName sw "a"', "/Users?sortBy=userName&count=1"):
        joiner = "&" if "?" in path else "?"
        assert ordered(scim.get(path)) == ordered(scim.get(f"{path}{joiner}excludedAttributes=nickName"))
    body = scim.get(f"/Users/{alice['id']}").get_json()
    assert body["groups"][0]["$ref"].endswith(f"/Groups/{group['id']}")
    assert body[ENTERPRISE] == {"department": "Ops", "manager": {"value": manager["id"],
                                                              "$ref": manager["meta"]["location"]}}


def test_write_answers_built_by_the_database_equal_the_projected_ones(scim, monkeypatch):
    """POST, PUT and PATCH under the default projection answer with the body SQL builds (store.resources.user_json),
    read inside the write's transaction; with excludedAttributes naming nothing, Python renders it: the
    same body, key order too, and the headers name the same version and location."""
    import json

    from store.resources import users

    built = []
    monkeypatch.setattr(users, "get_rendered", lambda *args, real=users.get_rendered: built.append(1) or real(*args))

    def ordered(response, status):
        assert response.status_code == status, response.get_data(as_text=True)
        body = json.loads(response.get_data(as_text=True), object_pairs_hook=tuple)
        meta = dict(dict(body)["meta"])
        assert response.headers["ETag"] == meta["version"]
        assert status != 201 or response.headers["Location"] == meta["location"]
        return [(key, value) for key, value in body if key != "meta"], {**meta, "version": None, "lastModified": None}

    extra = {"externalId": "ext-w", "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
             "schemas": [USER, ENTERPRISE], ENTERPRISE: {"department": "Ops"}}
    sql = scim.post("/Users", json=new_user("writer", **extra))
    python = scim.post("/Users?excludedAttributes=nickName", json=new_user("writer2", **extra))
    assert [key for key, _ in ordered(sql, 201)[0]] == [key for key, _ in ordered(python, 201)[0]]
    user_id = sql.get_json()["id"]
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
             "Operations": [{"op": "replace", "path": "displayName", "value": "W"}]}
    for method, body in (("put", new_user("writer", displayName="Writer", **extra)), ("patch", patch)):
        response = getattr(scim, method)(f"/Users/{user_id}", json=body)
        by_sql = ordered(response, 200)
        assert response.headers["ETag"] == scim.get(f"/Users/{user_id}").headers["ETag"]  # this write's version
        by_python = ordered(getattr(scim, method)(f"/Users/{user_id}?excludedAttributes=nickName", json=body), 200)
        assert by_sql == by_python
    assert len(built) == 5  # the POST, PUT and PATCH without a projection, and the two GETs
