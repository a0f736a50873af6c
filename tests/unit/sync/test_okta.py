"""Okta (sync.okta): the source's settings, and the client against a fake Okta org (tests/fakes/okta.py):
paging by Link headers, records mapped to SCIM, incremental filters, App ID scoping, rate limits, errors."""

from datetime import UTC, datetime, timedelta

import pytest

from sync.diagnose import test_connection
from sync.errors import ApiError, FilterRefused
from sync.okta import OktaSource, links
from sync.settings import Field
from sync.sources import SourceConfigError, from_dict, source_class
from tests.fakes.okta import OktaOrg, okta  # noqa: F401  (the fixture)

ORG = "https://dev-123456.okta.com"
TOKEN = "00abcDEF_ghiJKL-123"


# --- the source ------------------------------------------------------------------------------------------


def test_the_registry_names_the_okta_source():
    assert source_class("okta") is OktaSource


def test_settings_round_trip_through_from_dict_without_the_token():
    source = OktaSource(ORG + "/", TOKEN, "0oa1b2c3D4")
    assert source.to_dict() == {"kind": "okta", "org_url": ORG, "app_id": "0oa1b2c3D4"}
    assert source.secrets() == {"api_token": TOKEN}
    assert from_dict(source.to_dict(), source.secrets()) == source
    assert TOKEN not in repr(source)


def test_an_empty_app_id_reads_the_whole_org():
    source = from_dict({"kind": "okta", "org_url": ORG, "app_id": " "}, {"api_token": TOKEN})
    assert source.app_id is None
    assert source.describe() == f"Okta org {ORG} (API token)"
    assert OktaSource(ORG, TOKEN, "0oa1").describe() == f"Okta org {ORG} (API token, users and groups " \
                                                         f"assigned to app 0oa1)"


def test_the_token_goes_to_the_org_only():
    source = OktaSource(ORG, TOKEN)
    assert source.destination == source.endpoint == ORG
    assert source.api_base == ORG + "/api/v1"


def test_the_form_lists_the_url_the_token_and_the_optional_app_id_in_order():
    form = OktaSource.form
    assert all(isinstance(item, Field) for item in form)
    assert [(f.name, f.kind, f.required) for f in form] == [
        ("org_url", "text", True), ("api_token", "secret", True), ("app_id", "text", False)]


@pytest.mark.parametrize("settings, name, message", [
    ({"org_url": "https://dev-123456-admin.okta.com"}, "org_url",
     "is the Admin Console's address; use the org's, https://dev-123456.okta.com"),
    ({"org_url": "https://acme-admin.oktapreview.com"}, "org_url",
     "is the Admin Console's address; use the org's, https://acme.oktapreview.com"),
    ({"org_url": ORG + "/app/UserHome"}, "org_url", "is the Okta domain URL only, like"),
    ({"org_url": "http://dev-123456.okta.com"}, "org_url", "must use https://"),
    ({"org_url": ""}, "org_url", "is required"),
    ({"app_id": "0oa1/../../users"}, "app_id", "must be an Okta app id of letters and digits"),
])
def test_bad_settings_are_refused_naming_the_setting(settings, name, message):
    with pytest.raises(SourceConfigError) as refused:
        from_dict({"kind": "okta", "org_url": ORG, **settings}, {"api_token": TOKEN})
    assert refused.value.name == name and message in str(refused.value)


@pytest.mark.parametrize("token, message", [
    (None, "is missing"),
    ("SSWS " + TOKEN, "must be the token alone"),
    (TOKEN + "\n", "must be the token alone"),
])
def test_a_missing_or_pasted_with_extras_token_is_refused(token, message):
    with pytest.raises(SourceConfigError, match=message) as refused:
        from_dict({"kind": "okta", "org_url": ORG}, {"api_token": token})
    assert refused.value.name == "api_token"


def test_a_custom_domain_and_a_loopback_fake_are_accepted():
    assert OktaSource("https://login.example.com", TOKEN).org_url == "https://login.example.com"
    assert OktaSource("http://127.0.0.1:8080", TOKEN).org_url == "http://127.0.0.1:8080"


# --- Link headers ------------------------------------------------------------------------------------------


