"""`usersync simulate oracle|okta|entra` against the real server (as subprocesses), checked through SCIM GETs."""

import json
import subprocess
from urllib.parse import quote

import pytest
from click.testing import CliRunner

from cli import main
from simulate import simulate as play

from .conftest import REPO, usersync

pytestmark = pytest.mark.e2e

USERS, GROUPS = 5, 2


def start(server, provider, prefix, *extra, token=None):
    """Start the command with --json (the base URL with a trailing slash, as admins paste it)."""
    return subprocess.Popen(
        usersync("simulate", provider, "--base-url", server.base_url + "/", "--token", token or server.token,
                 "--users", str(USERS), "--groups", str(GROUPS), "--prefix", prefix, "--json", *extra),
        cwd=REPO, env=server.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    """(exit code, the JSON summary or None, stderr) of a started run."""
    stdout, stderr = process.communicate(timeout=60)
    return process.returncode, json.loads(stdout) if stdout.strip() else None, stderr


@pytest.fixture(scope="module")
def runs(server):
    """The three subprocess runs, started together: each spends most of its time starting Python."""
    started = {provider: start(server, provider, f"e2e-{provider}") for provider in ("oracle", "okta", "entra")}
    return {provider: finish(process) for provider, process in started.items()}


def user(server, prefix, index):
    """The user PREFIX.userNN@example.com as the server lists it, or None."""
    name = f"{prefix}.user{index:02d}@example.com"
    response = server.request("GET", "/Users?filter=" + quote(f'userName eq "{name}"'))
    assert response.status == 200, response
    resources = response.json().get("Resources", [])
    return resources[0] if resources else None


def state(server, prefix):
    """{index: (active, familyName)} of the users and {group: [member indexes]} of the groups."""
    users, index_of = {}, {}
    for index in range(1, USERS + 1):
        found = user(server, prefix, index)
        if found:
            users[index] = (found["active"], found["name"]["familyName"])
            index_of[found["id"]] = index
    groups = {}
    for number in range(1, GROUPS + 1):
        name = f"{prefix}-group-{number:02d}"
        response = server.request("GET", "/Groups?filter=" + quote(f'displayName eq "{name}"'))
        (group,) = response.json()["Resources"]
        groups[name] = sorted(index_of[member["value"]] for member in group.get("members", []))
    return users, groups


RENAMED = {1: "Lovelace-Dijkstra", 2: "Hopper-Allen", 3: "Turing-Rossum"}
EXPECTED = {
    # user05 deactivated; oracle revokes user01, Entra soft-deletes then deletes it; Okta never deletes.
    # Round-robin groups: 1, 3, 5 and 2, 4; Okta and Entra take user05 out of the first again.
    "oracle": ({2: (True, RENAMED[2]), 3: (True, RENAMED[3]), 4: (True, "Liskov"), 5: (False, "Ritchie")},
               {"group-01": [3, 5], "group-02": [2, 4]}),
    "okta": ({1: (True, RENAMED[1]), 2: (True, RENAMED[2]), 3: (True, RENAMED[3]), 4: (True, "Liskov"),
              5: (False, "Ritchie")},
             {"group-01": [1, 3], "group-02": [2, 4]}),
    "entra": ({2: (True, RENAMED[2]), 3: (True, RENAMED[3]), 4: (True, "Liskov"), 5: (False, "Ritchie")},
              {"group-01": [3], "group-02": [2, 4]}),
}


def expected(provider, prefix):
    users, groups = EXPECTED[provider]
    return users, {f"{prefix}-{name}": members for name, members in groups.items()}


@pytest.mark.parametrize("provider", ["oracle", "okta", "entra"])
def test_each_provider_leaves_the_expected_users_and_groups(server, runs, provider):
    prefix = f"e2e-{provider}"
    code, summary, stderr = runs[provider]
    assert code == 0, stderr
    assert summary["ok"] is True and summary["failures"] == [] and summary["provider"] == provider
    assert summary["base_url"] == server.base_url
    assert summary["users"] == USERS and summary["groups"] == GROUPS
    for step in summary["steps"]:
        assert step in stderr  # each step named as it starts
    assert server.token not in stderr + json.dumps(summary)
    assert state(server, prefix) == expected(provider, prefix)


def test_a_replay_with_the_same_prefix_handles_409_and_ends_the_same(server):
    """In-process (the package, not a subprocess): a PUT-updating run, then a PATCH one over it."""
    prefix = "e2e-replay"
    options = {"users": USERS, "groups": GROUPS, "prefix": prefix}
    first = play("oracle", server.base_url, server.token, update="put", **options)
    assert first["ok"] is True, first["failures"]
    assert state(server, prefix) == expected("oracle", prefix)
    second = play("oracle", server.base_url, server.token, **options)
    assert second["ok"] is True, second["failures"]
    # The revoked user comes back; the other four answer 409 and are looked up.
    assert second["steps"]["Create Account"] == {"requests": 9, "existing": 4, "created": 1}
    assert second["steps"]["Create Group"]["existing"] == GROUPS
    assert state(server, prefix) == expected("oracle", prefix)


def test_a_wrong_token_stops_at_the_first_step_with_exit_code_1(server):
    result = CliRunner().invoke(main, ["simulate", "entra", "--base-url", server.base_url, "--token", "not-the-token",
                                       "--prefix", "e2e-refused", "--json"], prog_name="usersync")
    assert result.exit_code == 1
    summary = json.loads(result.stdout)
    assert summary["ok"] is False and summary["failures"][0]["status"] == 401
    assert "Error: Test Connection: GET /plugins/servlet/usersync/scim/Users?filter=userName+eq+%22" in result.stderr
    assert "answered 401" in result.stderr and "not-the-token" not in result.output


def test_without_base_url_it_plays_against_this_servers_public_url(server):
    """The README's demo: only the token, the server found from USERSYNC_PUBLIC_URL as `apps create` prints it."""
    prefix = "e2e-default"
    process = subprocess.run(
        usersync("simulate", "oracle", "--users", str(USERS), "--groups", str(GROUPS), "--prefix", prefix, "--json"),
        cwd=REPO, env={**server.env, "USERSYNC_PUBLIC_URL": server.url, "USERSYNC_TOKEN": server.token},
        capture_output=True, text=True, timeout=60)
    assert process.returncode == 0, process.stderr
    summary = json.loads(process.stdout)
    assert summary["ok"] is True and summary["base_url"] == server.base_url
    assert state(server, prefix) == expected("oracle", prefix)
