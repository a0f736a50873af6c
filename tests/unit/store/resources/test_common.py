"""Pages whose SQL is assembled from parts rendered once answer as peewee's own whole query does."""

import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Group, User
from scim import errors
from store.resources import common, filters

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


EQ_NAMES = ["userName", "USERNAME", "externalId", "displayName", "id", "title", "nickName", "emails", "active",
            "meta", "groups", "password", "unknownThing", "members"]
EQ_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters='"\\'), max_size=12)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(model=st.sampled_from([User, Group]), name=st.sampled_from(EQ_NAMES), text=EQ_TEXT)
def test_a_plain_eq_filter_from_its_template_is_the_sql_peewee_renders(store_db, model, name, text):
    """common._filtered puts values into a WHERE rendered once per attribute: the same SQL and values
    as compiling and rendering the filter, or the same error."""
    expression = f'{name} eq "{text}"'
    try:
        expected = common._rendered(model, common.scope(model, 3) & filters.where(model.__name__, expression))
    except errors.InvalidFilter as exc:
        with pytest.raises(errors.InvalidFilter, match=re.escape(exc.detail)):
            common._filtered(model, 3, expression)
        return
    assert common._filtered(model, 3, expression) == expected


def test_templates_stay_bounded_whatever_attribute_names_clients_send(store_db, monkeypatch):
    monkeypatch.setattr(common, "_EQUALS", {})
    for n in range(common._SHAPES_KEPT + 10):
        name = "".join(c.upper() if n >> i & 1 else c for i, c in enumerate("username"))
        assert common._filtered(User, 1, f'{name} eq "Bob"')[1][-1] == "bob"
    assert len(common._EQUALS) <= common._SHAPES_KEPT