def test_link_headers_are_read_as_rfc_8288_has_them():
    one = ('<https://o.okta.com/api/v1/users?limit=2>; rel="self", '
           '<https://o.okta.com/api/v1/users?after=00u2&limit=2>; rel="next"')
    assert links.next_url([one]) == "https://o.okta.com/api/v1/users?after=00u2&limit=2"
    two = ['<https://o.okta.com/api/v1/users?limit=2>; rel="self"', "<https://o.okta.com/n>; REL=next"]
    assert links.next_url(two) == "https://o.okta.com/n"
    quoted = '<https://o/a>; title="a, b; <c>"; rel="prev next", <https://o/b>; rel=next'
    assert links.parse([quoted]) == [("https://o/a", {"title": "a, b; <c>", "rel": "prev next"}),
                                      ("https://o/b", {"rel": "next"})]
    assert links.next_url([quoted]) == "https://o/a"
    assert links.next_url(['<https://o/a>; rel="self"']) is None
    assert links.next_url([]) is None


@pytest.mark.parametrize("url", [
    "https://evil.example.com/api/v1/users?after=x",
    "http://dev-123456.okta.com/api/v1/users",
    "https://dev-123456.okta.com:8443/api/v1/users",
    "https://dev-123456.okta.com/oauth2/v1/authorize",
])
def test_a_next_link_off_the_org_or_its_api_is_not_followed(url):
    with pytest.raises(ApiError) as refused:
        links.on_org(url, ORG)
    assert refused.value.code == "foreign_link" and "after=" not in str(refused.value)


def test_a_next_link_on_the_org_is_followed_as_given():
    assert links.on_org(ORG + ":443/api/v1/users?after=00u2", ORG) == ORG + ":443/api/v1/users?after=00u2"
    assert links.on_org("https://DEV-123456.okta.com/api/v1/groups", ORG) == "https://DEV-123456.okta.com/api/v1/groups"


# --- the client against the fake org ---------------------------------------------------------------------

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def seed(org):
    """alice (a display name), bob, carol (SUSPENDED) and dave (DEPROVISIONED), an hour apart up to T0 - 1 h;
    Engineering (alice, bob) and Sales (carol)."""
    people = {}
    for hours, name, status in ((4, "alice", "ACTIVE"), (3, "bob", "ACTIVE"), (2, "carol", "SUSPENDED"),
                                (1, "dave", "DEPROVISIONED")):
        org.set_time(T0 - timedelta(hours=hours))
        people[name] = org.add_user(f"{name}@example.com", status=status,
                                    display="Alice Ames" if name == "alice" else None)
    people["engineering"] = org.add_group("Engineering", [people["alice"], people["bob"]])
    people["sales"] = org.add_group("Sales", [people["carol"]])
    org.set_time(T0)
    return people


def client(org, **options):
    """A client of the fake: pages of two, retries without waiting (the waits are recorded)."""
    waits = []
    made = org.source(**{k: options.pop(k) for k in ("token", "app_id") if k in options}).client(
        page_size=options.pop("page_size", 2), retries=options.pop("retries", 1), sleep=waits.append, **options)
    made.waits = waits
    return made


def users_calls(org):
    return [seen.query for seen in org.api_calls("/users") if seen.path == "/api/v1/users"]


def test_users_are_paged_by_link_then_the_deprovisioned_are_read(okta):
    people = seed(okta)
    with client(okta) as reader:
        listing = reader.iter_users()
        names = [(u["userName"], u["active"]) for u in listing]
    assert names == [("alice@example.com", True), ("bob@example.com", True), ("carol@example.com", False),
                     ("dave@example.com", False)]
    assert listing.complete and listing.whole
    # Users API, List all users: no filter leaves DEPROVISIONED out, so they are a second, filtered part.
    assert users_calls(okta) == [
        {"limit": "2"}, {"after": people["bob"]["id"], "limit": "2"},
        {"filter": 'status eq "DEPROVISIONED"', "limit": "2"}]
    assert {seen.auth for seen in okta.requests} == {"SSWS"}


def test_a_user_is_mapped_to_scim_with_lastupdated_as_its_last_modified(okta):
    people = seed(okta)
    with client(okta) as reader:
        alice, bob = reader.get_user(people["alice"]["id"]), reader.get_user(people["bob"]["id"])
    assert alice == {"id": people["alice"]["id"], "userName": "alice@example.com", "active": True,
                     "name": {"givenName": "Alice", "familyName": "Tester"}, "displayName": "Alice Ames",
                     "emails": [{"value": "alice@example.com", "primary": True, "type": "work"}],
                     "meta": {"lastModified": "2026-01-05T05:00:00.000Z"}}
    assert "displayName" not in bob  # Okta's profile has none unless it is set


