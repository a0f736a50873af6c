"""Queries whose SQL is generated once give what peewee's own run of them gives."""

import pytest
from peewee import IntegrityError, SqliteDatabase

from models import Directory, User, UserValue, db
from store import sql
from store.sql import Prepared


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


def test_run_deletes_and_counts_what_it_changed(store_db):
    directory = Directory.select().first()
    users = [_user(directory, f"user{n}") for n in range(3)]
    drop = Prepared(lambda ids: User.delete().where(User.id.in_(ids)))
    assert drop.run([users[0].id, users[2].id, "missing"]) == 2
    assert [user.user_name for user in User.select()] == ["user1"]


def test_update_writes_only_its_row_and_converts_values(store_db):
    directory = Directory.select().first()
    alice, bob = _user(directory, "alice"), _user(directory, "bob")
    assert sql.update(User, alice.id, display_name="Alice A", active=False, version=7) == 1
    assert sql.update(User, "missing", display_name="nobody", active=True, version=1) == 0
    stored = User.get_by_id(alice.id)
    assert (stored.display_name, stored.active, stored.version) == ("Alice A", False, 7)
    assert User.get_by_id(bob.id).display_name is None


def test_update_if_writes_only_while_the_version_is_the_one_read(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    assert sql.update_if(User, alice.id, 1, display_name="First", version=2) == 1
    assert sql.update_if(User, alice.id, 1, display_name="Stale", version=2) == 0  # another write came first
    stored = User.get_by_id(alice.id)
    assert (stored.display_name, stored.version) == ("First", 2)


def test_insert_many_fills_defaults_per_row_in_a_few_statement_shapes(store_db):
    directory = Directory.select().first()
    rows = [{"directory": directory.id, "user_name": f"u{n}", "user_name_lower": f"u{n}",
             "host_username": f"u{n}", "host_username_lower": f"u{n}"} for n in range(127)]
    before = len(sql._MANY)
    sql.insert_many(User, rows)
    stored = list(User.select().order_by(User.user_name_lower))
    assert sorted(user.user_name for user in stored) == sorted(row["user_name"] for row in rows)
    assert len({user.id for user in stored}) == 127  # new_id called for each row, not once
    assert all(user.scim_linked is True and user.version == 1 for user in stored)
    # 127 rows = 100 + 20 + 5 + 1 + 1: four shapes, whatever the count
    assert len(sql._MANY) - before <= 4
    sql.insert_many(User, [])
    assert User.select().count() == 127


def test_insert_many_can_leave_out_rows_that_break_a_unique_key(store_db):
    from models import HostGroup, HostMembership

    directory = Directory.select().first()
    group = HostGroup.create(directory=directory, name="staff", name_lower="staff")
    users = [_user(directory, name) for name in ("alice", "bob", "carol")]
    HostMembership.create(group=group, user=users[0], reason="default")
    rows = [{"group": group.id, "user": user.id, "reason": "idp-group"} for user in users]
    sql.insert_many(HostMembership, rows, ignore_conflicts=True)
    held = {(m.user_id, m.reason) for m in HostMembership.select()}
    assert held == {(users[0].id, "default"), (users[1].id, "idp-group"), (users[2].id, "idp-group")}
    with pytest.raises(IntegrityError):  # without it, the taken key refuses the batch
        with db.atomic():
            sql.insert_many(HostMembership, rows[:1])


def test_rows_keep_the_types_peewee_gives(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    by_id = Prepared(lambda user_id: User.select().where(User.id == user_id))
    (record,) = by_id.records(alice.id)
    peewee_row = User.get_by_id(alice.id)
    for field in User._meta.sorted_fields:
        expected = peewee_row.__data__[field.name]  # a foreign key's id, not its row
        assert getattr(record, field.name) == expected, field.name
        assert type(getattr(record, field.name)) is type(expected), field.name


def test_whole_rows_read_as_one_value_each_on_sqlite_and_lose_nothing(store_db):
    """CPython 3.11's sqlite3 releases the GIL per column read: whole-row selects come packed in json_array."""
    directory = Directory.select().first()
    tricky = 'quote " backslash \\ tab\t newline\n ünïcode 😀 </script> 9007199254740993'
    user = _user(directory, "tricky")
    User.update(display_name=tricky, title="", nick_name=None, version=2_147_483_647).where(User.id == user.id).execute()
    by_id = Prepared(lambda user_id: User.select().where(User.id == user_id))
    (_, statement, _) = by_id._bound((user.id,))
    assert statement.startswith("SELECT json_array(") == isinstance(db.obj, SqliteDatabase)
    (record,) = by_id.records(user.id)
    (row,) = by_id.rows(user.id)
    stored = User.get_by_id(user.id)
    for field in User._meta.sorted_fields:
        assert getattr(record, field.name) == stored.__data__[field.name] == row.__data__[field.name], field.name
    assert (record.display_name, record.title, record.nick_name, record.version) == (tricky, "", None, 2_147_483_647)
    pairs = Prepared(lambda user_id: UserValue.select().where(UserValue.user == user_id))
    UserValue.create(user=user, attribute="emails", value=tricky, primary=True)
    (values,) = pairs.tuples(user.id)
    assert isinstance(values, tuple) and tricky in values


def test_datetimes_read_as_peewee_reads_them_whole_seconds_included(store_db):
    from datetime import datetime

    directory = Directory.select().first()
    user = _user(directory, "times")
    by_id = Prepared(lambda user_id: User.select().where(User.id == user_id))
    for moment in (datetime(2026, 11, 29, 3, 4, 5, 678901), datetime(2026, 11, 29, 3, 4, 5), datetime(1999, 1, 1)):
        User.update(created=moment, last_modified=moment).where(User.id == user.id).execute()
        (record,) = by_id.records(user.id)
        assert record.created == record.last_modified == moment == User.get_by_id(user.id).created
        assert type(record.created) is datetime
