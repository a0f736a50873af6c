"""Each IdP sequence against an in-memory SCIM server: order, methods, paths, bodies, replays, failures."""

import subprocess
import sys
from pathlib import Path

import pytest

from simulate import SEQUENCES, okta, simulate

from .fake import BASE, TOKEN, FakeScim

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"


def play(provider, fake=None, **options):
    """Run a sequence with 5 users and 2 groups (prefix t) against a fake; (summary, fake)."""
    fake = fake or FakeScim()
    options = {"users": 5, "groups": 2, "prefix": "t", **options}
    return simulate(provider, BASE, TOKEN, transport=fake, **options), fake


def name(index):
    return f"t.user{index:02d}@example.com"


def ops(request):
    return request.body["Operations"]


def test_oracle_requests_in_console_order():
    summary, fake = play("oracle")
    assert summary["ok"] is True and summary["failures"] == []
    assert fake.shapes() == (
        ["GET /Users?count=1"] + ["POST /Users"] * 5 + ["POST /Groups"] * 2 + ["PATCH /Users/{id}"] * 3
        + ["GET /Users?startIndex=1&count=200", "GET /Groups?startIndex=1&count=200"]
        + ["PATCH /Users/{id}", "DELETE /Users/{id}"])
    assert list(summary["steps"]) == ["Test Connectivity", "Create Account", "Create Group", "Update Account",
                                      "Refresh Application Data", "De-activate Account", "Revoke"]
    assert summary["requests"] == len(fake.requests) == 15
    assert summary["steps"]["Create Account"] == {"requests": 5, "created": 5}
    assert summary["steps"]["Refresh Application Data"] == {"requests": 2, "pages": 2, "users": 5, "groups": 2}
    for request in fake.requests:
        assert request.headers["Accept"] == SCIM_JSON
        assert request.headers["Authorization"] == f"Bearer {TOKEN}"
        assert request.headers.get("Content-Type") == (SCIM_JSON if request.body is not None else None)


def test_oracle_bodies():
    _, fake = play("oracle")
    first = fake.requests[1].body
    assert first == {"schemas": [USER], "userName": "t.user01@example.com",
                     "name": {"formatted": "Ada Lovelace", "familyName": "Lovelace", "givenName": "Ada"},
                     "displayName": "Ada Lovelace",
                     "emails": [{"value": "t.user01@example.com", "type": "work", "primary": True}],
                     "active": True}
    ids = {name(i): fake.user(name(i))["id"] if fake.user(name(i)) else None for i in range(1, 6)}
    groups = [r.body for r in fake.requests if r.shape == "POST /Groups"]
    # Round-robin: user 1, 3, 5 in the first group, 2 and 4 in the second.
    assert groups[0]["displayName"] == "t-group-01" and groups[0]["schemas"] == [GROUP]
    assert [m["value"] for m in groups[1]["members"]] == [ids[name(2)], ids[name(4)]]
    assert len(groups[0]["members"]) == 3
    update = fake.requests[8]
    assert ops(update) == [{"op": "replace", "path": "name.familyName", "value": "Lovelace-Dijkstra"},
                           {"op": "replace", "path": "name.formatted", "value": "Ada Lovelace-Dijkstra"},
                           {"op": "replace", "path": "displayName", "value": "Ada Lovelace-Dijkstra"}]
    deactivate, revoke = fake.requests[-2:]
    assert deactivate.path == f"/Users/{ids[name(5)]}"
    assert ops(deactivate) == [{"op": "replace", "path": "active", "value": False}]
    assert revoke.method == "DELETE" and fake.user(name(1)) is None


def test_oracle_update_by_put_sends_the_whole_account():
    summary, fake = play("oracle", update="put")
    assert summary["ok"]
    puts = [r for r in fake.requests if r.method == "PUT"]
    assert len(puts) == 4 and not [r for r in fake.requests if r.method == "PATCH"]
    user_id = fake.user(name(2))["id"]
    assert puts[1].path == f"/Users/{user_id}"
    assert puts[1].body["id"] == user_id and puts[1].body["userName"] == name(2)
    assert puts[1].body["name"]["familyName"] == "Hopper-Allen" and puts[1].body["active"] is True
    assert puts[3].body["userName"] == name(5) and puts[3].body["active"] is False


