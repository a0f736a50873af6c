"""store.tenancy.apps settings: options validated as a whole, saved with one audit record per change, or not at all."""

import json

import pytest

from models import Directory, IdpApp
from models.audit import AuditEvent
from rules.options import HELP, Options
from store.tenancy import apps, directories

pytestmark = pytest.mark.usefixtures("store_db")


@pytest.fixture
def app():
    return apps.create("Oracle IDCS", "oracle")[0]


def stored(name="Oracle IDCS"):
    """The options as saved, read back from a fresh row."""
    return apps.options_of(IdpApp.by_name(name))


def audited(operation=None):
    query = AuditEvent.select().order_by(AuditEvent.id)
    if operation:
        query = query.where(AuditEvent.operation == operation)
    return [(e.app_name, e.operation, e.outcome, e.reason, json.loads(e.changes)) for e in query]


def test_a_new_app_has_the_default_options(app):
    assert apps.options_of(app) == Options()


def test_set_options_saves_and_audits_each_changed_key(app):
    _, options, changed = apps.set_options("Oracle IDCS", {
        "username_regex": "(.*)@.*", "username_replacement": "$1", "import_users": True, "on_delete": "delete"})
    assert changed == {"username_regex": ["", "(.*)@.*"], "username_replacement": ["", "$1"],
                       "on_delete": ["deactivate", "delete"]}  # import_users was already true
    assert options == stored()
    assert (options.username_regex, options.username_replacement, options.on_delete) == ("(.*)@.*", "$1", "delete")
    assert sorted(audited()) == sorted([
        ("Oracle IDCS", "settings", "applied", "username_regex changed from '' to '(.*)@.*'",
         {"username_regex": ["", "(.*)@.*"]}),
        ("Oracle IDCS", "settings", "applied", "username_replacement changed from '' to '$1'",
         {"username_replacement": ["", "$1"]}),
        ("Oracle IDCS", "settings", "applied", "on_delete changed from 'deactivate' to 'delete'",
         {"on_delete": ["deactivate", "delete"]}),
    ])


def test_every_key_type_round_trips(app):
    changes = {"import_users": False, "traffic_log": True, "group_include": "^eng-", "default_groups": ["a", "b"],
               "group_mapping": {"Engineering": ["jira-developers", "jira-users"]}, "default_groups_for": "all",
               "unmapped_groups": "ignore"}
    apps.set_options("Oracle IDCS", changes)
    options = stored()
    assert {key: getattr(options, key) for key in changes} == changes
    reasons = [reason for _, _, _, reason, _ in audited("settings")]
    assert "import_users changed from true to false" in reasons
    assert 'group_mapping changed from {} to {"Engineering": ["jira-developers", "jira-users"]}' in reasons


def test_nothing_changed_means_nothing_audited(app):
    _, options, changed = apps.set_options("Oracle IDCS", {"import_users": True, "username_regex": ""})
    assert changed == {} and options == Options()
    assert audited() == []


@pytest.mark.parametrize("changes, key, message", [
    ({"username_regex": "(.*@"}, "username_regex", "Invalid regular expression"),
    ({"username_regex": "(.*)@.*", "username_replacement": "$2"}, "username_regex", "uses $2 but the pattern has 1"),
    ({"group_exclude": "[a-"}, "group_exclude", "Invalid regular expression"),
    ({"on_delete": "purge"}, "on_delete", "Must be one of: deactivate, delete."),
    ({"import_users": "maybe"}, "import_users", "Not a valid boolean."),
    ({"default_groups": [""]}, "default_groups", "Length must be between 1 and 255."),
    ({"group_mapping": {"Eng": "jira"}}, "group_mapping", "'Eng': Not a valid list."),
    ({"colour": "blue"}, "colour", "Unknown option."),
])
def test_an_invalid_result_is_refused_whole(app, changes, key, message):
    with pytest.raises(apps.AppError) as caught:
        apps.set_options("Oracle IDCS", {"traffic_log": True, **changes})
    assert key in caught.value.messages, caught.value.messages
    assert str(caught.value).startswith(f"{key}: ") and message in str(caught.value), str(caught.value)
    assert stored() == Options()  # traffic_log, valid on its own, was not saved either
    assert audited() == []


def test_a_replacement_is_checked_against_the_saved_pattern(app):
    apps.set_options("Oracle IDCS", {"username_regex": "(.*)@(.*)", "username_replacement": "$2"})
    with pytest.raises(apps.AppError, match=r"uses \$2 but the pattern has 1"):
        apps.set_options("Oracle IDCS", {"username_regex": "(.*)@.*"})
    assert stored().username_regex == "(.*)@(.*)"


def test_set_options_of_an_unknown_app():
    with pytest.raises(apps.AppError, match="No app named 'ghost'."):
        apps.set_options("ghost", {"import_users": False})


