"""IdP text in every `usersync` table is written out (\\x1b, \\n, \\u202e), never acted on by the terminal;
--json and --csv stay exact."""

import csv
import io
import json
import unicodedata

import pytest

from app import create_app
from tests.api.provisioning import create_group, create_user, make_app
from tests.conftest import fresh_database

from .conftest import CliRunnerOn

pytestmark = pytest.mark.e2e

# A window title, a colour, an erased line, a forged line after CR/LF, a right-to-left override, a C1 control
# (NEL) and a bidi isolate: what a hostile IdP would put in a userName to fool the admin's terminal.
HOSTILE = "mallory\x1b]0;owned\x07\x1b[31mred\x1b[2K\r\nfake\u202egnp.exe\x85\u2066"
ESCAPED = "mallory\\x1b]0;owned\\x07\\x1b[31mred\\x1b[2K\\r\\nfake\\u202egnp.exe\\x85\\u2066"
DIRECTORY = "Dir\x1b[1m\u202e"
APP = "Acme\x1b[2J"


def _raw_controls(text):
    """The characters in text a terminal acts on or a reader cannot see, but the lines' own newlines."""
    return sorted({char for char in text if char != "\n" and not char.isprintable()
                   and unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")})


@pytest.fixture
def cli(tmp_path):
    """A store where an app with a hostile name, in a directory with one, provisioned a hostile user and group,
    with its traffic log on (and a request whose path carries escapes)."""
    url = fresh_database(tmp_path)[0]
    flask_app = create_app({"TESTING": True, "DATABASE_URL": url})
    acme = make_app(flask_app, APP, directory=DIRECTORY, traffic_log=True, default_groups=["dg\x1b[5m"])
    create_group(acme, "team" + HOSTILE, create_user(acme, HOSTILE)["id"])
    assert acme.get("/Users/x%1b]0;owned%07%0d%0aforged").status_code == 404
    return CliRunnerOn(url)


TABLES = (
    ("audit",), ("audit", "--user", "mallory"), ("traffic", APP), ("apps", "list"), ("apps", "show", APP),
    ("directories", "list"), ("users", "list"), ("users", "show", HOSTILE), ("groups", "list"),
    ("groups", "show", "team" + HOSTILE, "--directory", DIRECTORY),
)


@pytest.mark.parametrize("args", TABLES, ids=lambda args: "-".join(a for a in args if a.isalpha()))
def test_every_table_writes_control_and_bidi_characters_out(cli, args):
    out = cli.ok(*args)
    assert _raw_controls(out) == [], out
    assert "\r" not in out and "fake" not in out.replace("\\nfake", "")  # no forged line of its own


def test_the_escaped_forms_are_shown(cli):
    assert ESCAPED in cli.ok("users", "list") + cli.ok("audit")
    assert "x\\x1b]0;owned\\x07\\r\\nforged" in cli.ok("traffic", APP)
    assert "Acme\\x1b[2J" in cli.ok("apps", "list") and "Dir\\x1b[1m\\u202e" in cli.ok("directories", "list")
    assert "default_groups        dg\\x1b[5m" in cli.ok("apps", "show", APP)


def test_json_and_csv_stay_exact(cli):
    assert HOSTILE in [event["subject"] for event in json.loads(cli.ok("audit", "--json"))]
    exported = cli.invoke("audit", "--csv").stdout_bytes.decode()  # .stdout would fold CR LF into LF
    assert HOSTILE in [row["subject"] for row in csv.DictReader(io.StringIO(exported, newline=""))]
    assert [user["user_name"] for user in json.loads(cli.ok("users", "list", "--json"))] == [HOSTILE]
    assert json.loads(cli.ok("apps", "show", APP, "--json"))["directory"] == DIRECTORY
    assert any("forged" in entry["path"] and "\r\n" in entry["path"]
               for entry in json.loads(cli.ok("traffic", APP, "--json")))
