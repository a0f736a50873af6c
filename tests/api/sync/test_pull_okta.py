"""The pull engine against a fake Okta org (tests/fakes/okta.py) over real HTTP: a first full sync, incremental
runs, a deactivation and a deletion in Okta, a group rename and a membership change, a crash and a rerun, a
run that changes nothing, a wrong token, a missing role, and an App ID's scope; each ending with the exact
host state and audit trail."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from tests.fakes.okta import okta  # noqa: F401  (the fixture)

from . import Puller, assert_state, commits_by_phase, created_events, settled

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
NAMES = ("alice@example.com", "bob@example.com", "carol@example.com")
FIRST_HOST = {name: (name, True, True) for name in NAMES}
FIRST_GROUPS = {"Engineering": ["alice@example.com", "bob@example.com"], "Sales": ["carol@example.com"]}
FIRST_HOST_GROUPS = {"confluence-users": [], **FIRST_GROUPS}
# The users' watermark after seed(): carol's lastUpdated (T0 - 2 h) less the engine's minute of overlap.
SINCE = "2026-01-05T06:59:00Z"


def seed(org):
    """alice, bob and carol, an hour apart up to T0 - 2 h; Engineering (alice, bob) and Sales (carol) at T0 - 1 h."""
    people = {}
    for hours, name in ((4, "alice"), (3, "bob"), (2, "carol")):
        org.set_time(T0 - timedelta(hours=hours))
        people[name] = org.add_user(f"{name}@example.com")
    org.set_time(T0 - timedelta(hours=1))
    people["engineering"] = org.add_group("Engineering", [people["alice"], people["bob"]])
    people["sales"] = org.add_group("Sales", [people["carol"]])
    org.set_time(T0)
    return SimpleNamespace(**people)

@pytest.fixture
def puller(app, okta):  # noqa: F811
    """make(app_id=None, **options) -> a Puller: a new REST API app pulling from the fake org (pages of two)."""

    def make(app_id=None, **options):
        source = okta.source(app_id=app_id)
        pulling = Puller(app, okta, source=source, **options)
        pulling.described, pulling.token = source.describe(), source.api_token
        return pulling

    return make


def closing(pulling, run_id, mode, counts, failed=None):
    """The audit event that ends run run_id: its mode and counts, or why it failed and what it did first."""
    head = f"pull sync #{run_id} from {pulling.described} ({mode})"
    if failed is not None:
        done = f" Done before it stopped: {counts}." if counts else ""
        return ("pull-sync", "failed", f"{head} failed: {failed}{done}")
    return ("pull-sync", "applied", f"{head}: {counts}")


def calls(org):
    """(path under /api/v1, query) of every request since the last call; the org's log is then cleared."""
    seen = [(call.path.removeprefix("/api/v1"), call.query) for call in org.requests]
    org.requests.clear()
    return seen


def first_sync_events():
    return created_events(NAMES, FIRST_GROUPS)


def assert_first_state(pulling):
    assert_state(pulling, FIRST_HOST, FIRST_GROUPS, FIRST_HOST_GROUPS)


def test_first_sync_reads_users_the_deprovisioned_then_groups_and_members(puller, okta):
    people = seed(okta)
    pulling = puller()
    run = pulling.run()
    assert (run["status"], run["full"], run["error"]) == ("succeeded", True, None)
    assert run["counts"] == {"created": 3, "groups_created": 2}
    assert_first_state(pulling)
    assert settled(pulling.events()) == first_sync_events() + [
        closing(pulling, 1, "full", "3 created, 2 groups created")]
    eng, sales = people.engineering["id"], people.sales["id"]
    assert calls(okta) == [
        ("/users", {"limit": "2"}), ("/users", {"after": people.bob["id"], "limit": "2"}),
        ("/users", {"filter": 'status eq "DEPROVISIONED"', "limit": "2"}),
        ("/groups", {"limit": "2"}), (f"/groups/{eng}/users", {"limit": "1000"}),
        (f"/groups/{sales}/users", {"limit": "1000"})]


def test_a_pages_groups_are_read_members_and_all_before_its_writes_which_share_one_commit(puller, okta,
                                                                                            monkeypatch):
    """Engineering and Sales on one page: both members' requests, then both writes in one batch (not a commit
    before each group's members are read)."""
    seed(okta)
    pulling, commits = puller(), commits_by_phase(monkeypatch)
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert commits.count("groups") == 1
    assert_first_state(pulling)