@pytest.mark.parametrize("status, active", [
    ("ACTIVE", True), ("PROVISIONED", True), ("STAGED", True), ("RECOVERY", True), ("LOCKED_OUT", True),
    ("PASSWORD_EXPIRED", True), ("SUSPENDED", False), ("DEPROVISIONED", False)])
def test_each_okta_status_is_active_or_not(okta, status, active):
    user = okta.add_user("erin@example.com", status=status)
    with client(okta) as reader:
        assert reader.get_user(user["id"])["active"] is active


def test_a_gone_user_or_group_reads_as_none(okta):
    seed(okta)
    with client(okta) as reader:
        assert reader.get_user("00uGONE") is None and reader.get_group("00gGONE") is None


def test_incremental_users_are_filtered_on_lastupdated_in_oktas_format_deprovisioned_included(okta):
    people = seed(okta)
    okta.advance(hours=1)
    okta.update_user(people["bob"], firstName="Robert")
    with client(okta) as reader:
        listing = reader.iter_users(since="2026-01-05T07:30:00Z")
        assert [u["userName"] for u in listing] == ["bob@example.com", "dave@example.com"]
    assert not listing.whole  # changes only
    assert users_calls(okta)[0] == {"filter": 'lastUpdated gt "2026-01-05T07:30:00.000Z"', "limit": "2"}


def test_a_stored_position_resumes_in_its_part(okta):
    people = seed(okta)
    with client(okta) as reader:
        listing = reader.iter_users()
        iterator = iter(listing)
        [next(iterator) for _ in range(2)]
        position = listing.next_index
    assert position[0] == "listed" and position[1].startswith(okta.url + "/api/v1/users?")
    okta.requests.clear()
    with client(okta) as reader:
        assert [u["userName"] for u in reader.iter_users(start=position)] == [
            "carol@example.com", "dave@example.com"]
        assert [u["userName"] for u in reader.iter_users(start=["deprovisioned", None])] == ["dave@example.com"]
    assert users_calls(okta)[0] == {"after": people["bob"]["id"], "limit": "2"}


def test_a_next_link_to_another_host_is_refused_and_the_token_not_sent(okta):
    seed(okta)
    other = OktaOrg(token=okta.token)
    try:
        okta.fail(200, body=[], path="/users", headers={"Link": f'<{other.url}/api/v1/users?after=x>; rel="next"'})
        with client(okta) as reader, pytest.raises(ApiError) as refused:
            list(reader.iter_users())
    finally:
        other.close()
    assert refused.value.code == "foreign_link"
    assert other.requests == []


def test_one_link_header_with_both_links_pages_the_same(okta):
    seed(okta)
    okta.links_in_one_header = True
    with client(okta) as reader:
        assert len(list(reader.iter_users())) == 4


def test_groups_carry_every_member_page_and_the_latest_of_their_two_stamps(okta):
    people = seed(okta)
    okta.advance(minutes=5)
    okta.add_member(people["engineering"], people["carol"])
    with client(okta, member_page_size=2) as reader:
        groups = list(reader.iter_groups())
    assert [(g["displayName"], [m["value"] for m in g["members"]], g["meta"]["lastModified"]) for g in groups] == [
        ("Engineering", [people["alice"]["id"], people["bob"]["id"], people["carol"]["id"]],
         "2026-01-05T09:05:00.000Z"),
        ("Sales", [people["carol"]["id"]], "2026-01-05T08:00:00.000Z")]
    member_calls = [seen.query for seen in okta.api_calls(f"/groups/{people['engineering']['id']}/users")]
    assert member_calls == [{"limit": "2"}, {"after": people["bob"]["id"], "limit": "2"}]


def test_incremental_groups_are_those_renamed_or_whose_members_changed(okta):
    people = seed(okta)
    marketing = okta.add_group("Marketing")
    okta.advance(hours=1)
    okta.remove_member(people["sales"], people["carol"])
    okta.advance(minutes=1)
    okta.rename_group(marketing, "Growth")
    with client(okta) as reader:
        listing = reader.iter_groups(since="2026-01-05T09:30:00Z")
        assert [(g["displayName"], g.get("members", [])) for g in listing] == [("Sales", []), ("Growth", [])]
    assert not listing.whole
    moment = "2026-01-05T09:30:00.000Z"
    assert okta.api_calls("/groups")[0].query == {
        "filter": f'lastUpdated gt "{moment}" or lastMembershipUpdated gt "{moment}"', "limit": "2"}


