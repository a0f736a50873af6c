"""SQLite's per-directory counters stay exactly the COUNT they replace, whatever writes the rows."""

import os

import pytest
from peewee import fn

from models import Directory, Group, User, db, migrate, page_counts
from models.migrations import SchemaVersion

pytestmark = pytest.mark.skipif(bool(os.environ.get("USERSYNC_TEST_DATABASE_URL")),
                                reason="PostgreSQL counts; the counters are SQLite's")


def _counters():
    return {(resource, directory): visible for resource, directory, visible in
            db.execute_sql('SELECT resource, directory_id, visible FROM "page_count" WHERE visible != 0')}


def _counted():
    users = (User.select(User.directory, fn.COUNT(1)).where(User.scim_linked == True)  # noqa: E712
             .group_by(User.directory))
    groups = Group.select(Group.directory, fn.COUNT(1)).group_by(Group.directory)
    return {**{("User", d): n for d, n in users.tuples()}, **{("Group", d): n for d, n in groups.tuples()}}


def _generation(resource, directory):
    return db.execute_sql('SELECT generation FROM "page_count" WHERE resource = ? AND directory_id = ?',
                          (resource, directory.id)).fetchone()[0]


def _user(directory, name, linked=True):
    return User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                       host_username_lower=name, scim_linked=linked)


def test_counters_follow_every_kind_of_write(store_db):
    home, other = Directory.select().first(), Directory.create(name="Other")
    users = [_user(home, f"user{n}", linked=n % 4 != 0) for n in range(10)]
    groups = [Group.create(directory=d, display_name=f"g{n}", display_name_lower=f"g{n}")
              for n, d in enumerate([home, home, other])]
    assert _counters() == _counted()
    User.update(scim_linked=False).where(User.id == users[1].id).execute()  # unlinked
    User.update(scim_linked=True).where(User.id == users[0].id).execute()  # re-linked
    User.update(directory=other).where(User.id.in_([users[2].id, users[4].id])).execute()  # moved
    users[3].delete_instance()
    groups[0].delete_instance()
    User.insert_many([{"directory": other, "user_name": f"bulk{n}", "user_name_lower": f"bulk{n}",
                       "host_username": f"bulk{n}", "host_username_lower": f"bulk{n}", "scim_linked": True}
                      for n in range(5)]).execute()
    assert _counters() == _counted()
    other.delete_instance(recursive=True)  # cascades to its users and groups
    assert _counters() == _counted()


def test_the_generation_changes_with_the_order_and_only_then(store_db):
    home = Directory.select().first()
    alice = _user(home, "alice")
    before = _generation("User", home)
    User.update(display_name="Alice", version=2).where(User.id == alice.id).execute()
    User.update(scim_linked=True).where(User.id == alice.id).execute()  # set, but not changed
    assert _generation("User", home) == before
    _user(home, "bob")
    after_insert = _generation("User", home)
    User.update(scim_linked=False).where(User.id == alice.id).execute()
    assert len({before, after_insert, _generation("User", home)}) == 3


def test_a_rolled_back_write_leaves_the_counters_as_they_were(store_db):
    home = Directory.select().first()
    _user(home, "alice")
    before = (_counters(), _generation("User", home))
    with db.atomic() as transaction:
        _user(home, "bob")
        transaction.rollback()
    assert (_counters(), _generation("User", home)) == before


def test_a_version_3_store_gets_counters_of_what_it_holds(store_db):
    home = Directory.select().first()
    for n in range(3):
        _user(home, f"user{n}", linked=n != 1)
    for trigger in [row[0] for row in db.execute_sql("SELECT name FROM sqlite_master WHERE type = 'trigger'")]:
        db.execute_sql(f'DROP TRIGGER "{trigger}"')
    db.execute_sql('DROP TABLE "page_count"')
    SchemaVersion.delete().where(SchemaVersion.version >= 4).execute()
    migrate()
    assert _counters() == _counted() == {("User", home.id): 2}
    _user(home, "user9")
    assert _counters() == _counted()
    page_counts.install()  # idempotent
    assert _counters() == _counted()
