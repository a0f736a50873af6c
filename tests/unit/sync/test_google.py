"""The Google Workspace client against the fake Directory API (tests/fakes/google.py): the signed assertion as the
token endpoint saw it, paging by nextPageToken, the mapping, nested groups flattened, scope by customer or
domain, throttling, a token fetched again once, and Test connection's words for each refusal."""

import json

import pytest

from sync.diagnose import test_connection as diagnose
from sync.errors import ApiError, TokenError
from tests.fakes.google import API, SCOPES, ServiceAccount


def client(google, account, sleeps=None, **settings):
    return google.source(account, **settings).client(page_size=2, retries=1, sleep=sleeps)


@pytest.fixture
def people(fake_google):
    """admin (made with the fake), alice, bob (suspended), carol (archived), dave at another domain."""
    fake_google.domains.append("example.org")
    return {"alice": fake_google.add_user("alice@example.com", given="Alice", family="Ames"),
            "bob": fake_google.add_user("bob@example.com", suspended=True),
            "carol": fake_google.add_user("carol@example.com", archived=True),
            "dave": fake_google.add_user("dave@example.org")}


def listed(google, path):
    return [call.query for call in google.api_calls(path) if call.path == API + path]


def test_users_are_read_by_page_token_and_mapped(fake_google, google_account, people):
    with client(fake_google, google_account) as google:
        listing = google.iter_users()
        users = list(listing)
    assert [u["userName"] for u in users] == ["admin@example.com", "alice@example.com", "bob@example.com",
                                              "carol@example.com", "dave@example.org"]
    assert users[1] == {"id": people["alice"]["id"], "userName": "alice@example.com", "active": True,
                        "name": {"givenName": "Alice", "familyName": "Ames"}, "displayName": "Alice Ames",
                        "emails": [{"value": "alice@example.com", "primary": True, "type": "work"}]}
    assert [u["active"] for u in users] == [True, True, False, False, True]  # suspended, archived: inactive
    assert listing.complete and listing.whole and listing.watermark is None
    queries = listed(fake_google, "/users")
    assert [q.get("pageToken") is None for q in queries] == [True, False, False]
    assert {(q["customer"], q["maxResults"], q["projection"]) for q in queries} == {("my_customer", "2", "basic")}


def test_a_listing_resumes_from_its_page_token(fake_google, google_account, people):
    with client(fake_google, google_account) as google:
        first = google.iter_users()
        names = []
        for user in first:
            names.append(user["userName"])
            if first.pending == 0:
                break
        rest = [u["userName"] for u in google.iter_users(start=first.next_index)]
    assert names + rest == [u["primaryEmail"] for u in fake_google.users.values()]


def test_a_domain_reads_only_that_domain(fake_google, google_account, people):
    with client(fake_google, google_account, customer="example.org") as google:
        assert [u["userName"] for u in google.iter_users()] == ["dave@example.org"]
        assert google.get_user(people["dave"]["id"])["userName"] == "dave@example.org"
        assert google.get_user(people["alice"]["id"]) is None  # in the account, not in the domain read
    assert {q["domain"] for q in listed(fake_google, "/users")} == {"example.org"}
    assert not any("customer" in q for q in listed(fake_google, "/users"))


def test_get_user_is_none_once_deleted(fake_google, google_account, people):
    with client(fake_google, google_account) as google:
        assert google.get_user(people["bob"]["id"])["active"] is False
        fake_google.delete_user(people["bob"]["id"])
        assert google.get_user(people["bob"]["id"]) is None


def test_a_proxys_404_is_not_taken_for_a_deleted_user(fake_google, google_account, people):
    fake_google.fail(404, path=API + "/users/", body=b"<html>Not Found</html>")
    with client(fake_google, google_account) as google, pytest.raises(ApiError) as failed:
        google.get_user(people["alice"]["id"])
    assert failed.value.code == "not_found"