def test_oracle_refresh_pages_by_200():
    fake = FakeScim()
    for index in range(250):
        fake.users[f"{index:032x}"] = {"id": f"{index:032x}", "userName": f"other{index}", "name": {"familyName": "X"}}
    summary, _ = play("oracle", fake)
    reads = [r.path for r in fake.requests if r.path.startswith(("/Users?startIndex", "/Groups?startIndex"))]
    assert reads == ["/Users?startIndex=1&count=200", "/Users?startIndex=201&count=200",
                     "/Groups?startIndex=1&count=200"]
    assert summary["steps"]["Refresh Application Data"]["users"] == 255


def test_okta_requests_and_bodies():
    summary, fake = play("okta")
    assert summary["ok"]
    check = "GET /Users?filter=userName%20eq%20%22t.user01%40example.com%22&startIndex=1&count=100"
    assert fake.shapes()[:2] == [check, "POST /Users"]
    assert fake.shapes()[10:] == (
        ["GET /Users/{id}", "PUT /Users/{id}"] * 3 + ["POST /Groups"] * 2 + ["PATCH /Groups/{id}"] * 3
        + ["PATCH /Users/{id}"])
    assert not [r for r in fake.requests if r.method == "DELETE"]
    created = fake.requests[1]
    assert created.headers["User-Agent"] == "Okta SCIM Client 1.0.0"
    assert created.body["password"] and created.body["groups"] == [] and created.body["active"] is True
    assert created.body["externalId"].startswith("00u") and len(created.body["externalId"]) == 20
    assert created.body["emails"] == [{"primary": True, "value": name(1), "type": "work"}]
    put = fake.requests[11]
    assert put.body["id"] == fake.user(name(1))["id"] and put.body["name"]["familyName"] == "Lovelace-Dijkstra"
    assert put.body["userName"] == name(1) and put.body["externalId"] == created.body["externalId"]
    pushed = [r.body for r in fake.requests if r.shape == "POST /Groups"]
    assert pushed[0] == {"schemas": [GROUP], "displayName": "t-group-01", "members": []}
    add, _, remove = [r for r in fake.requests if r.shape == "PATCH /Groups/{id}"]
    assert ops(add) == [{"op": "add", "path": "members", "value": [
        {"value": fake.user(name(i))["id"], "display": name(i)} for i in (1, 3, 5)]}]
    assert ops(remove) == [{"op": "remove", "path": f'members[value eq "{fake.user(name(5))["id"]}"]'}]
    assert ops(fake.requests[-1]) == [{"op": "replace", "value": {"active": False}}]
    assert fake.state() == (
        {name(1): (True, "Lovelace-Dijkstra"), name(2): (True, "Hopper-Allen"), name(3): (True, "Turing-Rossum"),
         name(4): (True, "Liskov"), name(5): (False, "Ritchie")},
        {"t-group-01": [name(1), name(3)], "t-group-02": [name(2), name(4)]})


def test_entra_requests_and_bodies():
    summary, fake = play("entra")
    assert summary["ok"]
    connection = fake.requests[0]
    assert connection.path.startswith("/Users?filter=userName+eq+%22") and connection.path.endswith("%22")
    assert len(connection.path) == len("/Users?filter=userName+eq+%22%22") + 36  # a random GUID
    assert fake.shapes()[1:3] == ["GET /Users?filter=userName+eq+%22t.user01%40example.com%22", "POST /Users"]
    created = fake.requests[2].body
    assert created["schemas"] == [USER, ENTERPRISE] and created["active"] is True
    assert created[ENTERPRISE] == {"employeeNumber": "00001", "department": "Demo"}
    assert created["externalId"] and created["meta"] == {"resourceType": "User"}
    update = fake.requests[11]
    assert ops(update) == [{"op": "Replace", "path": "name.familyName", "value": "Lovelace-Dijkstra"},
                           {"op": "Replace", "path": "name.formatted", "value": "Ada Lovelace-Dijkstra"},
                           {"op": "Replace", "path": "displayName", "value": "Ada Lovelace-Dijkstra"}]
    assert fake.shapes()[14:] == (
        ["GET /Groups?excludedAttributes=members&filter=displayName+eq+%22t-group-01%22", "POST /Groups",
         "GET /Groups?excludedAttributes=members&filter=displayName+eq+%22t-group-02%22", "POST /Groups"]
        + ["PATCH /Groups/{id}"] * 3 + ["PATCH /Users/{id}"] * 2 + ["DELETE /Users/{id}"])
    add, _, remove = [r for r in fake.requests if r.shape == "PATCH /Groups/{id}"]
    assert ops(add)[0]["op"] == "Add" and ops(add)[0]["value"][0] == {"$ref": None, "value": update.path[7:]}
    assert ops(remove) == [{"op": "Remove", "path": "members", "value": [{"value": fake.user(name(5))["id"]}]}]
    disable, soft_delete, delete = fake.requests[-3:]
    assert ops(disable) == ops(soft_delete) == [{"op": "Replace", "path": "active", "value": "False"}]
    assert soft_delete.path == delete.path == update.path
    assert fake.state() == (
        {name(2): (True, "Hopper-Allen"), name(3): (True, "Turing-Rossum"), name(4): (True, "Liskov"),
         name(5): (False, "Ritchie")},
        {"t-group-01": [name(3)], "t-group-02": [name(2), name(4)]})


