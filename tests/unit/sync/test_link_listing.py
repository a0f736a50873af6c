"""Continuation paging (sync.paging.LinkListing): next links and page tokens, resumable at any page."""

import pytest

from sync.paging import LinkListing, Page

PAGES = {None: Page([{"id": "a"}, {"id": "b"}], next="p2"),
         "p2": Page([{"id": "b"}, {"id": "c"}], next="p3"),
         "p3": Page([{"id": "d"}], watermark="https://source.example/delta?token=42")}


def test_every_page_is_read_once_with_repeats_left_out_and_the_watermark_of_the_last_page_kept():
    asked = []
    listing = LinkListing(lambda position: asked.append(position) or PAGES[position])
    assert [r["id"] for r in listing] == ["a", "b", "c", "d"]
    assert asked == [None, "p2", "p3"]
    assert (listing.complete, listing.duplicates, listing.watermark, listing.next_index) == (
        True, 1, "https://source.example/delta?token=42", None)


def test_a_resumed_listing_starts_at_the_saved_position_and_vouches_for_what_came_before():
    listing = LinkListing(PAGES.__getitem__, start="p3")
    assert [r["id"] for r in listing] == ["d"]
    assert listing.complete and listing.vouches(3)


def test_a_fresh_cursors_index_means_the_first_page():
    listing = LinkListing(PAGES.__getitem__, start=1)
    assert listing.start is None and len(list(listing)) == 4


def test_the_position_of_the_next_page_is_known_once_a_page_is_yielded_to_its_end():
    listing = LinkListing(PAGES.__getitem__)
    positions = [(r["id"], listing.pending, listing.next_index) for r in listing]
    assert positions == [("a", 1, "p2"), ("b", 0, "p2"), ("c", 0, "p3"), ("d", 0, None)]


def test_a_source_that_gives_the_same_next_page_again_stops_the_listing_incomplete():
    loop = {None: Page([{"id": "a"}], next="x"), "x": Page([{"id": "b"}], next="x")}
    listing = LinkListing(loop.__getitem__)
    assert [r["id"] for r in listing] == ["a", "b"]
    assert listing.stopped == "stalled" and not listing.complete


def test_a_listing_of_changes_is_not_whole_and_can_be_iterated_once():
    listing = LinkListing(PAGES.__getitem__, whole=False)
    list(listing)
    assert not listing.whole
    with pytest.raises(RuntimeError):
        iter(listing)