def test_nested_groups_are_flattened_and_each_read_once(fake_google, google_account, people):
    alice, bob, carol = people["alice"], people["bob"], people["carol"]
    leaf = fake_google.add_group("leaf@example.com", "Leaf", [carol])
    inner = fake_google.add_group("inner@example.com", "Inner", [bob, leaf])
    outer = fake_google.add_group("eng@example.com", "Engineering", [alice, inner, "CUSTOMER"])
    fake_google.add_member(leaf["id"], outer)  # a cycle: Engineering → Inner → Leaf → Engineering
    with client(fake_google, google_account) as google:
        groups = {g["displayName"]: [m["value"] for m in g.get("members", ())] for g in google.iter_groups()}
    ids = {"alice": alice["id"], "bob": bob["id"], "carol": carol["id"]}
    assert groups == {"Leaf": [ids["carol"], ids["alice"], ids["bob"]],
                      "Inner": [ids["bob"], ids["carol"], ids["alice"]],
                      "Engineering": [ids["alice"], ids["bob"], ids["carol"]]}
    member_reads = [call.path for call in fake_google.api_calls("/groups/")]
    assert sorted(member_reads) == sorted(f"{API}/groups/{g['id']}/members" for g in (leaf, inner, outer)
                                          for _page in range(2 if g is outer else 1))


def test_groups_and_members_are_paged(fake_google, google_account, people):
    users = [fake_google.add_user(f"u{n}@example.com") for n in range(5)]
    for n in range(3):
        fake_google.add_group(f"g{n}@example.com", f"G{n}", users)
    with client(fake_google, google_account) as google:
        groups = list(google.iter_groups())
    assert [len(g["members"]) for g in groups] == [5, 5, 5]
    assert [q.get("pageToken") is None for q in listed(fake_google, "/groups")] == [True, False]
    member_pages = [c.query for c in fake_google.api_calls("/groups/") if c.path.endswith("/members")]
    assert len(member_pages) == 9 and {q["maxResults"] for q in member_pages} == {"2"}


def test_get_group_reads_its_members_and_is_none_once_deleted(fake_google, google_account, people):
    inner = fake_google.add_group("inner@example.com", "Inner", [people["bob"]])
    outer = fake_google.add_group("eng@example.com", "Engineering", [people["alice"], inner])
    with client(fake_google, google_account) as google:
        assert google.get_group(outer["id"]) == {
            "id": outer["id"], "displayName": "Engineering",
            "members": [{"value": people["alice"]["id"], "type": "User"}, {"value": people["bob"]["id"], "type": "User"}]}
        fake_google.delete_group(outer["id"])
        assert google.get_group(outer["id"]) is None


def test_the_assertion_as_the_token_endpoint_saw_it(fake_google, google_account):
    with client(fake_google, google_account) as google:
        google.check()
    (seen,) = fake_google.assertions
    assert seen["header"] == {"alg": "RS256", "typ": "JWT", "kid": google_account.key_id}
    claims = seen["claims"]
    assert (claims["iss"], claims["sub"], claims["aud"]) == (google_account.client_email, "admin@example.com",
                                                             fake_google.token_url)
    assert claims["scope"].split() == list(SCOPES) and claims["exp"] - claims["iat"] == 3600
    (posted,) = [call for call in fake_google.requests if call.method == "POST"]
    assert posted.form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer" and posted.auth is None


def test_the_token_url_setting_wins_over_the_key_files_token_uri(fake_google, google_account):
    key = fake_google.source(google_account).service_account
    assert json.loads(key)["token_uri"] == "https://oauth2.googleapis.com/token"
    with client(fake_google, google_account) as google:
        google.check()
    assert fake_google.assertions[0]["claims"]["aud"] == fake_google.token_url  # the URL posted to


def test_one_token_serves_the_run_and_a_revoked_one_is_replaced_once(fake_google, google_account, people):
    with client(fake_google, google_account) as google:
        list(google.iter_users())
        list(google.iter_groups())
        assert google.credentials.fetches == 1
        fake_google.revoke_tokens()
        assert len(list(google.iter_users())) == 5
        assert google.credentials.fetches == 2