def test_set_directory_moves_the_app_and_is_audited(app):
    directories.create("Remote Directory")
    moved = apps.set_directory("Oracle IDCS", "remote directory")
    assert moved.directory.name == IdpApp.by_name("Oracle IDCS").directory.name == "Remote Directory"
    assert audited() == [("Oracle IDCS", "app", "applied",
                          "directory changed from 'Confluence Internal Directory' to 'Remote Directory'",
                          {"directory": ["Confluence Internal Directory", "Remote Directory"]})]
    apps.set_directory("Oracle IDCS", "Remote Directory")
    assert len(audited()) == 1  # no change, no record


def test_set_directory_to_a_missing_directory_is_refused(app):
    with pytest.raises(apps.AppError, match="No directory named 'Nowhere'."):
        apps.set_directory("Oracle IDCS", "Nowhere")
    assert IdpApp.by_name("Oracle IDCS").directory.name == "Confluence Internal Directory"


def test_set_enabled_disables_the_token_and_is_audited():
    _, token = apps.create("Okta", "okta")
    apps.set_enabled("Okta", False)
    assert apps.authenticate(token) is None
    apps.set_enabled("Okta", True)
    assert apps.authenticate(token).name == "Okta"
    assert [reason for _, _, _, reason, _ in audited("app")] == [
        "enabled changed from true to false", "enabled changed from false to true"]
    with pytest.raises(apps.AppError):
        apps.set_enabled("Okta", "no")


def test_configure_is_all_or_nothing(app):
    with pytest.raises(apps.AppError, match="No directory named 'Nowhere'."):
        apps.configure("Oracle IDCS", {"import_users": False}, directory="Nowhere", enabled=False)
    assert stored() == Options() and IdpApp.by_name("Oracle IDCS").enabled
    assert audited() == []
    with pytest.raises(apps.AppError, match="username_regex"):
        apps.configure("Oracle IDCS", {"username_regex": "("}, directory="Fresh", create_directory=True)
    assert directories.find("Fresh") is None


def test_configure_can_create_the_directory(app):
    _, changed, created = apps.configure("Oracle IDCS", {"traffic_log": True}, directory="Fresh", enabled=False,
                                         create_directory=True)
    assert created.name == "Fresh"
    assert changed == {"traffic_log": [False, True], "directory": ["Confluence Internal Directory", "Fresh"],
                       "enabled": [True, False]}
    assert [op for _, op, _, _, _ in audited()] == ["settings", "app", "app"]
    _, changed, created = apps.configure("Oracle IDCS", directory="fresh", create_directory=True)
    assert (changed, created) == ({}, None)


def test_show_has_everything_but_the_token():
    app, token = apps.create("Entra", "entra")
    record = apps.show("Entra")
    assert set(record) == {"name", "provider", "provider_label", "method", "enabled", "directory", "created",
                           "last_used", "options"}
    assert record["provider_label"] == "Microsoft Entra ID" and record["last_used"] is None
    assert record["directory"] == "Confluence Internal Directory" and record["created"].endswith("Z")
    assert set(record["options"]) == set(HELP)
    text = json.dumps(record)
    assert token not in text and app.token_hash not in text
    with pytest.raises(apps.AppError, match="No app named 'ghost'."):
        apps.show("ghost")


def test_map_and_unmap_a_group(app):
    apps.map_group("Oracle IDCS", "Engineering", ["jira-developers", "jira-users", "jira-developers"])
    apps.map_group("Oracle IDCS", "Sales", ["confluence-users"])
    assert stored().group_mapping == {"Engineering": ["jira-developers", "jira-users"],
                                      "Sales": ["confluence-users"]}
    _, options, changed = apps.map_group("Oracle IDCS", "Engineering", ["jira-admins"])  # replaces
    assert options.group_mapping["Engineering"] == ["jira-admins"] and list(changed) == ["group_mapping"]
    apps.unmap_group("Oracle IDCS", "Engineering")
    assert stored().group_mapping == {"Sales": ["confluence-users"]}
    assert len(audited("settings")) == 4
    with pytest.raises(apps.AppError, match="no mapping for the IdP group 'Engineering'"):
        apps.unmap_group("Oracle IDCS", "Engineering")
    with pytest.raises(apps.AppError, match="at least one host group"):
        apps.map_group("Oracle IDCS", "Ops", [])
    with pytest.raises(apps.AppError, match="group_mapping: 'Ops': item 1: Length"):
        apps.map_group("Oracle IDCS", "Ops", [""])
    assert stored().group_mapping == {"Sales": ["confluence-users"]}


def test_create_in_a_named_directory():
    directories.create("Remote Directory")
    assert apps.create("Keycloak", "keycloak", directory="Remote Directory")[0].directory.name == "Remote Directory"
    assert apps.create("Ping", "ping", directory=Directory.default())[0].directory == Directory.default()
    with pytest.raises(apps.AppError, match="No directory named 'Nowhere'."):
        apps.create("Okta", "okta", directory="Nowhere")
    assert IdpApp.by_name("Okta") is None
