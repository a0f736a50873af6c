"""The database-built user body equals the one Python renders, key for key and in the same order."""

import json
from datetime import datetime

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from models import Directory, Group, Membership, User, UserValue
from scim import render
from scim.attributes import USER_RESOURCE
from store.resources import users
from store.resources.user_rows import ADDRESS, ENTERPRISE_SIMPLE, MULTI, NAME, SIMPLE

BASE = "https://idp.example.com/plugins/servlet/usersync/scim"
# Text as IdPs send it, and what JSON must escape: quotes, backslashes, control characters, non-ASCII.
TEXT = st.one_of(st.none(), st.just(""), st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12))
WHEN = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31)) | st.sampled_from(
    [datetime(2026, 11, 29, 4, 5, 6), datetime(2026, 11, 29, 4, 5, 6, 999999), datetime(2026, 1, 2, 3, 4, 5, 1000)])
ENTRY = st.fixed_dictionaries({
    "value": TEXT, "display": TEXT, "type": TEXT, "primary": st.sampled_from([None, True, False]),
    **{column: TEXT for column in ADDRESS.values()}})
PERSON = st.fixed_dictionaries({
    "columns": st.fixed_dictionaries({column: TEXT for column in (
        *[c for c in SIMPLE.values() if c != "user_name"], *NAME.values(), *ENTERPRISE_SIMPLE.values(),
        "manager_id")}),
    "active": st.sampled_from([None, True, False]),
    "created": WHEN, "last_modified": WHEN, "version": st.integers(1, 2 ** 31 - 1),
    "values": st.lists(st.tuples(st.sampled_from(MULTI), ENTRY), max_size=5),
    "groups": st.lists(st.sampled_from(["Alpha", "beta", "Gamma \"q\"", "δ"]), unique=True, max_size=3),
})


def ordered(text):
    """JSON with every object as its (key, value) pairs in order, so that order is compared too."""
    return json.loads(text, object_pairs_hook=tuple)


def python_body(directory_id, user_id):
    return ordered(orjson.dumps(render.resource(USER_RESOURCE, users.get(directory_id, user_id), BASE)))


def _create(directory, number, person):
    name = f"person{number}"
    user = User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                       host_username_lower=name, active=person["active"], created=person["created"],
                       last_modified=person["last_modified"], version=person["version"], **person["columns"])
    for position, (attribute, entry) in enumerate(person["values"]):
        UserValue.create(user=user, attribute=attribute, position=position, **entry)
    for display in person["groups"]:
        group = Group.get_or_none(Group.directory == directory, Group.display_name == display) or Group.create(
            directory=directory, display_name=display, display_name_lower=display.lower())
        Membership.create(group=group, member_id=user.id, display=name)
    return user


@pytest.fixture
def directory(store_db):
    return Directory.select().first()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=PERSON)
def test_a_get_by_id_body_equals_pythons(directory, person):
    user = _create(directory, User.select().count(), person)
    etag, body = users.get_rendered(directory.id, user.id, BASE)
    expected = python_body(directory.id, user.id)
    assert ordered(orjson.dumps(body)) == expected
    assert etag == f'W/"{person["version"]}"'


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(people=st.lists(PERSON, min_size=1, max_size=6), start=st.integers(1, 7), count=st.integers(0, 7))
def test_a_page_of_bodies_equals_pythons(directory, people, start, count):
    for person in people:
        _create(directory, User.select().count(), person)
    total, bodies = users.search_rendered(directory.id, None, None, False, start, count, BASE)
    expected_total, docs = users.search(directory.id, None, None, False, start, count)
    assert total == expected_total
    assert [ordered(orjson.dumps(body)) for body in bodies] == [
        ordered(orjson.dumps(render.resource(USER_RESOURCE, doc, BASE))) for doc in docs]


def test_a_filtered_sorted_page_equals_pythons(directory):
    for number in range(5):
        _create(directory, number, {"columns": {"display_name": f"D{number % 2}"}, "active": True,
                                    "created": datetime(2026, 1, 1), "last_modified": datetime(2026, 1, 1),
                                    "version": 1, "values": [], "groups": []})
    query = ('displayName eq "D1"', "userName", True, 1, 10)
    total, bodies = users.search_rendered(directory.id, *query, BASE)
    assert total == 2
    assert [json.loads(orjson.dumps(body))["userName"] for body in bodies] == ["person3", "person1"]


def test_a_hidden_or_foreign_user_is_not_found(directory):
    from scim import errors
    user = _create(directory, 0, {"columns": {}, "active": None, "created": datetime(2026, 1, 1),
                                  "last_modified": datetime(2026, 1, 1), "version": 1, "values": [], "groups": []})
    other = Directory.create(name="other")
    with pytest.raises(errors.NotFound):
        users.get_rendered(other.id, user.id, BASE)
    User.update(scim_linked=False).where(User.id == user.id).execute()
    with pytest.raises(errors.NotFound):
        users.get_rendered(directory.id, user.id, BASE)
    with pytest.raises(errors.NotFound):
        users.get_rendered(directory.id, "nul\x00id", BASE)
