"""`usersync apps set/show/map/unmap`, `apps create --directory` and `usersync directories` on an empty store."""

import dataclasses
import json
import re
from pathlib import Path

import pytest

from app import create_app
from cli.apps import as_text
from rules.options import HELP, Options
from tests.conftest import fresh_database

from .conftest import PREFIX, CliRunnerOn

pytestmark = pytest.mark.e2e

OPTIONS_DOC = Path(__file__).resolve().parents[2] / "docs" / "provisioning-options.md"
INTERNAL = "Confluence Internal Directory"


class Cli(CliRunnerOn):
    """`usersync` in-process against one temp database."""

    def __call__(self, *args):
        return self.invoke(*args)

    def show(self, name="Oracle IDCS"):
        return json.loads(self.ok("apps", "show", name, "--json"))

    def status_with(self, token):
        app = create_app({"DATABASE_URL": self.database_url, "SECRET_KEY": "e2e-only"})
        return app.test_client().get(PREFIX + "/ServiceProviderConfig",
                                     headers={"Authorization": f"Bearer {token}"}).status_code


@pytest.fixture
def cli(tmp_path):
    return Cli(fresh_database(tmp_path)[0])


@pytest.fixture
def token(cli):
    return json.loads(cli.ok("apps", "create", "--name", "Oracle IDCS", "--provider", "oracle", "--json"))["token"]


def test_show_json_has_everything_but_the_token(cli, token):
    record = cli.show()
    assert record["name"] == "Oracle IDCS" and record["provider"] == "oracle" and record["method"] == "scim"
    assert record["provider_label"] == "Oracle Identity Cloud Service (OCI IAM)"
    assert record["enabled"] is True and record["directory"] == INTERNAL and record["last_used"] is None
    assert record["base_url"].endswith(PREFIX)
    assert record["options"] == dataclasses.asdict(Options())
    assert token not in json.dumps(record) and "token" not in json.dumps(record).lower()


def test_set_every_key_type_and_read_it_back(cli, token):
    out = cli.ok("apps", "set", "Oracle IDCS", "import_users=no", "traffic_log=ON", "update_users=0",
                 "username_regex=(.*)@.*", "username_replacement=$1", "on_delete=delete",
                 "default_groups=confluence-users, jira-users", "group_include=^eng-",
                 'group_mapping={"Engineering":["jira-developers"]}', "enabled=false")
    assert "username_regex: (empty) -> (.*)@.*" in out and "enabled: true -> false" in out, out
    record = cli.show()
    assert record["enabled"] is False
    assert {key: record["options"][key] for key in ("import_users", "traffic_log", "update_users",
                                                    "username_regex", "username_replacement", "on_delete",
                                                    "default_groups", "group_include", "group_mapping")} == {
        "import_users": False, "traffic_log": True, "update_users": False, "username_regex": "(.*)@.*",
        "username_replacement": "$1", "on_delete": "delete", "default_groups": ["confluence-users", "jira-users"],
        "group_include": "^eng-", "group_mapping": {"Engineering": ["jira-developers"]}}
    assert cli.status_with(token) == 401  # disabled
    cli.ok("apps", "set", "Oracle IDCS", "enabled=YES", "group_include=", "default_groups=")
    record = cli.show()
    assert record["enabled"] is True and record["options"]["group_include"] == ""
    assert record["options"]["default_groups"] == []
    assert cli.status_with(token) == 200
    assert cli.ok("apps", "set", "Oracle IDCS", "import_users=false") == "Nothing changed.\n"


@pytest.mark.parametrize("value, expected", [(v, True) for v in ("true", "Yes", "on", "1")]
                         + [(v, False) for v in ("FALSE", "no", "off", "0")])
def test_boolean_spellings(cli, token, value, expected):
    cli.ok("apps", "set", "Oracle IDCS", f"keep_existing_groups={value}")
    assert cli.show()["options"]["keep_existing_groups"] is expected


def test_show_text_feeds_set_on_another_app(cli, token):
    """Every value `show` prints is one `set` accepts: copy an app's settings by text alone."""
    cli.ok("apps", "set", "Oracle IDCS", "username_regex=^([^@]+)@(.*)$", "username_replacement=$2-$1",
           "default_groups=a,b", 'group_mapping={"Ops": ["x", "y"], "Dev": ["z"]}', "default_groups_for=all")
    cli.ok("apps", "create", "--name", "Copy", "--provider", "okta")
    lines = cli.ok("apps", "show", "Oracle IDCS").split("Options:\n")[1].splitlines()
    pairs = [line.strip().split(None, 1) for line in lines]
    cli.ok("apps", "set", "Copy", *(f"{key}={'' if value == '(empty)' else value}" for key, value in pairs))
    assert cli.show("Copy")["options"] == cli.show()["options"]


@pytest.mark.parametrize("args, message", [
    (["username_regex=(.*@"], "username_regex: Invalid regular expression"),
    (["username_regex=(.*)@.*", "username_replacement=$2"],
     "username_regex: The replacement uses $2 but the pattern has 1 group(s)."),
    (["colour=blue"], "colour: unknown key"),
    (["import_users=maybe"], "import_users: expected true or false"),
    (["on_delete=purge"], "on_delete: Must be one of: deactivate, delete."),
    (["group_mapping={Engineering: jira}"], "group_mapping: not valid JSON"),
    (['group_mapping=["jira"]'], "group_mapping: expected a JSON object"),
    (['group_mapping={"Engineering": "jira"}'], "group_mapping: 'Engineering': Not a valid list."),
    (["directory=Nowhere"], "No directory named 'Nowhere'."),
    (["import_users"], "'import_users' is not KEY=VALUE."),
    (["traffic_log=false"], "traffic_log: given more than once."),
])
def test_a_bad_key_or_value_is_refused_and_nothing_saved(cli, token, args, message):
    before = cli.show()
    error = cli.refused("apps", "set", "Oracle IDCS", "traffic_log=true", "enabled=false", *args)
    assert message in error and "Nothing was saved." in error, error
    assert cli.show() == before


