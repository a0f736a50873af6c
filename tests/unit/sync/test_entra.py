"""The Entra ID client against a fake Microsoft Graph (tests/fakes/graph.py): delta paging and mapping, what a
later round reads, chosen groups, Test connection by stage, throttling, a new token on a 401, secrets scrubbed."""

import pytest

from sync.diagnose import test_connection as diagnose
from sync.errors import ApiError, FilterRefused
from sync.resources import is_removed
from tests.fakes import graph as fake_graph
from tests.fakes.graph import FakeGraph

graph_api = fake_graph.graph_api  # the fixture

USER_SELECT = "id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,onPremisesSamAccountName"


def client(fake, sleep=None, **overrides):
    return fake.entra_source(**overrides).client(page_size=2, retries=1,
                                                  sleep=(lambda _s: None) if sleep is None else sleep)


def seed(fake):
    """alice and bob in Engineering, carol (no mail, on-premises sAMAccountName) in Sales."""
    alice, bob = fake.add_user("alice"), fake.add_user("bob", enabled=False)
    carol = fake.add_user("carol", mail="", sam="CAROL")
    fake.add_group("Engineering", [alice, bob])
    fake.add_group("Sales", [carol])
    return alice, bob, carol


def read(listing):
    """(resources, listing) once it is read to its end."""
    return list(listing), listing


def test_the_first_round_reads_every_user_a_page_at_a_time_and_ends_with_a_delta_link(graph_api):
    alice, _bob, _carol = seed(graph_api)
    with client(graph_api) as graph:
        users, listing = read(graph.iter_users())
    assert users[0] == {"id": alice["id"], "userName": "alice@contoso.onmicrosoft.com", "active": True,
                        "name": {"givenName": "Alice", "familyName": "Tester"}, "displayName": "Alice Tester",
                        "emails": [{"value": "alice@contoso.com", "primary": True, "type": "work"}]}
    assert [(u["userName"], u["active"]) for u in users[1:]] == [("bob@contoso.onmicrosoft.com", False),
                                                                 ("carol@contoso.onmicrosoft.com", True)]
    assert "emails" not in users[2]
    assert (listing.complete, listing.whole, listing.pages) == (True, True, 2)
    assert listing.watermark.startswith(f"{graph_api.url}/v1.0/users/delta?$deltatoken=")
    calls = graph_api.api_calls("/users/delta")
    assert calls[0].query == {"$select": USER_SELECT}  # accountEnabled is returned only when selected
    assert list(calls[1].query) == ["$skiptoken"]  # the next link followed as given


def test_the_token_request_carries_the_secret_in_the_form_body_for_graphs_default_scope(graph_api):
    with client(graph_api) as graph:
        list(graph.iter_users())
    (call,) = graph_api.token_calls()
    assert call.path == f"/{graph_api.tenant_id}/oauth2/v2.0/token" and call.auth is None
    assert call.form == {"client_id": graph_api.client_id, "client_secret": graph_api.client_secret,
                         "scope": f"{graph_api.url}/.default", "grant_type": "client_credentials"}
    assert {seen.auth for seen in graph_api.api_calls()} == {"Bearer"}


@pytest.mark.parametrize("attribute, names", [
    ("mail", ["alice@contoso.com", "bob@contoso.com", None]),
    ("onPremisesSamAccountName", [None, None, "CAROL"]),
])
def test_the_username_attribute_chosen_names_the_user_and_a_user_without_it_has_no_username(graph_api, attribute,
                                                                                            names):
    seed(graph_api)
    with client(graph_api, username_attribute=attribute) as graph:
        assert [user["userName"] for user in graph.iter_users()] == names


def test_a_later_round_lists_only_what_changed_and_reads_an_updated_user_whole(graph_api):
    alice, _bob, carol = seed(graph_api)
    with client(graph_api) as graph:
        _, first = read(graph.iter_users())
    graph_api.update_user(alice["id"], displayName="Alice Ames")
    graph_api.delete_user(carol["id"])
    dave = graph_api.add_user("dave")
    graph_api.requests.clear()
    with client(graph_api) as graph:
        users, listing = read(graph.iter_users(since=first.watermark))
    assert [(u["id"], u.get("displayName")) for u in users] == [(alice["id"], "Alice Ames"), (carol["id"], None),
                                                                (dave["id"], "Dave Tester")]
    assert users[0]["userName"] == "alice@contoso.onmicrosoft.com" and is_removed(users[1])
    assert (listing.whole, listing.complete) == (False, True)
    assert listing.watermark != first.watermark
    # alice came with her displayName only, so she was read whole; dave, new, came whole.
    assert [call.path for call in graph_api.api_calls() if "delta" not in call.path] == [f"/v1.0/users/{alice['id']}"]