def test_a_rerun_with_nothing_changed_writes_nothing_and_reads_only_changes(puller, okta):
    people = seed(okta)
    pulling = puller()
    pulling.run()
    pulling.events()
    calls(okta)
    again = pulling.run()
    # carol (at the watermark, less the overlap) and both groups (stamped together) are read again, unchanged.
    assert again["counts"] == {"unchanged": 1, "groups_unchanged": 2}
    groups_since = "2026-01-05T07:59:00.000Z"
    assert calls(okta) == [
        ("/users", {"filter": 'lastUpdated gt "2026-01-05T06:59:00.000Z"', "limit": "2"}),
        ("/groups", {"filter": f'lastUpdated gt "{groups_since}" or lastMembershipUpdated gt "{groups_since}"',
                     "limit": "2"}),
        (f"/groups/{people.engineering['id']}/users", {"limit": "1000"}),
        (f"/groups/{people.sales['id']}/users", {"limit": "1000"})]
    assert pulling.events() == [closing(pulling, 2, f"incremental: users modified after {SINCE}",
                                        "1 unchanged, 2 groups unchanged")]
    assert_first_state(pulling)


def test_an_incremental_run_reads_the_changed_user_and_the_renamed_group(puller, okta):
    people = seed(okta)
    pulling = puller()
    pulling.run()
    pulling.events()
    okta.advance(hours=1)
    okta.update_user(people.alice, displayName="Alice Ames")
    okta.rename_group(people.engineering, "Engineering Team")
    run = pulling.run()
    assert run["full"] is False
    assert run["counts"] == {"updated": 1, "unchanged": 1, "groups_updated": 1, "groups_unchanged": 1}
    assert settled(pulling.events()) == [
        ("update-user", "applied", "updated displayName of host user 'alice@example.com'"),
        ("update-group", "applied", "updated SCIM group: 0 member(s) added, 0 removed; "
                                    "maps to host group(s) 'Engineering Team'"),
        ("host-group", "applied", "created host group 'Engineering Team' on the fly"),
        ("host-membership", "applied", "alice@example.com added to host group 'Engineering Team' "
                                       "(IdP group 'Engineering Team')"),
        ("host-membership", "applied", "alice@example.com removed from host group 'Engineering' "
                                       "(no longer given by the IdP)"),
        ("host-membership", "applied", "bob@example.com added to host group 'Engineering Team' "
                                       "(IdP group 'Engineering Team')"),
        ("host-membership", "applied", "bob@example.com removed from host group 'Engineering' "
                                       "(no longer given by the IdP)"),
        closing(pulling, 2, f"incremental: users modified after {SINCE}",
                "1 updated, 1 unchanged, 1 groups updated, 1 groups unchanged")]
    # The old name does not linger as a second group.
    assert pulling.groups() == {"Engineering Team": ["alice@example.com", "bob@example.com"],
                                "Sales": ["carol@example.com"]}
    # The next run starts from alice's change.
    calls(okta)
    assert pulling.run()["counts"] == {"unchanged": 1, "groups_unchanged": 1}
    assert calls(okta)[0] == ("/users", {"filter": 'lastUpdated gt "2026-01-05T09:59:00.000Z"', "limit": "2"})


def test_a_membership_change_is_read_through_last_membership_updated(puller, okta):
    people = seed(okta)
    pulling = puller()
    pulling.run()
    pulling.events()
    okta.advance(hours=1)
    okta.add_member(people.sales, people.alice)
    run = pulling.run()
    # Engineering, stamped with Sales before, is read again within the overlap, unchanged.
    assert run["counts"] == {"unchanged": 1, "groups_updated": 1, "groups_unchanged": 1}
    assert pulling.events() == [
        ("update-group", "applied", "updated SCIM group: 1 member(s) added, 0 removed; maps to host group(s) 'Sales'"),
        ("host-membership", "applied", "alice@example.com added to host group 'Sales' (IdP group 'Sales')"),
        closing(pulling, 2, f"incremental: users modified after {SINCE}",
                "1 unchanged, 1 groups updated, 1 groups unchanged")]
    assert pulling.groups()["Sales"] == ["alice@example.com", "carol@example.com"]


@pytest.mark.parametrize("status", ["DEPROVISIONED", "SUSPENDED"])
def test_a_deactivated_or_suspended_user_is_deactivated_on_the_next_run(puller, okta, status):
    people = seed(okta)
    pulling = puller(disable_users=True)
    pulling.run()
    pulling.events()
    okta.advance(minutes=10)
    okta.set_status(people.bob, status)
    run = pulling.run()
    assert run["counts"] == {"deactivated": 1, "unchanged": 1, "groups_unchanged": 2}
    assert pulling.events() == [
        ("update-user", "applied", "deactivated host user 'bob@example.com'"),
        closing(pulling, 2, f"incremental: users modified after {SINCE}",
                "1 deactivated, 1 unchanged, 2 groups unchanged")]
    assert pulling.users() == {**FIRST_HOST, "bob@example.com": ("bob@example.com", False, True)}
    assert pulling.run(full=True)["counts"] == {"unchanged": 3, "groups_unchanged": 2}  # and stays so