def test_a_fresh_token_refused_is_unauthorized(fake_google, google_account):
    with client(fake_google, google_account) as google:
        google.check()
        fake_google.fail(401, path=API, times=None, body={"error": {"code": 401, "message": "Invalid Credentials",
                                                                   "errors": [{"reason": "authError"}]}})
        with pytest.raises(ApiError) as failed:
            google.check()
    assert failed.value.code == "unauthorized" and google.credentials.fetches == 2  # the cached one, then one more
    assert "(401: Invalid Credentials)" in str(failed.value)


def test_429_is_retried_after_the_time_google_asks(fake_google, google_account, sleeps):
    fake_google.throttle(API + "/users")
    with client(fake_google, google_account, sleeps) as google:
        assert len(list(google.iter_users())) == 1
    assert sleeps == [1.0]
    assert [c.path for c in fake_google.requests if c.method == "GET"] == [API + "/users"] * 2


OVER_QUOTA = {"error": {"code": 403, "message": "Quota exceeded for quota metric 'Queries'",
                        "errors": [{"domain": "usageLimits", "reason": "userRateLimitExceeded"}]}}


def test_a_403_over_quota_is_retried_with_backoff(fake_google, google_account, sleeps):
    fake_google.fail(403, path=API + "/users", body=OVER_QUOTA)  # "Limits and quotas": back off exponentially
    with client(fake_google, google_account, sleeps) as google:
        assert len(list(google.iter_users())) == 1
    assert len(sleeps) == 1 and 0.5 <= sleeps[0] <= 0.75
    assert [c.path for c in fake_google.requests if c.method == "GET"] == [API + "/users"] * 2


def test_a_403_over_quota_that_lasts_is_its_own_error(fake_google, google_account, sleeps):
    fake_google.fail(403, path=API + "/users", body=OVER_QUOTA, times=None)
    with client(fake_google, google_account, sleeps) as google, pytest.raises(ApiError) as failed:
        list(google.iter_users())
    assert failed.value.code == "rate_limited" and "the next run resumes from this page" in str(failed.value)
    assert len(sleeps) == 1  # this client's one retry, then the answer as it is


def test_a_403_that_is_not_about_quota_is_not_retried(fake_google, google_account, sleeps):
    fake_google.fail(403, path=API + "/users", body={"error": {"code": 403, "message": "Not Authorized",
                                                               "errors": [{"reason": "forbidden"}]}})
    with client(fake_google, google_account, sleeps) as google, pytest.raises(ApiError) as failed:
        list(google.iter_users())
    assert failed.value.code == "forbidden" and sleeps == []


def test_page_sizes_stay_within_each_methods_limit(fake_google, google_account):
    with fake_google.source(google_account).client(page_size=1000) as google:
        assert google.sizes == {"users": 500, "groups": 200, "members": 200}
    with fake_google.source(google_account).client() as google:
        list(google.iter_users())
    assert listed(fake_google, "/users")[0]["maxResults"] == "500"


# --- Test connection: each refusal at its stage, in words ----------------------------------------------------


def test_connection_ok(fake_google, google_account):
    result = diagnose(fake_google.source(google_account))
    assert (result.ok, result.code, result.users, result.groups) == (True, "ok", None, None)
    assert result.message == f"Connected to {fake_google.url}/admin/directory/v1."


def test_delegation_missing(fake_google, google_account):
    fake_google.delegations[google_account.client_id] = {SCOPES[0]}  # the group scopes not authorized
    result = diagnose(fake_google.source(google_account))
    assert (result.stage, result.code) == ("token", "unauthorized_client")
    assert result.message.startswith(f"Google refused to let {google_account.client_email} act as "
                                     "admin@example.com: domain-wide delegation is missing")
    assert "Client is unauthorized to retrieve access tokens" in result.message
    assert "Manage Domain Wide Delegation" in result.detail and google_account.client_id in result.detail
    assert all(scope in result.detail for scope in SCOPES)


def test_admin_email_that_is_no_user(fake_google, google_account):
    result = diagnose(fake_google.source(google_account, admin="nobody@example.com"))
    assert (result.stage, result.code) == ("token", "no_such_admin")
    assert "Google does not know the admin nobody@example.com" in result.message
    assert "Invalid email or User ID" in result.message


