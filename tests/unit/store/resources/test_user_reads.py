"""A user read in one statement carries exactly its own values and groups, in order and typed."""

from models import Directory, Group, Membership, User, UserValue
from store.resources import common, user_reads


def _user(directory, name):
    return User.create(directory=directory, user_name=name, user_name_lower=name.lower(), host_username=name,
                       host_username_lower=name.lower(), scim_linked=True)


def _read(user_id):
    directory = Directory.select().first()
    return user_reads.split([common.scoped_tuple(User, directory.id, user_id, user_reads.select_list)])[0]


def test_values_come_ordered_by_attribute_then_position_whatever_the_insert_order(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    for attribute, position, value in (("phoneNumbers", 0, "+1 555"), ("emails", 1, "b@example.com"),
                                       ("emails", 0, "a@example.com"), ("addresses", 0, None)):
        UserValue.create(user=alice, attribute=attribute, position=position, value=value)
    _, values, _ = _read(alice.id)
    assert [(v.attribute, v.position, v.value) for v in values] == [
        ("addresses", 0, None), ("emails", 0, "a@example.com"), ("emails", 1, "b@example.com"),
        ("phoneNumbers", 0, "+1 555")]


def test_values_keep_their_types_and_text_exactly(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    odd = 'quote " backslash \\ ünïcode 名前 \n newline'
    UserValue.create(user=alice, attribute="emails", position=0, value=odd, primary=True, type="")
    UserValue.create(user=alice, attribute="emails", position=1, value="x@example.com", primary=False)
    UserValue.create(user=alice, attribute="emails", position=2, value="y@example.com", primary=None)
    user, values, groups = _read(alice.id)
    assert (user.id, user.user_name, user.created, user.version) == (alice.id, "alice", alice.created, 1)
    assert [(v.value, v.primary, v.type) for v in values] == [
        (odd, True, ""), ("x@example.com", False, None), ("y@example.com", None, None)]
    assert all(v.user == alice.id for v in values)
    assert groups == []


def test_groups_are_the_users_own_sorted_by_display_name(store_db):
    directory = Directory.select().first()
    alice, bob = _user(directory, "alice"), _user(directory, "bob")
    made = {name: Group.create(directory=directory, display_name=name, display_name_lower=name.lower())
            for name in ("Sales", "Engineering", "Ops")}
    for name in ("Sales", "Engineering"):
        Membership.create(group=made[name], member_id=alice.id)
    Membership.create(group=made["Ops"], member_id=bob.id)
    assert _read(alice.id)[2] == [(made["Engineering"].id, "Engineering"), (made["Sales"].id, "Sales")]
    assert _read(bob.id)[2] == [(made["Ops"].id, "Ops")]


def test_a_page_reads_each_users_own_values(store_db):
    directory = Directory.select().first()
    users = [_user(directory, f"user{n}") for n in range(5)]
    for n, user in enumerate(users):
        for position in range(n):
            UserValue.create(user=user, attribute="emails", position=position, value=f"{n}-{position}@example.com")
    total, rows = common.page(User, directory.id, None, None, False, 1, 10, user_reads.select_list)
    assert total == 5
    read = {user.user_name: [v.value for v in values] for user, values, _ in user_reads.split(rows)}
    assert read == {f"user{n}": [f"{n}-{p}@example.com" for p in range(n)] for n in range(5)}


def test_a_write_gets_a_model_instance(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    row = common.scoped_tuple(User, directory.id, alice.id, user_reads.select_list, for_update=True)
    ((user, values, groups),) = user_reads.split([row], instances=True)
    assert isinstance(user, User) and user.directory_id == directory.id and user.host_username == "alice"
    assert (values, groups) == ([], [])
