"""The Keycloak client against a fake Keycloak over real HTTP (tests/fakes/keycloak.py): paging, mapping, the
group tree before and after Keycloak 23, the legacy /auth prefix, throttling, a new token on 401, and Test
connection's words for each way the token endpoint and the Admin REST API refuse."""

import pytest

from sync.diagnose import test_connection as diagnose
from sync.errors import ApiError
from tests.fakes.keycloak import FakeKeycloak, keycloak  # noqa: F401  (the fixture)

QUICK = {"timeout": 2.0}


def client(fake, page_size=2, **options):
    return fake.source().client(page_size=page_size, retries=1, sleep=options.pop("sleep", lambda _s: None),
                                **options)


def seed(fake):
    """alice (named, with an email), bob (disabled), carol; engineering (alice, bob) > backend (carol) > deep
    (alice); sales (carol)."""
    people = {"alice": fake.add_user("alice", first="Alice", last="Ames", email="alice@example.com"),
              "bob": fake.add_user("bob", enabled=False), "carol": fake.add_user("carol", email="carol@example.com")}
    engineering = fake.add_group("engineering", [people["alice"], people["bob"]])
    backend = fake.add_group("backend", [people["carol"]], parent=engineering)
    fake.add_group("deep", [people["alice"]], parent=backend)
    fake.add_group("sales", [people["carol"]])
    return people


def queries(fake, path):
    return [{k: v for k, v in call.query.items() if k in ("first", "max")}
            for call in fake.api_calls(path) if call.path.endswith(path)]


def group_table(listing):
    return {g["displayName"]: sorted(m["value"] for m in g.get("members", [])) for g in listing}


def test_users_are_read_a_page_at_a_time_and_mapped_to_scim(keycloak):
    people = seed(keycloak)
    with client(keycloak) as reader:
        listing = reader.iter_users()
        users = list(listing)
    assert users == [
        {"id": people["alice"]["id"], "userName": "alice", "active": True,
         "name": {"givenName": "Alice", "familyName": "Ames"}, "displayName": "Alice Ames",
         "emails": [{"value": "alice@example.com", "primary": True, "type": "work"}]},
        {"id": people["bob"]["id"], "userName": "bob", "active": False},
        {"id": people["carol"]["id"], "userName": "carol", "active": True,
         "emails": [{"value": "carol@example.com", "primary": True, "type": "work"}]}]
    # A short page is the last: no request for an empty third page.
    assert queries(keycloak, "/users") == [{"first": "0", "max": "2"}, {"first": "2", "max": "2"}]
    assert listing.complete and listing.whole and listing.next_index is None


def test_a_full_last_page_is_followed_by_one_empty_page(keycloak):
    keycloak.add_user("alice")
    keycloak.add_user("bob")
    with client(keycloak) as reader:
        assert [u["userName"] for u in reader.iter_users()] == ["alice", "bob"]
    assert queries(keycloak, "/users") == [{"first": "0", "max": "2"}, {"first": "2", "max": "2"}]


def test_a_resumed_listing_starts_at_its_saved_offset_and_a_fresh_cursor_at_the_first_page(keycloak):
    seed(keycloak)
    with client(keycloak) as reader:
        assert [u["userName"] for u in reader.iter_users(start={"first": 2})] == ["carol"]
        assert len(list(reader.iter_users(start=1))) == 3  # the engine's fresh cursor
    assert queries(keycloak, "/users") == [{"first": "2", "max": "2"}, {"first": "0", "max": "2"},
                                           {"first": "2", "max": "2"}]


def test_a_user_shifted_onto_the_next_page_is_yielded_once(keycloak):
    seed(keycloak)
    with client(keycloak) as reader:
        listing = reader.iter_users()
        names = []
        for resource in listing:
            names.append(resource["userName"])
            if len(names) == 2:
                keycloak.add_user("aaron")  # sorts first: bob moves onto the second page
    assert names == ["alice", "bob", "carol"] and listing.duplicates == 1


def test_service_account_users_are_not_people(keycloak):
    keycloak.lists_service_accounts = True
    keycloak.add_user("alice")
    with client(keycloak, page_size=5) as reader:
        assert [u["userName"] for u in reader.iter_users()] == ["alice"]
    assert keycloak.api_calls("/users")[0].query["briefRepresentation"] == "false"  # serviceAccountClientId