def test_a_deleted_key(fake_google, google_account):
    fake_google.keys[google_account.client_email] = {"another": ServiceAccount(n=1).public_key}
    result = diagnose(fake_google.source(google_account))
    assert (result.stage, result.code) == ("token", "invalid_signature")
    assert f"key {google_account.key_id}" in result.message and "Invalid JWT Signature." in result.message
    assert "create a new JSON key" in result.detail


def test_an_unknown_service_account(fake_google, google_account):
    result = diagnose(fake_google.source(ServiceAccount(name="deleted-reader")))
    assert (result.stage, result.code) == ("token", "invalid_client")


def test_a_user_who_is_not_an_admin(fake_google, google_account):
    fake_google.add_user("clerk@example.com")
    result = diagnose(fake_google.source(google_account, admin="clerk@example.com"))
    assert (result.stage, result.code) == ("api", "forbidden")
    assert result.message == (f"clerk@example.com may not read {fake_google.url}/admin/directory/v1/users (403: "
                              "Not Authorized to access this resource/api)")
    assert "Users → Read and Groups → Read" in result.detail


def test_the_admin_sdk_api_not_enabled(fake_google, google_account):
    fake_google.api_enabled = False
    result = diagnose(fake_google.source(google_account))
    assert (result.stage, result.code) == ("api", "api_disabled")
    assert "Admin SDK API has not been used in project" in result.message and "Enable" in result.detail


@pytest.mark.parametrize("customer, which", [("C99zzz99", "customer"), ("example.net", "domain")])
def test_a_customer_or_domain_not_of_this_account(fake_google, google_account, customer, which):
    result = diagnose(fake_google.source(google_account, customer=customer))
    assert (result.stage, result.code) == ("api", "bad_customer")
    assert result.message.startswith(f"The Directory API refused the {which} '{customer}'")
    assert "Bad Request" in result.message and "my_customer" in result.detail


def test_a_wrong_api_url(fake_google, google_account):
    result = diagnose(fake_google.source(google_account, api_url=fake_google.url + "/proxy"))
    assert (result.stage, result.code) == ("api", "not_found")
    assert result.message == f"There is no Directory API at {fake_google.url}/proxy/admin/directory/v1/users (404). " \
                             "Check the API URL."


def test_a_wrong_token_url(fake_google, google_account):
    result = diagnose(fake_google.source(google_account, token_url=fake_google.url + "/oauth2/v4/token"))
    assert (result.stage, result.code) == ("token", "token_not_found")


def test_quoted_answers_never_carry_the_key_the_assertion_or_the_token(fake_google, google_account):
    pem_line = google_account.pem.splitlines()[3]
    fake_google.fail(400, path="/token", body={"error": "invalid_request", "error_description": f"bad {pem_line}"})
    result = diagnose(fake_google.source(google_account))
    assert result.code == "token_error" and pem_line not in result.message and "[redacted]" in result.message
    with client(fake_google, google_account) as google:
        google.check()
        (token,) = fake_google.tokens
        fake_google.fail(500, path=API, times=None, body={"error": {"code": 500, "message": f"backend {token}"}})
        with pytest.raises(ApiError) as failed:
            list(google.iter_users())
    assert token not in str(failed.value) and "backend [redacted]" in str(failed.value)
    assert "ya29" not in repr(google.credentials) and "PRIVATE" not in repr(google.credentials)


def test_a_token_error_is_a_token_error(fake_google, google_account):
    fake_google.delegations.clear()
    with client(fake_google, google_account) as google, pytest.raises(TokenError) as failed:
        list(google.iter_users())
    assert failed.value.stage == "token" and google.credentials.fetches == 0


def test_a_clock_google_does_not_accept(fake_google, google_account):
    from tests.fakes.google import SHORT_LIVED

    fake_google.fail(400, path="/token", body={"error": "invalid_grant", "error_description": SHORT_LIVED})
    result = diagnose(fake_google.source(google_account))
    assert (result.stage, result.code) == ("token", "clock")
    assert result.message.startswith("Google refused the assertion's time (400 invalid_grant: Invalid JWT: Token "
                                     "must be a short-lived token")
    assert "clock" in result.detail
