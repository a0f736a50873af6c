"""Store unit tests' shared data: a directory of users with values, one group, one unlinked user."""

import pytest
from peewee import fn

from models import Directory, Group, Membership, User, UserValue
from store.resources import common, filters


@pytest.fixture
def people(store_db):
    directory = Directory.select().first()
    group = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    for n in range(12):
        name = f"user{n}"
        user = User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                           host_username_lower=name, scim_linked=n != 7, display_name=f"D{n % 9}", active=n % 3 > 0)
        if n % 4:
            UserValue.create(user=user, attribute="emails", position=0, value=f"{name}@example.com",
                             value_lower=f"{name}@example.com", type="work" if n % 2 else "home")
        if n % 5 == 0:
            Membership.create(group=group, member_id=user.id)
    return directory


@pytest.fixture
def expected_page():
    """(total, ids) of a page as peewee's own whole query and COUNT give it."""
    return _expected


def _expected(directory, filter_string, sort_by, descending, start_index, count):
    query = User.select(User.id).where(common.scope(User, directory.id))
    if filter_string:
        query = query.where(filters.where("User", filter_string))
    ordering = filters.order_by("User", sort_by, descending) if sort_by else [User.created, User.id]
    ids = [row.id for row in query.order_by(*ordering).offset(start_index - 1).limit(count)]
    total = User.select(fn.COUNT(User.id)).where(query._where).scalar()
    return total, ids
