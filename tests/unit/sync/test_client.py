"""The SCIM source client against the test IdP over real HTTP: paging, incremental pulls, members, tokens, retries."""

from datetime import UTC, datetime, timedelta

import pytest

from sync.client import ScimClient
from sync.errors import ApiError, FilterRefused
from sync.sources import OracleSource
from tests.idp_source import IdpSource

T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


def client(source, **options):
    return ScimClient(source, **{"page_size": 3, **options})


def starts(idp, path):
    return [int(seen.query["startIndex"]) for seen in idp.api_calls(path) if "startIndex" in seen.query]


def test_users_are_read_a_page_at_a_time(idp_source):
    created = idp_source.add_users(8)
    with client(idp_source.oracle_source()) as scim:
        listing = scim.iter_users()
        names = sorted(u["userName"] for u in listing)
    assert names == sorted(u["userName"] for u in created)
    assert starts(idp_source, "/Users") == [1, 4, 7]
    assert listing.complete and listing.total == 8 and listing.pages == 3


def test_short_pages_from_a_capped_server(idp_source):
    idp_source.add_users(5)
    idp_source.max_results = 2  # asks for 3, gets 2
    with client(idp_source.oracle_source()) as scim:
        listing = scim.iter_users()
        assert len(list(listing)) == 5
    assert starts(idp_source, "/Users") == [1, 3, 5] and listing.complete


def test_oracle_users_carry_the_idcs_extension(idp_source):
    idp_source.add_user("fed@example.com", federated=True)
    with client(idp_source.oracle_source()) as scim:
        (user,) = scim.iter_users()
    assert user["urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User"] == {"isFederatedUser": True}
    assert user["meta"]["lastModified"]


def test_attributes_are_asked_for(idp_source):
    idp_source.add_user("a@example.com")
    with client(idp_source.oracle_source()) as scim:
        (user,) = scim.iter_users(attributes=["userName", "active"])
    assert set(user) <= {"schemas", "id", "userName", "active"}
    assert idp_source.api_calls("/Users")[0].query["attributes"] == "userName,active"


def test_incremental_pull_filters_on_last_modified(idp_source):
    idp_source.set_time(T0)
    _, changed = idp_source.add_users(2)
    idp_source.set_time(T0 + timedelta(hours=1))
    idp_source.deactivate(changed["id"])
    new = idp_source.add_user("new@example.com")
    assert idp_source.last_modified(f"/Users/{changed['id']}") == T0 + timedelta(hours=1)
    with client(idp_source.oracle_source()) as scim:
        since = T0 + timedelta(minutes=30, microseconds=250)
        found = {u["id"]: u for u in scim.iter_users(since=since)}
    assert set(found) == {changed["id"], new["id"]} and found[changed["id"]]["active"] is False
    assert idp_source.api_calls("/Users")[0].query["filter"] == 'meta.lastModified gt "2024-05-01T12:30:00Z"'


def test_a_refused_filter_is_its_own_error(idp_source):
    idp_source.refuse_filters = True
    with client(idp_source.oracle_source()) as scim:
        with pytest.raises(FilterRefused) as refused:
            list(scim.iter_users(since=T0))
        assert refused.value.status == 400 and "a full pull is needed" in str(refused.value)
        assert list(scim.iter_users()) == []  # the fallback works


def test_since_must_be_aware(idp_source):
    with client(idp_source.oracle_source()) as scim, pytest.raises(ValueError, match="aware"):
        scim.iter_users(since=datetime(2024, 1, 1))


def test_oracle_groups_get_their_members_from_each_group(idp_source):
    users = idp_source.add_users(4)
    engineering = idp_source.add_group("Engineering", users[:3])
    idp_source.add_group("Empty")
    with client(idp_source.oracle_source()) as scim:
        groups = {g["displayName"]: g for g in scim.iter_groups()}
    assert sorted(m["value"] for m in groups["Engineering"]["members"]) == sorted(u["id"] for u in users[:3])
    assert groups["Empty"]["members"] == [] and groups["Engineering"]["meta"]["lastModified"]
    listed = idp_source.api_calls("/Groups")[0]
    assert "members" not in listed.query.get("attributes", "")  # IDCS: not in the list request
    assert any(s.path == f"/admin/v1/Groups/{engineering['id']}" for s in idp_source.api_calls("/Groups/"))


def test_big_oracle_groups_are_read_a_page_of_members_at_a_time(idp_source):
    class SmallPages(OracleSource):
        member_page_size = 2

    users = idp_source.add_users(5)
    group = idp_source.add_group("Many", users)
    source = SmallPages(idp_source.url, idp_source.client_id, idp_source.client_secret)
    with client(source) as scim:
        full = scim.get_group(group["id"])
        assert scim.get_group("no-such-group") is None
    assert sorted(m["value"] for m in full["members"]) == sorted(u["id"] for u in users)
    assert full["displayName"] == "Many"
    pages = [s.query["attributes"] for s in idp_source.api_calls(f"/Groups/{group['id']}")]
    assert pages == [f"displayName,members[startIndex={n}&count=2]" for n in (1, 3, 5)]


