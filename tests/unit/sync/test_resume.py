"""What a pull needs to resume a listing: start at a page, know when a page is done, read one user by id."""

from sync.client import ScimClient
from sync.paging import Listing

from .test_paging import Source, users


def test_a_listing_resumes_at_a_start_index_and_counts_what_came_before_as_seen():
    source = Source(users(1, 2, 3, 4, 5))
    listing = Listing(source, 2, start=3)
    assert [r["id"] for r in listing] == ["u3", "u4", "u5"]
    assert source.asked == [(3, 2), (5, 2)]
    assert listing.complete and listing.seen == 3


def test_pending_reaches_zero_on_the_last_resource_of_each_page_and_next_index_follows():
    listing = Listing(Source(users(1, 2, 3)), 2)
    marks = [(r["id"], listing.pending, listing.next_index) for r in listing]
    assert marks == [("u1", 1, 3), ("u2", 0, 3), ("u3", 0, 4)]  # a short page: the next index follows what came


def test_get_user_reads_one_user_or_none(idp_source):
    alice = idp_source.add_user("alice@example.com")
    with ScimClient(idp_source.oracle_source()) as client:
        assert client.get_user(alice["id"])["userName"] == "alice@example.com"
        assert client.get_user("no-such-id") is None
