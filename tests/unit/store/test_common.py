"""Pages whose SQL is assembled from parts rendered once answer as peewee's own whole query does."""

import pytest

from models import User
from store import common

FILTERS = [None, 'userName eq "user3"', 'userName co "USER"', 'userName sw "user1"',
           'emails[type eq "work" and value co "2@"] or userName eq "user4"', 'not (emails pr)',
           'groups.value pr', 'displayName gt "D5" and active eq true', 'meta.lastModified gt "2000-01-01T00:00:00Z"']
SORTS = [(None, False), ("userName", True), ("emails", False), ("displayName", True)]


@pytest.mark.parametrize("filter_string", FILTERS)
@pytest.mark.parametrize("sort_by,descending", SORTS)
def test_a_page_matches_the_whole_query_peewee_renders(people, expected_page, filter_string, sort_by, descending):
    for start_index, count in ((1, 100), (2, 3), (11, 5), (1, 0)):
        total, rows = common.page(User, people.id, filter_string, sort_by, descending, start_index, count)
        assert (total, [row.id for row in rows]) == expected_page(people, filter_string, sort_by, descending,
                                                              start_index, count)


def test_the_rendered_shapes_stay_bounded_whatever_sortby_clients_send(people, expected_page, monkeypatch):
    monkeypatch.setattr(common, "_SHAPES", {})
    for n in range(common._SHAPES_KEPT + 10):  # attribute names are case-insensitive: each casing is a key
        sort_by = "".join(c.upper() if n >> i & 1 else c for i, c in enumerate("displayname"))
        total, rows = common.page(User, people.id, 'userName sw "user1"', sort_by, True, 1, 2)
        wanted = expected_page(people, 'userName sw "user1"', "displayName", True, 1, 2)
        assert (total, [row.id for row in rows]) == wanted
    assert len(common._SHAPES) <= common._SHAPES_KEPT
