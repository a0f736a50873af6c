"""store.tenancy.directories: names unique regardless of case, ordered by position, counted for the admin."""


import pytest

from models import Directory, User
from models.host import HostGroup
from store.tenancy import apps, directories

INTERNAL = "Confluence Internal Directory"


pytestmark = pytest.mark.usefixtures("store_db")


def names():
    return [d["name"] for d in directories.list_directories()]


def test_the_seeded_directory_is_listed_as_the_default():
    assert directories.list_directories() == [{
        "name": INTERNAL, "position": 0, "description": "The host product's internal directory.", "default": True,
        "users": 0, "active_users": 0, "groups": 1, "apps": []}]
    assert directories.default().name == INTERNAL


def test_create_appends_an_empty_directory():
    created = directories.create("  Remote Directory ", description="LDAP mirror")
    assert (created.name, created.position, created.description) == ("Remote Directory", 1, "LDAP mirror")
    assert names() == [INTERNAL, "Remote Directory"]
    assert directories.list_directories()[1]["groups"] == 0  # no default users group, nothing else
    assert HostGroup.select().count() == 1 and User.select().count() == 0
    assert directories.default().name == INTERNAL


def test_a_position_inserts_and_position_zero_makes_the_default():
    directories.create("B")
    directories.create("A", position=0)
    directories.create("Middle", position=2)
    assert [(d["name"], d["position"], d["default"]) for d in directories.list_directories()] == [
        ("A", 0, True), (INTERNAL, 1, False), ("Middle", 2, False), ("B", 3, False)]
    assert directories.default().name == "A"


@pytest.mark.parametrize("name", [INTERNAL, INTERNAL.upper(), f" {INTERNAL.lower()} "])
def test_names_are_unique_regardless_of_case(name):
    with pytest.raises(directories.DirectoryError, match=f"A directory named '{INTERNAL}' already exists."):
        directories.create(name)
    assert names() == [INTERNAL]


def test_non_ascii_names_are_unique_regardless_of_case():
    directories.create("Équipe")
    with pytest.raises(directories.DirectoryError):
        directories.create("éQUIPE")


@pytest.mark.parametrize("name, position, message", [
    ("", None, "1 to 255 characters"), ("   ", None, "1 to 255 characters"), ("x" * 256, None, "1 to 255"),
    ("ok", -1, "from 0 to"), ("ok", 10**20, "from 0 to"), ("ok", "1", "whole number"), ("ok", True, "whole number"),
])
def test_bad_names_and_positions_are_refused(name, position, message):
    with pytest.raises(directories.DirectoryError, match=message):
        directories.create(name, position=position)
    assert names() == [INTERNAL]


def test_a_name_of_255_characters_is_fine():
    assert directories.create("x" * 255).name == "x" * 255


def test_get_is_case_insensitive_and_refuses_the_unknown():
    assert directories.get("confluence internal directory").name == INTERNAL
    with pytest.raises(directories.DirectoryError, match="No directory named 'Nowhere'."):
        directories.get("Nowhere")
    assert directories.find("Nowhere") is None


def test_counts_users_active_users_groups_and_apps():
    remote = directories.create("Remote")
    internal = Directory.default()
    for index, (directory, active) in enumerate([(internal, True), (internal, None), (internal, False),
                                                 (remote, False)]):
        name = f"user{index}"
        User.create(directory=directory, user_name=name, user_name_lower=name, host_username=name,
                    host_username_lower=name, active=active)
    HostGroup.create(directory=remote, name="jira-users", name_lower="jira-users")
    apps.create("Okta", "okta", directory="Remote")
    apps.create("Entra", "entra", directory="Remote")
    apps.create("Oracle", "oracle")
    rows = {d["name"]: d for d in directories.list_directories()}
    assert {key: rows[INTERNAL][key] for key in ("users", "active_users", "groups", "apps")} == {
        "users": 3, "active_users": 2, "groups": 1, "apps": ["Oracle"]}
    assert {key: rows["Remote"][key] for key in ("users", "active_users", "groups", "apps")} == {
        "users": 1, "active_users": 0, "groups": 1, "apps": ["Entra", "Okta"]}
