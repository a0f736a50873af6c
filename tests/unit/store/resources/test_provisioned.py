"""store.resources.provisioned and store.resources.moves: an app's users walked in chunks, and moved."""

from models import Directory, Group, HostGroup, HostMembership, IdpApp, Membership, User
from store.resources import moves, provisioned


def _user(directory, name, app=None, linked=True):
    return User.create(directory=directory, user_name=name, user_name_lower=name.lower(), host_username=name,
                       host_username_lower=name.lower(), provisioned_by=app, scim_linked=linked, active=True)


def test_chunks_walk_an_apps_visible_users_by_id_and_stranded_ones_are_those_elsewhere(store_db):
    home = Directory.select().first()
    away = Directory.create(name="Away", position=1)
    app = IdpApp.create(name="Acme", name_lower="acme", provider="oracle", directory=home, token_hash="h" * 64)
    mine = [_user(home, f"u{n}", app) for n in range(5)] + [_user(away, "far", app)]
    _user(home, "gone", app, linked=False)
    _user(home, "theirs")
    first = provisioned.chunk(app.id, "", 4)
    rest = provisioned.chunk(app.id, first[-1].id, 4)
    assert [r.id for r in first + rest] == sorted(u.id for u in mine)
    assert [r.user_name for r in provisioned.stranded(app.id, home.id)] == ["far"]


def test_holders_name_the_user_and_the_app_holding_a_host_username(store_db):
    home = Directory.select().first()
    app = IdpApp.create(name="Okta", name_lower="okta", provider="okta", directory=home, token_hash="h" * 64)
    held = _user(home, "JDoe", app)
    assert provisioned.holders(home.id, {"jdoe", "nobody"}) == {"jdoe": [held.id, "JDoe", "JDoe", "Okta"]}
    assert provisioned.user_name_holders(home.id, set()) == {}


def test_a_move_takes_users_and_groups_with_their_memberships_and_leaves_the_old_host_groups(store_db):
    home = Directory.select().first()
    away = Directory.create(name="Away", position=1)
    alice = _user(home, "alice")
    group = Group.create(directory=home, display_name="Eng", display_name_lower="eng")
    Membership.create(group=group, member_id=alice.id)
    HostMembership.create(group=HostGroup.get(HostGroup.directory == home), user=alice)
    assert moves.memberships_of([alice.id]) == [(group.id, alice.id, "User")]
    moves.move([alice.id], [group.id], away.id)
    assert User.get_by_id(alice.id).directory_id == away.id and Group.get_by_id(group.id).directory_id == away.id
    assert moves.members_of([group.id]) == [(group.id, alice.id, "User")]
    assert HostMembership.select().where(HostMembership.user == alice.id).count() == 0
    assert moves.group_names_taken(away.id, {"eng", "ops"}) == {"eng"}


def test_a_chunk_read_to_be_written_reads_the_same_users(store_db):
    from models import db

    home = Directory.select().first()
    app = IdpApp.create(name="Acme", name_lower="acme", provider="oracle", directory=home, token_hash="h" * 64)
    mine = [_user(home, f"u{n}", app) for n in range(3)]
    with db.atomic():  # FOR UPDATE on PostgreSQL, which needs a transaction to mean anything
        locked = provisioned.chunk(app.id, "", 2, lock=True)
    assert locked == provisioned.chunk(app.id, "", 2) and [r.id for r in locked] == sorted(u.id for u in mine)[:2]