@pytest.mark.parametrize("provider", sorted(SEQUENCES))
def test_a_replay_with_the_same_prefix_continues_over_what_exists(provider):
    _, fake = play(provider)
    after_first = fake.state()
    second, _ = play(provider, fake)
    assert second["ok"] is True, second["failures"]
    assert fake.state() == after_first
    create = second["steps"][{"oracle": "Create Account", "okta": "Create Users", "entra": "Create User"}[provider]]
    # The user deleted by the first run (none for Okta) comes back; the others are found.
    assert create.get("existing") == (5 if provider == "okta" else 4)
    assert create.get("created", 0) == (0 if provider == "okta" else 1)


def test_oracle_replay_looks_up_after_409():
    _, fake = play("oracle")
    fake.requests.clear()
    play("oracle", fake)
    shapes = fake.shapes()
    assert shapes[1:4] == ["POST /Users", "POST /Users",
                           "GET /Users?filter=userName%20eq%20%22t.user02%40example.com%22"]
    assert "GET /Groups?filter=displayName%20eq%20%22t-group-01%22" in shapes


def test_okta_replay_reactivates_a_deactivated_user():
    _, fake = play("okta")
    fake.requests.clear()
    summary, _ = play("okta", fake)
    assert summary["steps"]["Create Users"]["reactivated"] == 1
    reactivation = next(r for r in fake.requests if r.method == "PATCH")
    assert ops(reactivation) == [{"op": "replace", "value": {"active": True}}]


def test_a_409_with_nothing_to_find_stops_with_advice():
    fake = FakeScim()
    fake.fail("POST", "/Users", 409, "userName is already taken.", "uniqueness")
    summary, _ = play("oracle", fake)
    assert summary["ok"] is False
    message = summary["failures"][0]["message"]
    assert message.startswith("Create Account: POST /plugins/servlet/usersync/scim/Users answered 409")
    assert "Try another --prefix" in message


def test_a_failure_names_the_step_request_and_server_detail():
    fake = FakeScim()
    fake.fail("POST", "/Groups", 400, "displayName is too long.", "invalidValue")
    summary, _ = play("oracle", fake)
    assert summary["ok"] is False
    (failure,) = summary["failures"]
    assert failure["step"] == "Create Group" and failure["status"] == 400 and failure["method"] == "POST"
    assert failure["path"] == "/plugins/servlet/usersync/scim/Groups"
    assert failure["scim_type"] == "invalidValue" and failure["detail"] == "displayName is too long."
    assert failure["message"].splitlines()[0] == (
        "Create Group: POST /plugins/servlet/usersync/scim/Groups answered 400 Bad Request (invalidValue): "
        "displayName is too long.")
    assert '"displayName": "t-group-01"' in failure["message"]
    assert TOKEN not in str(summary)
    # The run stopped there: no later step was started.
    assert list(summary["steps"]) == ["Test Connectivity", "Create Account", "Create Group"]
    assert fake.closed == 1


def test_okta_password_is_redacted_in_a_failure():
    fake = FakeScim()
    fake.fail("POST", "/Users", 400, "Bad password.", "invalidValue")
    summary, _ = play("okta", fake)
    message = summary["failures"][0]["message"]
    assert '"password": "[redacted]"' in message
    assert fake.requests[1].body["password"] not in message