@pytest.mark.parametrize("version", [26, 22])
def test_the_group_tree_is_one_listing_named_by_path_with_direct_members(version):
    with FakeKeycloak(version=version) as fake:
        people = seed(fake)
        with client(fake) as reader:
            listing = reader.iter_groups()
            groups = group_table(listing)
        ids = {name: person["id"] for name, person in people.items()}
        assert groups == {"engineering": sorted([ids["alice"], ids["bob"]]),
                          "engineering/backend": [ids["carol"]],
                          "engineering/backend/deep": [ids["alice"]], "sales": [ids["carol"]]}
        assert listing.complete and listing.whole
        children = [call.path.split("/")[-2] for call in fake.api_calls("/groups/") if call.path.endswith("children")]
        if version >= 23:  # only the groups Keycloak counts sub-groups for
            engineering, backend = (g["id"] for g in fake.groups.values() if g["name"] in ("engineering", "backend"))
            assert children == [engineering, backend]
        else:  # the tree came inline; children has no GET before 23
            assert children == []


def test_sub_groups_and_members_are_paged_too(keycloak):
    users = [keycloak.add_user(f"user{n}") for n in range(5)]
    parent = keycloak.add_group("parent")
    for n in range(3):
        keycloak.add_group(f"child{n}", users, parent=parent)
    with client(keycloak) as reader:
        groups = group_table(reader.iter_groups())
    assert groups == {"parent": [], **{f"parent/child{n}": sorted(u["id"] for u in users) for n in range(3)}}
    assert queries(keycloak, f"/groups/{parent['id']}/children") == [{"first": "0", "max": "2"},
                                                                     {"first": "2", "max": "2"}]
    child = next(g for g in keycloak.groups.values() if g["name"] == "child0")
    assert queries(keycloak, f"/groups/{child['id']}/members") == [
        {"first": "0", "max": "2"}, {"first": "2", "max": "2"}, {"first": "4", "max": "2"}]


def test_one_user_or_group_by_id_and_none_when_gone(keycloak):
    people = seed(keycloak)
    backend = next(g for g in keycloak.groups.values() if g["name"] == "backend")
    with client(keycloak) as reader:
        assert reader.get_user(people["bob"]["id"]) == {"id": people["bob"]["id"], "userName": "bob",
                                                        "active": False}
        assert reader.get_group(backend["id"]) == {"id": backend["id"], "displayName": "engineering/backend",
                                                   "members": [{"value": people["carol"]["id"], "type": "User"}]}
        keycloak.delete_user(people["bob"]["id"])
        keycloak.delete_group(backend["id"])
        assert reader.get_user(people["bob"]["id"]) is None
        assert reader.get_group(backend["id"]) is None


def test_a_legacy_server_is_found_under_auth_and_the_admin_api_follows():
    with FakeKeycloak(prefix="/auth", version=16) as fake:
        fake.add_user("alice")
        with client(fake) as reader:
            assert [u["userName"] for u in reader.iter_users()] == ["alice"]
            fake.expire_tokens()
            assert reader.get_user("missing") is None  # a new token, straight at /auth
        assert [call.path for call in fake.token_calls()] == [
            "/realms/acme/protocol/openid-connect/token", "/auth/realms/acme/protocol/openid-connect/token",
            "/auth/realms/acme/protocol/openid-connect/token"]
        assert all(call.path.startswith("/auth/admin/realms/acme/") for call in fake.api_calls())
        result = diagnose(fake.source(), **QUICK)
        assert result.ok and result.message.startswith(f"Connected to {fake.url}/auth/admin/realms/acme")


def test_a_proxy_path_prefix_in_the_base_url():
    with FakeKeycloak(root="/sso") as fake:
        fake.add_user("alice")
        assert diagnose(fake.source(), **QUICK).ok
        assert fake.requests[0].path == "/sso/realms/acme/protocol/openid-connect/token"


def test_throttling_waits_as_retry_after_says_then_goes_on(keycloak, sleeps):
    seed(keycloak)
    keycloak.throttle_once(path="/users", retry_after="3")
    with client(keycloak, sleep=sleeps) as reader:
        assert len(list(reader.iter_users())) == 3
    assert sleeps == [3.0]


def test_a_refused_token_is_replaced_once(keycloak):
    seed(keycloak)
    with client(keycloak) as reader:
        listing = iter(reader.iter_users())
        next(listing)
        keycloak.expire_tokens()
        assert len(list(listing)) == 2
        assert reader.credentials.fetches == 2


