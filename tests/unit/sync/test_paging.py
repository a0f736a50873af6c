"""Index paging (RFC 7644 §3.4.2.4) against a scripted source: short pages, moving totals, missing fields."""

import pytest

from sync.paging import Listing


def users(*numbers):
    return [{"id": f"u{n}"} for n in numbers]


class Source:
    """Answers each (startIndex, count) from a list of resources, with knobs for how it misbehaves."""

    def __init__(self, resources, *, cap=None, total=True, resources_key=True):
        self.resources, self.cap, self.total, self.resources_key = list(resources), cap, total, resources_key
        self.asked = []
        self.on_page = {}  # page number -> callable(Source) run before answering it

    def __call__(self, start, count):
        self.asked.append((start, count))
        self.on_page.get(len(self.asked), lambda s: None)(self)
        count = min(count, self.cap or count)
        page = self.resources[start - 1:start - 1 + count]
        body = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"], "startIndex": start}
        if self.total:
            body["totalResults"] = len(self.resources)
        if page or self.resources_key:
            body["Resources"] = page
        return body


def test_several_full_pages():
    source = Source(users(*range(1, 8)))
    listing = Listing(source, 3)
    assert [u["id"] for u in listing] == [f"u{n}" for n in range(1, 8)]
    assert source.asked == [(1, 3), (4, 3), (7, 3)]
    assert listing.complete and listing.pages == 3 and listing.total == 7 and listing.stopped == "end"


def test_short_pages_continue_from_what_came():
    source = Source(users(*range(1, 8)), cap=2)  # the server gives 2 although 5 were asked
    listing = Listing(source, 5)
    assert len(list(listing)) == 7
    assert source.asked == [(1, 5), (3, 5), (5, 5), (7, 5)]
    assert listing.complete


def test_without_total_results_paging_ends_on_an_empty_page():
    source = Source(users(1, 2, 3), total=False, resources_key=False)
    listing = Listing(source, 2)
    assert len(list(listing)) == 3
    assert source.asked == [(1, 2), (3, 2), (4, 2)]
    assert listing.complete and listing.total is None


def test_empty_source_without_resources_key():
    source = Source([], resources_key=False)  # RFC 7644 §3.4.2: Resources may be absent when empty
    listing = Listing(source, 200)
    assert list(listing) == [] and listing.complete and listing.total == 0


def test_a_delete_while_paging_is_flagged_incomplete():
    source = Source(users(*range(1, 7)))
    source.on_page[2] = lambda s: s.resources.pop(0)  # u1 deleted after page 1: u4 moves to index 3
    listing = Listing(source, 3)
    seen = [u["id"] for u in listing]
    assert "u4" not in seen  # skipped: offset paging cannot see it
    assert listing.totals == [6, 5] and not listing.complete


def test_a_create_while_paging_repeats_nothing_and_is_flagged():
    source = Source(users(*range(1, 7)))
    source.on_page[2] = lambda s: s.resources.insert(0, {"id": "u0"})  # u3 pushed onto page 2
    listing = Listing(source, 3)
    seen = [u["id"] for u in listing]
    assert seen == ["u1", "u2", "u3", "u4", "u5", "u6"] and listing.duplicates == 1
    assert not listing.complete  # u0 was not seen; the next full pull will


def test_a_source_that_ignores_start_index_stops_instead_of_looping():
    listing = Listing(lambda start, count: {"totalResults": 5, "Resources": users(1, 2)}, 2)
    assert len(list(listing)) == 2
    assert listing.stopped == "stalled" and listing.pages == 2 and not listing.complete


def test_page_limit():
    listing = Listing(lambda start, count: {"Resources": users(start)}, 1, max_pages=3)
    assert len(list(listing)) == 3 and listing.stopped == "max_pages" and not listing.complete


def test_items_per_page_is_not_trusted():
    # Oracle IDCS answers itemsPerPage = the count asked for, even on the last, shorter page.
    source = Source(users(1, 2, 3))
    listing = Listing(lambda s, c: {**source(s, c), "itemsPerPage": c}, 2)
    assert len(list(listing)) == 3 and listing.complete


def test_a_listing_is_iterated_once():
    listing = Listing(Source(users(1)), 5)
    list(listing)
    with pytest.raises(RuntimeError):
        iter(listing)