def test_entra_test_connection_must_find_nobody():
    fake = FakeScim()
    fake.users["f" * 32] = {"id": "f" * 32, "userName": "someone"}
    unfiltered = fake._list
    # A server that ignores the filter lists everyone.
    fake._list = lambda endpoint, store, query: unfiltered(endpoint, store, {})
    summary, _ = play("entra", fake)
    assert summary["failures"][0]["step"] == "Test Connection"
    assert "random GUID listed 1 users" in summary["failures"][0]["message"]


def test_phases_report_progress_and_pause_after_each_operation():
    phases, pauses = [], []

    class Bar:
        def __init__(self, label, items):
            phases.append((label, len(items)))
            self.items = items

        def __enter__(self):
            return iter(self.items)

        def __exit__(self, *exc):
            return False

    summary, _ = play("entra", progress=Bar, delay=0.2, sleep=pauses.append)
    assert phases == [("Test Connection", 1), ("Create User", 5), ("Update User", 3), ("Create Group", 2),
                      ("Update Group [Add Members]", 2), ("Update Group [Remove Members]", 1),
                      ("Disable User", 1), ("Delete User", 1)]
    assert pauses == [0.2] * 16
    assert summary["ok"]


@pytest.mark.parametrize("users, groups, deactivated", [(1, 0, 1), (10, 3, 2), (12, 1, 2)])
def test_sizes(users, groups, deactivated):
    summary, fake = play("okta", users=users, groups=groups)
    assert summary["ok"], summary["failures"]
    assert len(fake.users) == users and len(fake.groups) == groups
    assert sum(1 for u in fake.users.values() if u["active"] is False) == deactivated
    assert summary["steps"]["Deactivate Users"]["deactivated"] == deactivated


@pytest.mark.parametrize("provider, options", [("oracle", {}), ("oracle", {"update": "put"}), ("entra", {})])
def test_the_formatted_name_follows_a_changed_family_name(provider, options):
    _, fake = play(provider, **options)
    renamed = [u for u in fake.users.values() if "-" in u["name"]["familyName"]]
    assert len(renamed) >= 2, fake.users
    for user in fake.users.values():
        name = user["name"]
        assert name["formatted"] == f"{name['givenName']} {name['familyName']}" == user["displayName"], user


def test_okta_keeps_a_formatted_name_the_server_holds_in_step(monkeypatch):
    """Okta sends no formatted name, but its GET + PUT must not send back a stale one the server holds."""
    created = okta.user
    monkeypatch.setattr(okta, "user", lambda person: {**created(person), "name": {
        "givenName": person.given, "familyName": person.family, "formatted": person.display_name}})
    _, fake = play("okta")
    puts = [r.body["name"] for r in fake.requests if r.method == "PUT"]
    assert puts[0] == {"givenName": "Ada", "familyName": "Lovelace-Dijkstra", "formatted": "Ada Lovelace-Dijkstra"}
    for user in fake.users.values():
        assert user["name"]["formatted"] == f"{user['name']['givenName']} {user['name']['familyName']}", user


def test_okta_adds_no_formatted_name_of_its_own():
    _, fake = play("okta")
    assert all("formatted" not in r.body["name"] for r in fake.requests if r.method in ("POST", "PUT")
               and r.path.startswith("/Users"))


@pytest.mark.parametrize("users, groups, first, last, group", [
    (5, 1, "t.user01", "t.user05", "t-group-01"), (20, 12, "t.user01", "t.user20", "t-group-12"),
    (300, 100, "t.user001", "t.user300", "t-group-100")])
def test_numbers_are_padded_to_the_width_of_the_largest(users, groups, first, last, group):
    _, fake = play("okta", users=users, groups=groups)  # Okta deletes nobody
    names = [u["userName"].removesuffix("@example.com") for u in fake.users.values()]
    assert (min(names), max(names), len(names)) == (first, last, users)
    assert len({len(name) for name in names}) == 1, names  # one width: they sort in their order
    assert max(g["displayName"] for g in fake.groups.values()) == group
    assert len({len(g["displayName"]) for g in fake.groups.values()}) == 1


def test_the_package_imports_no_flask():
    code = "import sys, simulate; sys.exit('flask' in sys.modules or 'peewee' in sys.modules)"
    repo = Path(__file__).resolve().parents[3]
    assert subprocess.run([sys.executable, "-c", code], cwd=repo, timeout=30).returncode == 0