def test_groups_without_members(idp_source):
    idp_source.add_group("Solo", idp_source.add_users(1))
    with client(idp_source.oracle_source()) as scim:
        (group,) = scim.iter_groups(members=False)
    assert "members" not in group and len(idp_source.api_calls("/Groups")) == 1


def test_generic_scim_source_lists_members_inline():
    with IdpSource(idcs=False, scope=None) as idp:
        users = idp.add_users(2)
        idp.add_group("Inline", users)
        with client(idp.scim_source()) as scim:
            (group,) = scim.iter_groups()
            assert len(group["members"]) == 2
            assert scim.get_group(group["id"])["displayName"] == "Inline"
        assert len(idp.api_calls("/Groups")) == 2  # one list, one get_group: no per-group reads


def test_bearer_token_source(idp_source):
    idp_source.add_users(2)
    with client(idp_source.scim_source(auth="bearer")) as scim:
        assert len(list(scim.iter_users())) == 2
    assert idp_source.token_requests == 0


def test_one_token_serves_every_request(idp_source):
    idp_source.add_users(7)
    with client(idp_source.oracle_source()) as scim:
        list(scim.iter_users())
        list(scim.iter_groups())
        scim.check()
    assert idp_source.token_requests == 1


def test_an_expired_token_is_fetched_again_once(idp_source):
    idp_source.add_users(4)
    with client(idp_source.oracle_source()) as scim:
        listing = scim.iter_users()
        pages = iter(listing)
        next(pages)
        idp_source.expire_tokens()  # the IdP revokes tokens mid-pull
        assert len([next(pages), *pages]) == 3
    assert idp_source.token_requests == 2 and listing.complete


def test_a_token_refused_twice_is_unauthorized(idp_source):
    idp_source.fail_api(401, times=None)
    with client(idp_source.oracle_source()) as scim, pytest.raises(ApiError) as refused:
        scim.check()
    assert refused.value.code == "unauthorized" and idp_source.token_requests == 1  # a fresh token: no refetch


def test_a_cached_token_refused_is_replaced(idp_source):
    with client(idp_source.oracle_source()) as scim:
        scim.check()
        idp_source.fail_api(401, times=1)
        scim.check()
    assert idp_source.token_requests == 2


def test_retries_honour_retry_after_on_429(idp_source, sleeps):
    idp_source.add_users(1)
    idp_source.fail_api(429, headers={"Retry-After": "2"})
    with client(idp_source.oracle_source(), sleep=sleeps) as scim:
        assert len(list(scim.iter_users())) == 1
    assert sleeps == [2.0]


def test_retries_back_off_on_5xx(idp_source, sleeps):
    idp_source.fail_api(500, times=2)
    with client(idp_source.oracle_source(), sleep=sleeps) as scim:
        assert scim.check().users == 0
    assert len(sleeps) == 2 and 0.5 <= sleeps[0] < sleeps[1] <= 1.25


def test_retries_are_bounded(idp_source, sleeps):
    idp_source.fail_api(503, times=None)
    with client(idp_source.oracle_source(), sleep=sleeps, retries=2) as scim, pytest.raises(ApiError) as failed:
        scim.check()
    assert failed.value.code == "server_error" and len(sleeps) == 2
    assert len(idp_source.api_calls("/Users")) == 3


def test_page_size_bounds(idp_source):
    with pytest.raises(ValueError, match="between 1 and 1000"):
        ScimClient(idp_source.oracle_source(), page_size=1001)


def test_a_group_deleted_while_listing_is_skipped(idp_source):
    doomed = idp_source.add_group("Doomed")
    idp_source.add_group("Kept")
    idp_source.fail_api(404, path=f"/Groups/{doomed['id']}")  # gone when its members are read
    with client(idp_source.oracle_source()) as scim:
        listing = scim.iter_groups()
        assert [g["displayName"] for g in listing] == ["Kept"]
    assert listing.vanished == 1 and listing.seen == 2 and listing.complete


def test_member_paging_ignored_by_the_source_does_not_loop(idp_source):
    class SmallPages(OracleSource):
        member_page_size = 2

    users = idp_source.add_users(2)
    group = idp_source.add_group("Pair", users)
    idp_source.member_paging = False  # the source answers every member whatever page was asked
    source = SmallPages(idp_source.url, idp_source.client_id, idp_source.client_secret)
    with client(source) as scim:
        assert len(scim.get_group(group["id"])["members"]) == 2
    assert len(idp_source.api_calls(f"/Groups/{group['id']}")) == 2
