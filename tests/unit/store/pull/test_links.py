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