def test_a_group_deleted_between_the_list_and_its_members_is_skipped(okta):
    people = seed(okta)
    okta.fail(404, path=f"/groups/{people['sales']['id']}/users",
              body={"errorCode": "E0000007", "errorSummary": "Not found: Resource not found: x (UserGroup)"})
    with client(okta) as reader:
        listing = reader.iter_groups()
        assert [g["displayName"] for g in listing] == ["Engineering"]
    assert listing.vanished == 1


# --- with an App ID -----------------------------------------------------------------------------------------


def app_seed(org):
    """seed(), and an app with bob assigned directly and Engineering (alice, bob) as a group."""
    people = seed(org)
    people["app"] = org.add_app()
    org.assign_user(people["app"], people["bob"])
    org.assign_group(people["app"], people["engineering"])
    return people


def test_with_an_app_id_only_its_users_and_groups_are_read(okta):
    people = app_seed(okta)
    with client(okta, app_id=people["app"]) as reader:
        users = [(u["userName"], u["active"]) for u in reader.iter_users()]
        groups = [g["displayName"] for g in reader.iter_groups()]
    assert users == [("alice@example.com", True), ("bob@example.com", True)]  # alice through Engineering
    assert groups == ["Engineering"]
    app_calls = [(seen.path, seen.query.get("expand")) for seen in okta.api_calls("/apps")]
    assert app_calls[0] == (f"/api/v1/apps/{people['app']}/users", "user")
    assert (f"/api/v1/apps/{people['app']}/groups", "group") in app_calls
    assert users_calls(okta) == []  # the org's list is not read


def test_with_an_app_id_an_unassigned_user_or_group_reads_as_none(okta):
    people = app_seed(okta)
    with client(okta, app_id=people["app"]) as reader:
        assert reader.get_user(people["carol"]["id"]) is None  # in the org, not in the app
        assert reader.get_user(people["alice"]["id"])["userName"] == "alice@example.com"
        assert reader.get_group(people["sales"]["id"]) is None
        okta.unassign_group(people["app"], people["engineering"])
        assert reader.get_user(people["alice"]["id"]) is None
        assert reader.get_user(people["bob"]["id"])["userName"] == "bob@example.com"  # still directly assigned


def test_with_an_app_id_a_missing_app_is_an_error_not_every_user_gone(okta):
    people = app_seed(okta)
    with client(okta, app_id="0oaNOSUCHAPP") as reader, pytest.raises(ApiError) as refused:
        reader.get_user(people["bob"]["id"])
    assert refused.value.code == "app_not_found"
    assert "Okta has no app 0oaNOSUCHAPP (404 E0000007: Not found: Resource not found: 0oaNOSUCHAPP " \
           "(AppInstance))" in str(refused.value)


def test_with_an_app_id_an_incremental_run_keeps_only_what_changed(okta):
    people = app_seed(okta)
    okta.advance(hours=1)
    okta.update_user(people["alice"], lastName="Ames")
    with client(okta, app_id=people["app"]) as reader:
        users = reader.iter_users(since="2026-01-05T09:30:00Z")
        assert [u["userName"] for u in users] == ["alice@example.com"]
        groups = reader.iter_groups(since="2026-01-05T09:30:00Z")
        assert list(groups) == []
    assert not users.whole and not groups.whole


# --- Test connection and errors ----------------------------------------------------------------------------


def test_test_connection_reads_one_user_and_one_group(okta):
    seed(okta)
    result = test_connection(okta.source())
    assert (result.ok, result.message, result.users, result.groups) == (True, f"Connected to {okta.url}.", None, None)
    assert [(seen.path, seen.query) for seen in okta.requests] == [
        ("/api/v1/users", {"limit": "1"}), ("/api/v1/groups", {"limit": "1"})]


def test_a_wrong_token_is_told_apart_with_where_to_make_one(okta):
    result = test_connection(okta.source(token="00-revoked-token"))
    assert (result.ok, result.stage, result.code) == (False, "api", "invalid_token")
    assert result.message == "Okta refused the API token (401 E0000011: Invalid token provided)."
    assert "Security → API → Tokens" in result.detail