def test_a_round_with_nothing_changed_is_one_request_per_listing(graph_api):
    seed(graph_api)
    with client(graph_api) as graph:
        _, users = read(graph.iter_users())
        _, groups = read(graph.iter_groups())
    graph_api.requests.clear()
    with client(graph_api) as graph:
        assert list(graph.iter_users(since=users.watermark)) == []
        assert list(graph.iter_groups(since=groups.watermark)) == []
    assert [call.path for call in graph_api.requests] == [
        f"/{graph_api.tenant_id}/oauth2/v2.0/token", "/v1.0/users/delta", "/v1.0/groups/delta"]


def test_groups_carry_their_user_members_read_from_each_group(graph_api):
    alice, bob, carol = seed(graph_api)
    engineering = next(iter(graph_api.groups))
    team = graph_api.add_group("Team", [carol, alice, engineering, bob])  # a nested group among them
    with client(graph_api) as graph:
        groups, listing = read(graph.iter_groups())
    assert [(g["displayName"], [m["value"] for m in g.get("members", [])]) for g in groups] == [
        ("Engineering", [alice["id"], bob["id"]]), ("Sales", [carol["id"]]),
        ("Team", [carol["id"], alice["id"], bob["id"]])]  # the nested group is not a user: left out
    assert listing.whole and listing.watermark.startswith(f"{graph_api.url}/v1.0/groups/delta?$deltatoken=")
    assert graph_api.api_calls("/groups/delta")[0].query == {"$select": "id,displayName,members"}
    # Team's 4 members come two a page: its second page is its next link.
    assert [list(c.query) for c in graph_api.api_calls(f"/groups/{team['id']}/members")] == [
        ["$select", "$top"], ["$skiptoken"]]


def test_a_group_split_over_delta_pages_is_yielded_once_with_every_member(graph_api):
    """Graph lists a group with many members several times on the first round, a part of them each time."""
    people = [graph_api.add_user(f"user{n}") for n in range(5)]
    graph_api.members_per_object = 2
    crowd = graph_api.add_group("Crowd", people)
    with client(graph_api) as graph:
        groups, listing = read(graph.iter_groups())
    assert [(g["id"], len(g["members"])) for g in groups] == [(crowd["id"], 5)]
    assert listing.pages == 2 and listing.duplicates == 2  # three objects of one group, two a page


def test_a_later_group_round_lists_renamed_changed_and_deleted_groups_only(graph_api):
    alice, bob, carol = seed(graph_api)
    engineering, sales = list(graph_api.groups)
    other = graph_api.add_group("Other", [alice])
    with client(graph_api) as graph:
        _, first = read(graph.iter_groups())
    graph_api.rename_group(engineering, "Engineering Team")
    graph_api.add_members(sales, [alice])
    graph_api.delete_group(other["id"])
    with client(graph_api) as graph:
        groups, listing = read(graph.iter_groups(since=first.watermark))
    assert listing.whole is False
    assert [(g["id"], g.get("displayName"), [m["value"] for m in g.get("members", [])]) for g in groups] == [
        (engineering, "Engineering Team", [alice["id"], bob["id"]]),
        (sales, "Sales", [carol["id"], alice["id"]]),  # its name read from the group: the delta did not give it
        (other["id"], None, [])]
    assert is_removed(groups[2])


def test_get_user_and_get_group_answer_none_once_gone(graph_api):
    alice, _bob, _carol = seed(graph_api)
    engineering = next(iter(graph_api.groups))
    with client(graph_api) as graph:
        assert graph.get_user(alice["id"])["userName"] == "alice@contoso.onmicrosoft.com"
        assert graph.get_group(engineering)["displayName"] == "Engineering"
        graph_api.delete_user(alice["id"])
        graph_api.delete_group(engineering)
        assert graph.get_user(alice["id"]) is None and graph.get_group(engineering) is None


