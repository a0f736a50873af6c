"""store.pull.locals and links.shown: the local users and groups a pull matches, reads and sees."""

from models import Directory, Group, SyncLink, User
from store.pull import links
from store.pull import locals as local_store
from store.tenancy import apps


def _user(directory, name, linked=True):
    return User.create(directory=directory, user_name=name, user_name_lower=name.lower(), host_username=name,
                       host_username_lower=name.lower(), scim_linked=linked, active=True)


def test_users_and_groups_are_matched_by_name_within_the_directory(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "Alice")
    _user(directory, "Gone", linked=False)
    team = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    assert local_store.user_named(directory.id, "ALICE").id == alice.id
    assert local_store.user_named(directory.id, "gone") is None
    assert local_store.group_named(directory.id, "TEAM").id == team.id
    assert local_store.group_named(directory.id, "other") is None


def test_state_and_version_are_read_afresh(store_db):
    directory = Directory.select().first()
    alice = _user(directory, "alice")
    team = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    assert local_store.user_state(alice.id) == (1, True)
    User.update(version=2, active=False).where(User.id == alice.id).execute()
    assert local_store.user_state(alice.id) == (2, False)
    assert local_store.user_state("missing") is None
    assert local_store.group_version(team.id) == 1
    assert local_store.group_version("missing") is None


def test_a_link_is_shown_only_while_its_local_resource_is_visible(store_db):
    directory = Directory.select().first()
    app, _ = apps.create("IDCS", "oracle", method="rest")
    alice, gone = _user(directory, "alice"), _user(directory, "gone", linked=False)
    team = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    shown = {name: links.shown(SyncLink(app=app.id, kind=kind, source_id=name, local_id=local), directory.id)
             for name, kind, local in (("alice", "User", alice.id), ("gone", "User", gone.id),
                                       ("team", "Group", team.id), ("kept-out", "User", None))}
    assert shown == {"alice": True, "gone": False, "team": True, "kept-out": False}