def test_a_user_deprovisioned_before_the_first_sync_arrives_inactive(puller, okta):
    seed(okta)
    okta.add_user("dave@example.com", status="DEPROVISIONED")
    pulling = puller()
    assert pulling.run()["counts"] == {"created": 4, "groups_created": 2}
    assert pulling.users()["dave@example.com"] == ("dave@example.com", False, True)


@pytest.mark.parametrize("on_delete", ["deactivate", "delete"])
def test_a_deleted_user_gets_on_delete_after_the_next_full_run(puller, okta, on_delete):
    people = seed(okta)
    pulling = puller(on_delete=on_delete)
    pulling.run()
    pulling.events()
    okta.advance(hours=1)
    okta.delete_user(people.carol)  # Okta: deactivated, then deleted; she leaves Sales
    incremental = pulling.run()
    # A deletion leaves no lastUpdated to filter on: only Sales (and Engineering, in the overlap) are read.
    assert incremental["counts"] == {"groups_updated": 1, "groups_unchanged": 1}
    assert pulling.users() == FIRST_HOST
    calls(okta)
    full = pulling.run(full=True)
    outcome = "deleted" if on_delete == "delete" else "unlinked"
    assert full["counts"] == {outcome: 1, "unchanged": 2, "groups_unchanged": 2}
    if on_delete == "delete":
        assert pulling.users() == {name: row for name, row in FIRST_HOST.items() if name != "carol@example.com"}
    else:
        assert pulling.users() == {**FIRST_HOST, "carol@example.com": ("carol@example.com", False, False)}
    # Missing from the listing, and confirmed gone by id before anything was done.
    assert [path for path, _ in calls(okta) if path.startswith("/users/")] == [f"/users/{people.carol['id']}"]
    assert pulling.groups() == {"Engineering": ["alice@example.com", "bob@example.com"], "Sales": []}


def test_a_deleted_group_goes_after_the_next_full_run(puller, okta):
    people = seed(okta)
    pulling = puller()
    pulling.run()
    okta.delete_group(people.sales)
    assert pulling.run()["counts"] == {"unchanged": 1, "groups_unchanged": 1}  # changes only: nothing swept
    pulling.events()
    assert pulling.run(full=True)["counts"] == {"unchanged": 3, "groups_unchanged": 1, "groups_deleted": 1}
    assert pulling.groups() == {"Engineering": ["alice@example.com", "bob@example.com"]}


def test_a_crash_on_page_two_then_a_rerun_resumes_there_and_ends_exact(puller, okta):
    """Page 2 of the users answers 500 past the retries; the rerun follows the stored next link."""
    people = seed(okta)
    pulling = puller()

    def break_page_two(phase, done, _total):
        if (phase, done) == ("users", 2):
            okta.fail(500, times=None, path="/users")

    failed = pulling.run(progress=break_page_two)
    message = f"Okta failed with 500 E0000009: Injected 500 by the test at {okta.url}/api/v1/users."
    assert (failed["status"], failed["phase"], failed["counts"], failed["error"]) == (
        "failed", "users", {"created": 2}, message)
    assert pulling.events()[-1] == closing(pulling, 1, "full", "2 created", failed=message)
    okta.clear_faults()
    calls(okta)
    resumed = pulling.run()
    assert (resumed["status"], resumed["full"], resumed["counts"]) == ("succeeded", True,
                                                                       {"created": 1, "groups_created": 2})
    assert [query for path, query in calls(okta) if path == "/users"] == [
        {"after": people.bob["id"], "limit": "2"}, {"filter": 'status eq "DEPROVISIONED"', "limit": "2"}]
    assert settled(pulling.events()) == first_sync_events()[2:] + [
        closing(pulling, 2, "full; resuming run #1", "1 created, 2 groups created")]
    assert_first_state(pulling)
    assert pulling.run(full=True)["counts"] == {"unchanged": 3, "groups_unchanged": 2}  # nothing vanished


