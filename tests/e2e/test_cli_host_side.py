"""`usersync users list|show` and `usersync groups list|show`: the host side read from the command line."""

import json

import pytest

from app import create_app
from tests.api.provisioning import add_manual_membership, create_group, create_user, make_app
from tests.conftest import fresh_database

from .conftest import CliRunnerOn

pytestmark = pytest.mark.e2e

INTERNAL = "Confluence Internal Directory"
OTHER = "Jira Other Directory"


@pytest.fixture
def host(tmp_path):
    """A CLI on a store where Acme (mapping Engineering) and Okta (another directory) provisioned users."""
    url = fresh_database(tmp_path)[0]
    cli = CliRunnerOn(url)
    flask_app = create_app({"TESTING": True, "DATABASE_URL": url})
    acme = make_app(flask_app, "Acme", group_mapping={"Engineering": ["jira-developers"]},
                    username_regex="(.*)@.*", username_replacement="$1")
    okta = make_app(flask_app, "Okta", provider="okta", directory=OTHER)
    alice = create_user(acme, "alice@example.com")
    bob = create_user(acme, "bob@example.com", active=False)
    create_group(acme, "Engineering", alice["id"], bob["id"])
    add_manual_membership(acme.directory_id, alice["id"], "admins")
    create_user(okta, "alice")
    create_group(okta, "jira-developers", create_user(okta, "carol")["id"])
    return cli


def test_users_list_filters_by_directory_and_app_and_json_is_exact(host):
    rows = sorted(json.loads(host.ok("users", "list", "--json")), key=lambda r: (r["host_username"], r["directory"]))
    assert [(r["host_username"], r["directory"], r["app"]) for r in rows] == [
        ("alice", INTERNAL, "Acme"), ("alice", OTHER, "Okta"), ("bob", INTERNAL, "Acme"), ("carol", OTHER, "Okta")]
    assert rows[0]["user_name"] == "alice@example.com" and rows[2]["status"] == "inactive"
    assert [r["host_username"] for r in json.loads(host.ok("users", "list", "--app", "okta", "--json"))] == [
        "alice", "carol"]
    assert [r["app"] for r in json.loads(host.ok("users", "list", "--directory", INTERNAL, "--json"))] == [
        "Acme", "Acme"]
    table = host.ok("users", "list", "--directory", INTERNAL).splitlines()
    assert table[0].split() == ["host", "username", "userName", "(IdP)", "status", "directory", "app"]
    assert table[2].split() == ["bob", "bob@example.com", "inactive", *INTERNAL.split(), "Acme"]


def test_users_show_names_the_idps_username_per_app_status_and_host_groups(host):
    record = json.loads(host.ok("users", "show", "ALICE", "--json"))
    assert record["host_username"] == "alice"
    acme, okta = record["users"]
    assert (acme["user_name"], acme["app"], acme["directory"], acme["status"]) == (
        "alice@example.com", "Acme", INTERNAL, "active")
    assert acme["host_groups"] == [{"name": "admins", "reason": "manual", "app": None},
                                   {"name": "jira-developers", "reason": "idp-group", "app": "Acme"}]
    assert acme["scim_groups"] == ["Engineering"] and acme["email"] == "alice@example.com"
    assert (okta["user_name"], okta["app"], okta["directory"]) == ("alice", "Okta", OTHER)
    text = host.ok("users", "show", "alice")
    assert "userName:     alice@example.com (from IdP app 'Acme')" in text
    assert "  jira-developers (idp-group, by 'Acme')" in text and "  admins (manual)" in text
    assert "No host user named 'nobody'." in host.refused("users", "show", "nobody")


def test_groups_list_and_show_members_and_what_feeds_them(host):
    rows = json.loads(host.ok("groups", "list", "--directory", INTERNAL, "--json"))
    assert {r["name"]: r["members"] for r in rows} == {"admins": 1, "confluence-users": 0, "jira-developers": 2}
    record = json.loads(host.ok("groups", "show", "jira-developers", "--directory", INTERNAL, "--json"))
    assert [m["host_username"] for m in record["members"]] == ["alice", "bob"] and record["member_count"] == 2
    assert record["fed_by"] == [{"idp_group": "Engineering", "members": 2, "mapped_by": ["Acme"]}]
    text = host.ok("groups", "show", "jira-developers", "--directory", INTERNAL)
    assert "Fed by:       IdP group 'Engineering' (2 member(s); mapped by Acme)" in text
    assert "Host groups named 'jira-developers' are in 2 directories" in host.refused(
        "groups", "show", "jira-developers")
    assert "No host group named 'nope'." in host.refused("groups", "show", "nope")
    assert "No directory named 'Nowhere'." in host.refused("groups", "list", "--directory", "Nowhere")


def test_idp_text_with_control_characters_is_escaped_in_tables_and_exact_in_json(tmp_path):
    url = fresh_database(tmp_path)[0]
    cli = CliRunnerOn(url)
    client = make_app(create_app({"TESTING": True, "DATABASE_URL": url}), "Acme")
    create_group(client, "red\x1b[31mteam", create_user(client, "eve\u202egnp.exe")["id"])
    for args in (("users", "list"), ("groups", "list"), ("users", "show", "eve\u202egnp.exe"),
                 ("groups", "show", "red\x1b[31mteam")):
        out = cli.ok(*args)
        assert "\x1b" not in out and "\u202e" not in out, args
    assert "red\\x1b[31mteam" in cli.ok("groups", "list") and "eve\\u202egnp.exe" in cli.ok("users", "list")
    assert json.loads(cli.ok("users", "list", "--json"))[0]["host_username"] == "eve\u202egnp.exe"
    assert json.loads(cli.ok("groups", "show", "red\x1b[31mteam", "--json"))["name"] == "red\x1b[31mteam"