def test_chosen_groups_give_their_users_nested_ones_included_each_once_and_only_those_groups(graph_api):
    alice, _bob, carol = seed(graph_api)
    engineering, sales = list(graph_api.groups)
    dave = graph_api.add_user("dave")
    graph_api.add_group("Platform", [dave, alice])
    graph_api.add_members(engineering, [next(g for g in graph_api.groups if g not in (engineering, sales))])
    source = graph_api.entra_source(from_groups="engineering")  # Graph's eq on displayName ignores case
    assert source.incremental is None
    with source.client(page_size=2) as graph:
        users, listing = read(graph.iter_users())
        groups, _ = read(graph.iter_groups())
        assert [u["userName"].split("@")[0] for u in users] == ["alice", "bob", "dave"]
        assert listing.complete and listing.whole and listing.watermark is None
        assert [(g["displayName"], len(g["members"])) for g in groups] == [("Engineering", 3)]
        assert graph.get_user(carol["id"]) is None  # not in Engineering
        assert graph.get_user(dave["id"])["userName"] == "dave@contoso.onmicrosoft.com"
        assert graph.get_group(sales) is None
    assert graph_api.api_calls("/groups")[0].query == {"$filter": "displayName eq 'engineering'",
                                                       "$select": "id,displayName"}


def test_a_chosen_group_that_does_not_exist_stops_the_read_before_anything_is_listed(graph_api):
    seed(graph_api)
    source = graph_api.entra_source(from_groups=["Engineering", "O'Brien's team"])
    with source.client() as graph, pytest.raises(ApiError) as missing:
        list(graph.iter_users())
    assert missing.value.code == "group_not_found"
    assert str(missing.value) == "There is no group named \"O'Brien's team\" in the tenant (Synchronize users from)."
    assert graph_api.api_calls("/groups")[-1].query["$filter"] == "displayName eq 'O''Brien''s team'"


def test_a_resumed_round_starts_at_the_next_link_it_stopped_at(graph_api):
    seed(graph_api)
    with client(graph_api) as graph:
        listing = graph.iter_users()
        assert next(iter(listing))["userName"] == "alice@contoso.onmicrosoft.com"
        position = listing.next_index  # the next link of page 1, as the pull cursor keeps it
    graph_api.requests.clear()
    with client(graph_api) as graph:
        rest, resumed = read(graph.iter_users(start=position))
    assert [u["userName"] for u in rest] == ["carol@contoso.onmicrosoft.com"]
    assert resumed.complete and resumed.watermark
    assert [list(call.query) for call in graph_api.api_calls()] == [["$skiptoken"]]


def test_a_delta_link_graph_no_longer_keeps_means_reading_everything_again(graph_api):
    seed(graph_api)
    with client(graph_api) as graph:
        _, first = read(graph.iter_users())
    graph_api.forget_delta_tokens()
    with client(graph_api) as graph, pytest.raises(FilterRefused) as refused:
        list(graph.iter_users(since=first.watermark))
    assert refused.value.status == 410 and "syncStateNotFound" in str(refused.value)


def test_a_delta_link_of_another_graph_url_is_not_followed(graph_api):
    with client(graph_api) as graph, pytest.raises(FilterRefused, match="not under"):
        graph.iter_users(since="https://graph.example.com/v1.0/users/delta?$deltatoken=x")
    assert graph_api.requests == []


def test_a_next_link_off_the_graph_url_is_not_followed_with_the_token(graph_api):
    graph_api.fail_api(200, body={"value": [], "@odata.nextLink": "https://evil.example/v1.0/users?x=1"})
    with client(graph_api) as graph, pytest.raises(ApiError) as refused:
        list(graph.iter_users())
    assert refused.value.code == "bad_link"


def test_a_429_waits_as_retry_after_says_then_succeeds(graph_api, sleeps):
    seed(graph_api)
    graph_api.throttle_once("/users/delta", retry_after="3")
    with client(graph_api, sleep=sleeps) as graph:
        assert len(list(graph.iter_users())) == 3
    assert sleeps == [3.0]
    assert [call.path for call in graph_api.api_calls()][:2] == ["/v1.0/users/delta"] * 2


def test_a_token_graph_stops_accepting_is_replaced_once(graph_api):
    seed(graph_api)
    with client(graph_api) as graph:
        listing = iter(graph.iter_users())
        next(listing)
        next(listing)
        graph_api.expire_tokens()
        assert next(listing)["userName"] == "carol@contoso.onmicrosoft.com"
        assert graph.credentials.fetches == 2


