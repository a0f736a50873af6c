"""Queries whose SQL is generated once give what peewee's own run of them gives."""

from models import Directory, User, UserValue
from store.prepared import Prepared


def _user(directory, name, linked=True):
    return User.create(directory=directory, user_name=name, user_name_lower=name.lower(), host_username=name,
                       host_username_lower=name.lower(), scim_linked=linked)


def test_rows_match_what_peewee_gives_for_every_call(store_db):
    directory = Directory.select().first()
    alice, bob = _user(directory, "Alice"), _user(directory, "Bob", linked=False)
    by_name = Prepared(lambda name, linked: User.select().where(
        (User.user_name_lower == name) & (User.scim_linked == linked)))
    assert [row.id for row in by_name.rows("alice", True)] == [alice.id]
    assert [row.id for row in by_name.rows("bob", False)] == [bob.id]
    assert by_name.first("bob", True) is None
    found = by_name.first("alice", True)
    assert (found.created, found.directory_id, found.active) == (alice.created, directory.id, alice.active)


def test_a_list_argument_compiles_once_per_length(store_db):
    directory = Directory.select().first()
    users = [_user(directory, f"user{n}") for n in range(3)]
    for user in users:
        UserValue.create(user=user, attribute="emails", value=f"{user.user_name}@example.com")
    values = Prepared(lambda ids: UserValue.select(UserValue.value).where(UserValue.user.in_(ids))
                      .order_by(UserValue.value))
    assert values.tuples([users[0].id, users[2].id]) == [("user0@example.com",), ("user2@example.com",)]
    assert values.tuples([users[1].id, "missing"]) == [("user1@example.com",)]
    assert values.tuples([users[1].id]) == [("user1@example.com",)]
    assert len(values._compiled) == 2


def test_values_are_parameters_never_sql(store_db):
    directory = Directory.select().first()
    _user(directory, "carol")
    by_name = Prepared(lambda name: User.select(User.id).where(User.user_name_lower == name))
    assert by_name.tuples("carol' OR '1'='1") == []
    assert User.select().count() == 1