def test_a_token_without_the_right_is_told_which_role_to_grant(okta):
    okta.deny("/groups")
    result = test_connection(okta.source())
    assert (result.stage, result.code) == ("api", "forbidden")
    assert result.message == ("The API token may not read /api/v1/groups (403 E0000006: You do not have permission "
                              "to perform the requested action).")
    assert "Read-only Administrator" in result.detail


def test_a_wrong_app_id_is_told_apart(okta):
    result = test_connection(okta.source(app_id="0oaWRONG"))
    assert result.code == "app_not_found"
    assert result.message == ("Okta has no app 0oaWRONG (404 E0000007: Not found: Resource not found: 0oaWRONG "
                              "(AppInstance)).")
    assert "Applications → Applications" in result.detail


@pytest.mark.parametrize("status", [200, 404])
def test_a_host_that_is_not_okta_says_to_check_the_domain_url(okta, status):
    okta.fail(status, body="<html><body>Welcome</body></html>", content_type="text/html; charset=utf-8")
    result = test_connection(okta.source())
    assert (result.stage, result.code) == ("api", "not_okta")
    assert result.message == (f"{okta.url}/api/v1/users answered {status} with text/html; charset=utf-8, not "
                              "Okta's API. Check the Okta domain URL.")


def test_a_token_quoted_back_by_a_proxy_is_scrubbed(okta):
    okta.fail(502, times=None, body={"errorCode": "E0000009", "errorSummary": f"upstream refused SSWS {okta.token}"})
    result = test_connection(okta.source())
    assert result.code == "server_error" and okta.token not in result.message
    assert "SSWS [redacted]" in result.message


def test_a_refused_filter_asks_for_a_full_pull(okta):
    okta.fail(400, path="/users", body={"errorCode": "E0000031", "errorSummary": "Invalid search criteria."})
    with client(okta) as reader, pytest.raises(FilterRefused) as refused:
        list(reader.iter_users(since="2026-01-05T07:30:00Z"))
    assert refused.value.status == 400 and refused.value.detail == "Invalid search criteria."


# --- rate limits ---------------------------------------------------------------------------------------------


def test_a_spent_rate_limit_is_waited_out_before_the_next_request(okta):
    seed(okta)
    okta.exhaust(reset_in=30)
    with client(okta, clock=lambda: 1000.0) as reader:
        list(reader.iter_users())
    assert reader.waits == [30.0]  # once, after the first page said nothing remains, before the second
    assert reader.limits.waits == [30.0]
    assert len(users_calls(okta)) == 3


def test_a_429_waits_until_okta_s_reset_then_retries(okta):
    seed(okta)
    okta.throttle(reset_in=7)
    with client(okta) as reader:
        assert len(list(reader.iter_users())) == 4
    assert reader.waits == [7.0]
    assert len(users_calls(okta)) == 4  # the throttled first page was asked again


def test_a_429_s_own_retry_after_wins_over_the_reset(okta):
    okta.throttle(reset_in=40, retry_after=5)
    with client(okta) as reader:
        reader.check()
    assert reader.waits == [5.0]


def test_a_rate_limit_that_outlasts_the_retries_fails_in_words(okta):
    okta.throttle(times=5, reset_in=3)
    with client(okta, retries=2) as reader, pytest.raises(ApiError) as refused:
        reader.check()
    assert refused.value.code == "rate_limited"
    assert "(429 E0000047: API call exceeded rate limit due to too many requests.)" in str(refused.value)
    assert reader.waits == [3.0, 3.0]


def test_a_failing_page_is_retried(okta):
    seed(okta)
    okta.fail(503, path="/groups")
    with client(okta) as reader:
        assert [g["displayName"] for g in reader.iter_groups()] == ["Engineering", "Sales"]
    assert len(reader.waits) == 1


def test_the_built_in_everyone_group_is_left_out_though_its_users_count_for_an_app(okta):
    people = seed(okta)
    everyone = okta.add_group("Everyone", [people[name] for name in ("alice", "bob", "carol", "dave")],
                              kind="BUILT_IN")
    app_id = okta.add_app()
    okta.assign_group(app_id, everyone)
    with client(okta) as reader:
        assert [g["displayName"] for g in reader.iter_groups()] == ["Engineering", "Sales"]
    with client(okta, app_id=app_id) as reader:
        # dave, DEPROVISIONED, is assigned to no app (Okta unassigns a user it deactivates).
        assert [u["userName"] for u in reader.iter_users()] == [f"{name}@example.com" for name in
                                                                 ("alice", "bob", "carol")]
        assert list(reader.iter_groups()) == []
