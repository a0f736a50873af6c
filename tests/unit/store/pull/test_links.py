"""store.pull.links: a page's links read together, each with the local id the app's directory shows."""

from models import Directory, Group, SyncLink, User
from store.pull import links
from store.tenancy import apps


def _user(directory, name, linked=True):
    return User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                       host_username_lower=name, scim_linked=linked, active=True)


def test_a_page_of_source_ids_is_looked_up_in_one_go(store_db):
    directory = Directory.select().first()
    app, _ = apps.create("IDCS", "oracle", method="rest")
    other, _ = apps.create("Okta", "okta", method="rest")
    alice, gone = _user(directory, "alice"), _user(directory, "gone", linked=False)
    for source_id, local in (("s-alice", alice.id), ("s-gone", gone.id), ("s-kept-out", None)):
        links.save(app.id, "User", source_id, local, 1, "d")
    links.save(other.id, "User", "s-other", alice.id, 1, "d")
    found = links.listed(app.id, "User", directory.id, ["s-alice", "s-gone", "s-kept-out", "s-new", "s-other"])
    assert {source: (link and link.local_id, shown) for source, (link, shown) in found.items()} == {
        "s-alice": (alice.id, alice.id), "s-gone": (gone.id, None), "s-kept-out": (None, None),
        "s-new": (None, None), "s-other": (None, None)}
    assert found["s-alice"][0].id == SyncLink.get(SyncLink.source_id == "s-alice").id


def test_groups_are_looked_up_in_their_own_kind(store_db):
    directory = Directory.select().first()
    app, _ = apps.create("IDCS", "oracle", method="rest")
    team = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    links.save(app.id, "Group", "s-team", team.id, 1, "d")
    assert links.listed(app.id, "User", directory.id, ["s-team"]) == {"s-team": (None, None)}
    link, shown = links.listed(app.id, "Group", directory.id, ["s-team"])["s-team"]
    assert (link.local_id, shown) == (team.id, team.id)


def test_a_groups_members_are_the_linked_users_and_groups_the_directory_shows(store_db):
    directory = Directory.select().first()
    app, _ = apps.create("IDCS", "oracle", method="rest")
    alice, gone = _user(directory, "alice"), _user(directory, "gone", linked=False)
    team = Group.create(directory=directory, display_name="Team", display_name_lower="team")
    for kind, source_id, local in (("User", "s-alice", alice.id), ("User", "s-gone", gone.id),
                                   ("User", "s-kept-out", None), ("Group", "s-team", team.id)):
        links.save(app.id, kind, source_id, local, 1, "d")
    members = [{"value": "s-alice", "type": "User"}, {"value": "s-gone"}, {"value": "s-kept-out"},
               {"value": "s-team"}, {"value": "s-team", "type": "User"}, {"value": "s-unknown", "type": "Group"}]
    assert links.local_members(app.id, directory.id, members) == {"s-alice": alice.id, "s-team": team.id}
    many = [{"value": f"s-{n}", "type": "User"} for n in range(600)] + [{"value": "s-alice", "type": "User"}]
    assert links.local_members(app.id, directory.id, many) == {"s-alice": alice.id}
