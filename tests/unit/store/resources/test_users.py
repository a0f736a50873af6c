"""The user store's uniqueness rules: one userName and one host username per directory."""

import pytest

from models import Directory, User
from scim import errors
from store.resources import users


def _user(directory, name, host=None):
    host = host or name
    return User.create(directory=directory, user_name=name, user_name_lower=name.lower(), host_username=host,
                       host_username_lower=host.lower(), scim_linked=True)


def _message(directory, user_name, host, own_id=None):
    with pytest.raises(errors.Uniqueness) as raised:
        users.check_unique(directory.id, user_name, host, own_id)
    return raised.value.detail


def test_a_taken_user_name_is_named_before_a_taken_host_username(store_db):
    directory = Directory.select().first()
    _user(directory, "Alice@example.com", host="alice")
    _user(directory, "bob@example.com", host="bob")
    assert "is already in use" in _message(directory, "ALICE@example.com", "bob")
    assert "is already in use" in _message(directory, "alice@EXAMPLE.com", "someone")
    assert "maps to the host username 'Bob'" in _message(directory, "new@example.com", "Bob")


def test_a_users_own_names_and_other_directories_never_conflict(store_db):
    directory = Directory.select().first()
    other = Directory.create(name="Other")
    alice = _user(directory, "alice@example.com", host="alice")
    _user(other, "bob@example.com", host="bob")
    users.check_unique(directory.id, "Alice@Example.com", "ALICE", alice.id)
    users.check_unique(directory.id, "bob@example.com", "bob")


def test_renaming_a_user_onto_another_is_refused_and_nothing_changes(store_db):
    directory = Directory.select().first()
    alice, _ = _user(directory, "alice"), _user(directory, "bob")
    with pytest.raises(errors.Uniqueness):
        users.write(alice, {"userName": "Bob"}, "Bob")
    assert User.get_by_id(alice.id).user_name == "alice"
    users.write(User.get_by_id(alice.id), {"userName": "ALICE", "displayName": "A"}, "ALICE")
    stored = User.get_by_id(alice.id)
    assert (stored.user_name, stored.display_name, stored.version) == ("ALICE", "A", 2)


def test_a_new_user_finds_its_unlinked_self_or_a_conflict_in_one_query(store_db):
    directory = Directory.select().first()
    gone = _user(directory, "gone@example.com", host="gone")
    User.update(scim_linked=False).where(User.id == gone.id).execute()
    _user(directory, "taken@example.com", host="taken")
    assert users.unlinked(directory.id, "new@example.com", "new") is None
    assert users.unlinked(directory.id, "GONE@example.com", "gone").id == gone.id
    assert users.unlinked(directory.id, "gone@example.com", "taken").id == gone.id  # write() refuses the host
    with pytest.raises(errors.Uniqueness, match="is already in use"):
        users.unlinked(directory.id, "Taken@example.com", "someone")
    with pytest.raises(errors.Uniqueness, match="maps to the host username 'gone'"):
        users.unlinked(directory.id, "other@example.com", "gone")  # an unlinked account passes to no one else


def test_unlink_checks_the_version_writes_once_and_leaves_the_row_to_the_host(store_db):
    from models import Group, Membership
    directory = Directory.select().first()
    alice = _user(directory, "alice@example.com", host="alice")
    group = Group.create(directory=directory, display_name="Ops", display_name_lower="ops")
    Membership.create(group=group, member_id=alice.id)
    with pytest.raises(errors.PreconditionFailed):
        users.unlink(directory.id, alice.id, 2)
    with pytest.raises(errors.NotFound):
        users.unlink(Directory.create(name="other").id, alice.id)
    for missing in ("nope", "nul\x00id"):
        with pytest.raises(errors.NotFound):
            users.unlink(directory.id, missing)
    assert users.unlink(directory.id, alice.id, "*") == ("alice", "alice@example.com")
    row = User.get_by_id(alice.id)
    assert (row.scim_linked, row.active, row.version) == (False, False, 2)
    assert row.last_modified > alice.last_modified
    assert not Membership.select().where(Membership.member_id == alice.id).exists()
    with pytest.raises(errors.NotFound):  # hidden from SCIM now
        users.unlink(directory.id, alice.id, 2)


def test_a_write_sets_only_the_columns_that_change(store_db):
    """SQLite rewrites every index on a column an UPDATE sets, changed or not: a displayName write must not set
    the names (two unique indexes) or anything else it leaves as it was."""
    from models import db

    directory = Directory.select().first()
    alice = _user(directory, "alice@example.com", host="alice")
    users.write(alice, {"userName": "alice@example.com", "displayName": "Alice", "active": True}, "alice")
    statements = []
    execute = db.obj.execute_sql
    db.obj.execute_sql = lambda sql, *args, **kwargs: statements.append(sql) or execute(sql, *args, **kwargs)
    try:
        users.write(User.get_by_id(alice.id), {"userName": "alice@example.com", "displayName": "Alice A",
                                               "active": True}, "alice", values_changed=False)
    finally:
        del db.obj.execute_sql
    (update,) = [sql for sql in statements if sql.startswith("UPDATE")]
    assigned = update.split(" SET ")[1].split(" WHERE ")[0].replace('"', "").replace(" ", "").replace("%s", "?")
    assert assigned.split(",") == ["display_name=?", "last_modified=?", "version=?"]
    stored = User.get_by_id(alice.id)
    assert (stored.display_name, stored.user_name, stored.host_username, stored.active, stored.version) == (
        "Alice A", "alice@example.com", "alice", True, 3)