def test_graph_errors_quoted_in_messages_never_carry_the_secret(graph_api):
    graph_api.fail_api(500, times=None, body={"error": {"code": "InternalServerError",
                                                        "message": f"boom {graph_api.client_secret}"}})
    with client(graph_api) as graph, pytest.raises(ApiError) as failed:
        list(graph.iter_users())
    assert failed.value.code == "server_error"
    assert graph_api.client_secret not in str(failed.value) and "[redacted]" in failed.value.detail


def test_test_connection_counts_users_and_groups(graph_api):
    seed(graph_api)
    result = diagnose(graph_api.entra_source())
    assert (result.ok, result.users, result.groups) == (True, 3, 2)
    assert result.message == f"Connected to {graph_api.url}/v1.0: the source reports 3 users and 2 groups."
    assert {call.consistency for call in graph_api.api_calls()} == {"eventual"}  # $count needs it


def test_test_connection_with_chosen_groups_counts_the_groups_found(graph_api):
    seed(graph_api)
    result = diagnose(graph_api.entra_source(from_groups="Engineering,Sales"))
    assert (result.ok, result.users, result.groups) == (True, None, 2)
    missing = diagnose(graph_api.entra_source(from_groups="Marketing"))
    assert (missing.stage, missing.code) == ("api", "group_not_found")
    assert "Groups → All groups" in missing.detail


@pytest.mark.parametrize("overrides, code, said, advice", [
    ({"client_secret": "wrong~secret"}, "wrong_secret", "AADSTS7000215: Invalid client secret provided.",
     "Certificates & secrets"),
    ({"tenant_id": "fabrikam.onmicrosoft.com"}, "unknown_tenant",
     "AADSTS90002: Tenant 'fabrikam.onmicrosoft.com' not found.", "Directory (tenant) ID"),
    ({"client_id": "00000000-0000-4000-8000-000000000000"}, "unknown_client",
     "AADSTS700016: Application with identifier", "Application (client) ID"),
])
def test_test_connection_tells_the_token_endpoints_refusals_apart(graph_api, overrides, code, said, advice):
    result = diagnose(graph_api.entra_source(**overrides))
    assert (result.ok, result.stage, result.code) == (False, "token", code)
    assert said in result.message and "Trace ID" not in result.message
    assert advice in result.detail
    assert "wrong~secret" not in result.message


def test_the_tenants_verified_domain_works_as_its_id(graph_api):
    assert diagnose(graph_api.entra_source(tenant_id=graph_api.domain)).ok


def test_test_connection_names_the_permissions_to_grant_when_graph_refuses(graph_api):
    graph_api.permitted = False
    result = diagnose(graph_api.entra_source())
    assert (result.stage, result.code) == ("api", "forbidden")
    assert result.message == (f"Microsoft Graph does not let the app read {graph_api.url}/v1.0/users?$top=1&$select=id"
                              "&$count=true (403 Authorization_RequestDenied: Insufficient privileges to complete "
                              "the operation.).")
    assert "Directory.Read.All and User.Read.All as application permissions" in result.detail
    assert "API permissions → Add a permission → Microsoft Graph → Application permissions" in result.detail
    assert "Grant admin consent" in result.detail


def test_test_connection_on_a_graph_url_that_is_not_graph(graph_api):
    with FakeGraph() as other:  # a Graph URL whose server does not know the token issued here
        result = diagnose(graph_api.entra_source(graph_url=other.url))
    assert (result.stage, result.code) == ("token", "token_scope")  # the scope follows the Graph URL
    assert "AADSTS1002012" in result.message


def test_page_size_bounds(graph_api):
    with pytest.raises(ValueError, match="between 1 and 999"):
        graph_api.entra_source().client(page_size=1000)


def test_the_fake_token_endpoint_wants_the_secret_in_the_body_as_microsoft_documents_it(graph_api):
    """HTTP Basic alone leaves the form without client_id: AADSTS900144, which EntraCredentials never meets."""
    from sync.errors import TokenError
    from sync.http import Http
    from sync.oauth import ClientCredentials

    source = graph_api.entra_source()
    basic = ClientCredentials(source.destination, source.client_id, source.client_secret, source.scope)
    with Http(retries=0) as http, pytest.raises(TokenError) as refused:
        basic.header(http)
    assert "AADSTS900144: The request body must contain the following parameter: 'client_id'." in str(refused.value)
    with Http(retries=0) as http:
        assert source.credentials().header(http).startswith("Bearer ")
