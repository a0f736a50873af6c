"""Unfiltered pages that start from anchors give what a plain OFFSET and COUNT give, as rows change."""

import os

import pytest

from models import Directory, Group, User
from store.resources import common, paging

pytestmark = pytest.mark.skipif(bool(os.environ.get("USERSYNC_TEST_DATABASE_URL")),
                                reason="PostgreSQL pages with COUNT and OFFSET; the anchors are SQLite's")


@pytest.fixture
def small_steps(monkeypatch):
    monkeypatch.setattr(paging, "STEP", 2)
    monkeypatch.setattr(paging, "_ANCHORS", {})


def _every_page(directory, expected_page):
    for start_index in range(1, 15):
        for count in (1, 2, 3, 5, 100):
            total, rows = common.page(User, directory.id, None, None, False, start_index, count)
            wanted = expected_page(directory, None, None, False, start_index, count)
            assert (total, [row.id for row in rows]) == wanted, (start_index, count)


def test_pages_from_anchors_match_offset_pages(people, expected_page, small_steps):
    _every_page(people, expected_page)
    ((generation, anchors),) = paging._ANCHORS.values()
    assert len(anchors) == 5  # 11 users shown, an anchor every 2nd row: rows 2, 4, 6, 8 and 10


def test_anchors_are_found_again_after_the_rows_change(people, expected_page, small_steps):
    _every_page(people, expected_page)
    users = list(User.select().where(User.scim_linked == True).order_by(User.created, User.id))  # noqa: E712
    users[1].delete_instance()
    _every_page(people, expected_page)
    User.update(scim_linked=False).where(User.id == users[4].id).execute()
    User.update(scim_linked=True).where(User.user_name == "user7").execute()
    _every_page(people, expected_page)
    User.create(directory=people, user_name="late", user_name_lower="late", host_username="late",
                host_username_lower="late", scim_linked=True)
    _every_page(people, expected_page)


def test_a_directory_without_users_has_empty_pages(people, expected_page, small_steps):
    empty = Directory.create(name="Empty")
    assert common.page(User, empty.id, None, None, False, 1, 10) == (0, [])
    assert common.page(User, empty.id, None, None, False, 5, 10) == (0, [])


def test_group_pages_start_from_anchors_too(people, small_steps):
    for n in range(7):
        Group.create(directory=people, display_name=f"g{n}", display_name_lower=f"g{n}")
    ordered = [group.id for group in Group.select().where(Group.directory == people).order_by(Group.created, Group.id)]
    for start_index in range(1, 11):
        for count in (1, 2, 3, 100):
            total, rows = common.page(Group, people.id, None, None, False, start_index, count)
            assert (total, [row.id for row in rows]) == (8, ordered[start_index - 1:start_index - 1 + count])