def test_a_token_refused_twice_fails_with_the_admin_words(keycloak):
    keycloak.fail_api(401, times=None, body={"error": "HTTP 401 Unauthorized"})
    with client(keycloak) as reader, pytest.raises(ApiError) as failed:
        list(reader.iter_users())
    assert (failed.value.code, failed.value.status) == ("unauthorized", 401)
    assert reader.credentials.fetches == 2


def test_a_secret_quoted_by_the_server_is_scrubbed(keycloak):
    keycloak.fail_api(500, times=None, body={"error": f"client secret {keycloak.client.secret} rejected"})
    with client(keycloak) as reader, pytest.raises(ApiError) as failed:
        list(reader.iter_users())
    assert keycloak.client.secret not in str(failed.value) + failed.value.detail
    assert "client secret [redacted] rejected" in str(failed.value)


def test_a_page_that_is_not_json_is_named(keycloak):
    keycloak.fail_api(200, body="<html>Sign in</html>", path="/users")
    with client(keycloak) as reader, pytest.raises(ApiError) as failed:
        list(reader.iter_users())
    assert failed.value.code == "not_json" and "not JSON" in str(failed.value)


# --- Test connection ---------------------------------------------------------------------------------------


def test_connection_ok_reports_the_counts(keycloak):
    seed(keycloak)
    result = diagnose(keycloak.source(), **QUICK)
    assert (result.ok, result.users, result.groups) == (True, 3, 4)
    assert result.message == f"Connected to {keycloak.admin_base}: the source reports 3 users and 4 groups."


@pytest.mark.parametrize("error", ["unauthorized_client", "invalid_client"])
def test_a_wrong_secret(keycloak, error):
    keycloak.client_error = error
    result = diagnose(keycloak.source(client_secret="wrong-secret"), **QUICK)
    assert (result.stage, result.code) == ("token", "token_refused")
    assert f"(401 {error}: Invalid client or Invalid client credentials)" in result.message
    assert "Credentials tab" in result.detail and "wrong-secret" not in result.message


def test_a_wrong_client_id(keycloak):
    result = diagnose(keycloak.source(client_id="nobody"), **QUICK)
    assert (result.stage, result.code) == ("token", "token_refused")


@pytest.mark.parametrize("setting, words", [("service_accounts", "Client not enabled to retrieve service account"),
                                            ("public", "Public client not allowed to retrieve service account")])
def test_a_client_without_a_service_account(keycloak, setting, words):
    setattr(keycloak.client, setting, setting == "public")
    result = diagnose(keycloak.source(), **QUICK)
    assert (result.stage, result.code) == ("token", "token_grant")
    assert words in result.message
    assert "Client authentication" in result.detail and "Service accounts roles" in result.detail


def test_a_realm_that_does_not_exist(keycloak):
    result = diagnose(keycloak.source(realm="Acme"), **QUICK)
    assert (result.stage, result.code) == ("token", "realm_not_found")
    assert result.message.startswith("Keycloak has no realm 'Acme'")
    assert "realm selector" in result.detail
    assert len(keycloak.token_calls()) == 1  # the server is modern: /auth is not tried


def test_a_base_url_that_is_not_keycloak(keycloak):
    source = keycloak.source(base_url=keycloak.url + "/elsewhere")
    result = diagnose(source, **QUICK)
    assert (result.stage, result.code) == ("token", "token_not_found")
    assert result.message == (f"There is no Keycloak token endpoint at {source.token_url} nor at "
                              f"{source.token_url_at('/auth')} (404). Check the base URL.")


@pytest.mark.parametrize("role, path", [("query-users", "/users"), ("query-groups", "/groups"),
                                        ("view-users", "/members")])
def test_a_missing_role_is_named_with_where_to_assign_it(keycloak, role, path):
    seed(keycloak)
    keycloak.client.roles.discard(role)
    result = diagnose(keycloak.source(), **QUICK)
    assert (result.stage, result.code) == ("api", "forbidden")
    assert result.message.startswith("The service account may not read ") and "(403)." in result.message
    assert path in result.message
    assert "query-users, view-users, query-groups" in result.detail
    assert "Service accounts roles → Assign role → Filter by clients → realm-management" in result.detail


def test_an_older_keycloak_says_unknown_error_on_403():
    with FakeKeycloak(version=21) as fake:
        fake.client.roles.clear()
        result = diagnose(fake.source(), **QUICK)
    assert result.code == "forbidden" and "(403 unknown_error)" in result.message