def test_a_wrong_token_fails_the_run_in_words_without_the_token(puller, okta):
    seed(okta)
    pulling = puller()
    okta.token = "00-rotated-in-okta"
    run = pulling.run()
    assert (run["status"], run["error"]) == ("failed", "Okta refused the API token (401 E0000011: Invalid token "
                                                       "provided).")
    event = pulling.events()[-1]
    assert event == closing(pulling, 1, "full", "", failed=run["error"])
    assert pulling.token not in event[2] and pulling.token not in run["error"]
    assert pulling.users() == {}


def test_a_missing_role_fails_the_run_naming_what_it_could_not_read(puller, okta):
    seed(okta)
    okta.deny("/groups")
    pulling = puller()
    run = pulling.run()
    assert (run["status"], run["phase"]) == ("failed", "groups")
    assert run["error"] == ("The API token may not read /api/v1/groups (403 E0000006: You do not have permission "
                            "to perform the requested action).")
    assert run["counts"] == {"created": 3}
    assert pulling.events()[-1] == closing(pulling, 1, "full", "3 created", failed=run["error"])


# --- with an App ID ---------------------------------------------------------------------------------------------


def test_with_an_app_id_only_assigned_users_and_groups_are_pulled(puller, okta):
    people = seed(okta)
    app_id = okta.add_app()
    okta.assign_group(app_id, people.engineering)  # alice and bob, through the group
    okta.assign_user(app_id, people.bob)  # bob directly as well
    pulling = puller(app_id=app_id)
    run = pulling.run()
    assert run["counts"] == {"created": 2, "groups_created": 1}
    assert pulling.users() == {name: FIRST_HOST[name] for name in ("alice@example.com", "bob@example.com")}
    assert pulling.groups() == {"Engineering": ["alice@example.com", "bob@example.com"]}
    assert not [path for path, _ in calls(okta) if path in ("/users", "/groups")]  # the org's lists are not read


def test_with_an_app_id_an_unassigned_user_is_gone_on_the_next_full_run(puller, okta):
    people = seed(okta)
    app_id = okta.add_app()
    okta.assign_user(app_id, people.alice)
    okta.assign_user(app_id, people.carol)
    okta.assign_group(app_id, people.sales)
    pulling = puller(app_id=app_id)
    assert pulling.run()["counts"] == {"created": 2, "groups_created": 1}
    okta.advance(hours=1)
    okta.unassign_user(app_id, people.alice)
    assert pulling.run()["counts"] == {"unchanged": 1, "groups_unchanged": 1}  # changes only: none swept
    assert pulling.users()["alice@example.com"] == ("alice@example.com", True, True)
    pulling.events()
    full = pulling.run(full=True)
    assert full["counts"] == {"unlinked": 1, "unchanged": 1, "groups_unchanged": 1}
    assert pulling.users() == {"alice@example.com": ("alice@example.com", False, False),
                               "carol@example.com": ("carol@example.com", True, True)}
    # carol still counts while Sales is assigned, though not directly any more.
    okta.unassign_user(app_id, people.carol)
    assert pulling.run(full=True)["counts"] == {"unchanged": 1, "groups_unchanged": 1}


def test_a_spent_rate_limit_is_waited_out_within_the_run(puller, okta):
    """The first page says nothing remains in the window: the run waits for the reset (through the engine's
    sleep) before its next request, and gets no 429."""
    seed(okta)
    pulling = puller()
    waits = []
    pulling.client = lambda source: source.client(page_size=2, retries=1, sleep=waits.append, clock=lambda: 0.0)
    okta.exhaust(reset_in=20)
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert waits == [20.0]
    assert_first_state(pulling)


def test_with_an_app_id_a_deactivated_user_is_unassigned_and_on_delete_applies(puller, okta):
    """Okta unassigns a user from every app when it deactivates them; a suspended one stays assigned."""
    people = seed(okta)
    app_id = okta.add_app()
    okta.assign_group(app_id, people.engineering)
    pulling = puller(app_id=app_id, disable_users=True)
    pulling.run()
    okta.advance(hours=1)
    okta.set_status(people.alice, "SUSPENDED")
    okta.deactivate(people.bob)
    assert pulling.run()["counts"] == {"deactivated": 1, "groups_unchanged": 1}
    assert pulling.users() == {"alice@example.com": ("alice@example.com", False, True),
                               "bob@example.com": ("bob@example.com", True, True)}
    pulling.events()
    assert pulling.run(full=True)["counts"] == {"unlinked": 1, "unchanged": 1, "groups_unchanged": 1}
    assert pulling.users() == {"alice@example.com": ("alice@example.com", False, True),
                               "bob@example.com": ("bob@example.com", False, False)}