def test_every_problem_is_named_at_once(cli, token):
    error = cli.refused("apps", "set", "Oracle IDCS", "colour=blue", "import_users=maybe", "enabled=2")
    assert "colour: unknown key" in error and "import_users: expected" in error and "enabled: expected" in error


def test_set_of_an_unknown_app(cli):
    assert "No app named 'ghost'." in cli.refused("apps", "set", "ghost", "traffic_log=true")
    assert "No app named 'ghost'." in cli.refused("apps", "show", "ghost")


def test_set_help_lists_every_key_with_its_help(cli):
    text = " ".join(cli.ok("apps", "set", "--help").split())
    for key, help_text in HELP.items():
        assert f"{key} {' '.join(help_text.split())}" in text, key
    assert "directory" in text and "enabled" in text and "--create-directory" in text


def test_options_doc_table_matches_help():
    rows = re.findall(r"^\| `(\w+)` \| (.*?) \| (.*) \|$", OPTIONS_DOC.read_text(), re.MULTILINE)
    table = {key: (default, meaning.replace("\\*", "*")) for key, default, meaning in rows if key in HELP}
    defaults = dataclasses.asdict(Options())
    assert list(table) == list(HELP)
    for key, help_text in HELP.items():
        shown = as_text(defaults[key])
        assert table[key] == (f"`{shown}`" if shown else "(empty)", help_text), key


def test_map_and_unmap(cli, token):
    out = cli.ok("apps", "map", "Oracle IDCS", "Engineering Team", "jira-developers", "jira-users")
    assert "Mapped IdP group 'Engineering Team' to jira-developers, jira-users." in out
    cli.ok("apps", "map", "Oracle IDCS", "Sales", "confluence-users")
    assert cli.show()["options"]["group_mapping"] == {"Engineering Team": ["jira-developers", "jira-users"],
                                                      "Sales": ["confluence-users"]}
    cli.ok("apps", "unmap", "Oracle IDCS", "Engineering Team")
    assert cli.show()["options"]["group_mapping"] == {"Sales": ["confluence-users"]}
    assert "no mapping for the IdP group 'Engineering Team'" in cli.refused("apps", "unmap", "Oracle IDCS",
                                                                            "Engineering Team")
    assert cli("apps", "map", "Oracle IDCS", "Ops").exit_code == 2  # a host group is required


def test_directories_create_and_list(cli, token):
    assert cli.ok("directories", "create", "Remote Directory", "--description", "LDAP") == \
        "Created directory 'Remote Directory' at position 1.\n"
    cli.ok("directories", "create", "First", "--position", "0")
    records = json.loads(cli.ok("directories", "list", "--json"))
    assert [(r["name"], r["position"], r["default"], r["apps"]) for r in records] == [
        ("First", 0, True, []), (INTERNAL, 1, False, ["Oracle IDCS"]), ("Remote Directory", 2, False, [])]
    assert records[2]["description"] == "LDAP" and records[2]["groups"] == 0 and records[1]["groups"] == 1
    text = cli.ok("directories", "list")
    assert text.index("First") < text.index(INTERNAL) < text.index("Remote Directory") and "(default)" in text


def test_a_duplicate_directory_is_refused(cli):
    cli.ok("directories", "create", "Remote")
    assert "A directory named 'Remote' already exists." in cli.refused("directories", "create", "REMOTE")
    assert "A directory named 'Remote' already exists." in cli.refused("directories", "create", " remote ")
    assert cli("directories", "create", "x", "--position", "-1").exit_code == 2
    assert len(json.loads(cli.ok("directories", "list", "--json"))) == 2


def test_set_directory_with_and_without_create(cli, token):
    error = cli.refused("apps", "set", "Oracle IDCS", "directory=Remote", "traffic_log=true")
    assert "No directory named 'Remote'." in error and cli.show()["options"]["traffic_log"] is False
    out = cli.ok("apps", "set", "Oracle IDCS", "directory=Remote", "--create-directory")
    assert "Created directory 'Remote'." in out and f"directory: {INTERNAL} -> Remote" in out, out
    assert cli.show()["directory"] == "Remote"
    cli.ok("apps", "set", "Oracle IDCS", f"directory={INTERNAL.lower()}")
    assert cli.show()["directory"] == INTERNAL


def test_create_in_a_directory_keeps_its_output(cli):
    cli.ok("directories", "create", "Remote")
    record = json.loads(cli.ok("apps", "create", "--name", "Okta", "--provider", "okta", "--directory", "Remote",
                               "--json"))
    assert set(record) == {"name", "provider", "method", "base_url", "token"}
    assert cli.show("Okta")["directory"] == "Remote"
    out = cli.ok("apps", "create", "--name", "Entra", "--provider", "entra")
    assert out.startswith("App:           Entra (Microsoft Entra ID, SCIM)\nSCIM Base URL: ") and "Bearer token:" in out
    assert cli.show("Entra")["directory"] == INTERNAL
    error = cli.refused("apps", "create", "--name", "Ping", "--provider", "ping", "--directory", "Nowhere")
    assert "No directory named 'Nowhere'." in error
    assert [a["name"] for a in json.loads(cli.ok("apps", "list", "--json"))] == ["Entra", "Okta"]
