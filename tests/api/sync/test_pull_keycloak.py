"""The pull engine against a fake Keycloak over real HTTP (tests/fakes/keycloak.py): the first sync (sub-groups
named by path), a rerun that reads everything and writes only what changed, a deactivation, a deletion, a group
rename, a membership change, a crash and its resume, a legacy /auth server, a wrong secret and a missing role;
each ending with the exact host state and audit trail."""

from types import SimpleNamespace

import pytest

from tests.fakes.keycloak import FakeKeycloak, keycloak  # noqa: F401  (the fixture)

from . import Puller, assert_state, created_events, settled

FIRST_HOST = {name: (name, True, True) for name in ("alice", "bob", "carol")}
FIRST_GROUPS = {"engineering": ["alice", "bob"], "engineering/backend": ["carol"], "sales": ["carol"]}
FIRST_HOST_GROUPS = {"confluence-users": [], **FIRST_GROUPS}
FULL_COUNTS = {"unchanged": 3, "groups_unchanged": 3}


def seed(fake):
    """alice, bob and carol; engineering (alice, bob) with its sub-group backend (carol); sales (carol)."""
    people = {name: fake.add_user(name, first=name.title(), last="Tester", email=f"{name}@example.com")
              for name in ("alice", "bob", "carol")}
    people["engineering"] = fake.add_group("engineering", [people["alice"], people["bob"]])
    people["backend"] = fake.add_group("backend", [people["carol"]], parent=people["engineering"])
    people["sales"] = fake.add_group("sales", [people["carol"]])
    return SimpleNamespace(**people)


def pulling_from(app, fake, **options):
    return Puller(app, fake, source=fake.source(), **options)


def closing(puller, run_id, counts, failed=None, mode="full"):
    """The audit event that ends run run_id."""
    head = f"pull sync #{run_id} from {puller.idp.source().describe()} ({mode})"
    if failed is not None:
        done = f" Done before it stopped: {counts}." if counts else ""
        return ("pull-sync", "failed", f"{head} failed: {failed}{done}")
    return ("pull-sync", "applied", f"{head}: {counts}")


def first_sync_events():
    """In Keycloak's order: groups by name, each followed by its sub-groups."""
    return created_events(("alice", "bob", "carol"), FIRST_GROUPS)


def assert_first_state(puller):
    assert_state(puller, FIRST_HOST, FIRST_GROUPS, FIRST_HOST_GROUPS)


def admin_paths(fake):
    """The Admin REST API requests as 'path?first=N', with group ids replaced by the groups' paths."""
    names = {g["id"]: fake.path_of(g["id"])[1:] for g in fake.groups.values()}
    names.update({u["id"]: u["username"] for u in fake.users.values()})
    base = len(f"{fake.root}{fake.prefix}/admin/realms/{fake.realm}")
    shown = []
    for call in fake.api_calls():
        path = "/".join(names.get(part, part) for part in call.path[base:].split("/"))
        shown.append(path + (f"?first={call.query['first']}" if "first" in call.query else ""))
    return shown


@pytest.mark.parametrize("version, prefix", [(26, ""), (21, "/auth")])
def test_first_sync_names_sub_groups_by_path(app, version, prefix):
    with FakeKeycloak(version=version, prefix=prefix) as fake:
        seed(fake)
        pulling = pulling_from(app, fake)
        run = pulling.run()
        assert (run["status"], run["full"], run["error"]) == ("succeeded", True, None)
        assert run["counts"] == {"created": 3, "groups_created": 3}
        assert_first_state(pulling)
        assert settled(pulling.events()) == first_sync_events() + [
            closing(pulling, 1, "3 created, 3 groups created")]
        assert admin_paths(fake)[:2] == ["/users?first=0", "/users?first=2"]


def test_a_rerun_with_nothing_changed_reads_everything_and_writes_nothing(app, keycloak):
    seed(keycloak)
    pulling = pulling_from(app, keycloak)
    pulling.run()
    pulling.events()
    keycloak.requests.clear()
    again = pulling.run()
    assert (again["full"], again["counts"]) == (True, FULL_COUNTS)
    assert pulling.events() == [closing(pulling, 2, "3 unchanged, 3 groups unchanged")]
    assert_first_state(pulling)
    # One token; users in two pages; the top-level groups in two pages (the second empty: the first was full);
    # children only of the group Keycloak counts sub-groups for; the members of each group (engineering's two
    # fill a page, so an empty one follows). Nothing else.
    assert len(keycloak.token_calls()) == 1
    assert admin_paths(keycloak) == [
        "/users?first=0", "/users?first=2", "/groups?first=0", "/groups/engineering/children?first=0",
        "/groups/engineering/members?first=0", "/groups/engineering/members?first=2",
        "/groups/engineering/backend/members?first=0", "/groups/sales/members?first=0", "/groups?first=2"]


def test_a_change_at_the_source_is_the_only_write_of_the_next_run(app, keycloak):
    people = seed(keycloak)
    pulling = pulling_from(app, keycloak)
    pulling.run()
    pulling.events()
    keycloak.update_user(people.alice["id"], lastName="Ames")
    run = pulling.run()
    assert run["counts"] == {"updated": 1, "unchanged": 2, "groups_unchanged": 3}
    assert pulling.events() == [
        ("update-user", "applied", "updated displayName, name of host user 'alice'"),
        closing(pulling, 2, "1 updated, 2 unchanged, 3 groups unchanged")]


@pytest.mark.parametrize("disable_users", [True, False])
def test_a_user_disabled_in_keycloak(app, keycloak, disable_users):
    people = seed(keycloak)
    pulling = pulling_from(app, keycloak, disable_users=disable_users)
    pulling.run()
    pulling.events()
    keycloak.set_enabled(people.bob["id"], False)
    run = pulling.run()
    if disable_users:
        assert run["counts"] == {"deactivated": 1, "unchanged": 2, "groups_unchanged": 3}
        assert pulling.events() == [("update-user", "applied", "deactivated host user 'bob'"),
                                    closing(pulling, 2, "1 deactivated, 2 unchanged, 3 groups unchanged")]
    else:
        assert run["counts"] == {"unchanged": 3, "groups_unchanged": 3}
        assert pulling.events() == [("update-user", "ignored", "deactivation ignored: disable_users is off"),
                                    closing(pulling, 2, "3 unchanged, 3 groups unchanged")]
    assert pulling.users() == {**FIRST_HOST, "bob": ("bob", not disable_users, True)}
    assert pulling.host_groups() == FIRST_HOST_GROUPS


@pytest.mark.parametrize("on_delete", ["deactivate", "delete"])
def test_a_user_deleted_in_keycloak_is_confirmed_gone_then_on_delete_applies(app, keycloak, on_delete):
    people = seed(keycloak)
    pulling = pulling_from(app, keycloak, on_delete=on_delete)
    pulling.run()
    pulling.events()
    keycloak.delete_user(people.carol["id"])  # Keycloak drops her memberships with her
    keycloak.requests.clear()
    run = pulling.run()
    outcome = "deleted" if on_delete == "delete" else "unlinked"
    assert run["counts"] == {outcome: 1, "unchanged": 2, "groups_updated": 2, "groups_unchanged": 1}
    if on_delete == "delete":
        gone = ("delete-user", "applied", "deleted host user 'carol' (on_delete is delete)")
        assert pulling.users() == {name: row for name, row in FIRST_HOST.items() if name != "carol"}
    else:
        gone = ("deactivate-user", "applied", "deactivated host user 'carol' and unlinked it from SCIM "
                                              "(on_delete is deactivate); nothing was deleted")
        assert pulling.users() == {**FIRST_HOST, "carol": ("carol", False, False)}
    events = settled(pulling.events())
    assert gone in events and events[-1] == closing(
        pulling, 2, f"1 {outcome}, 2 unchanged, 2 groups updated, 1 groups unchanged")
    # Missing from the listing, and looked up by id (404) before anything was done.
    assert [call.path.rsplit("/", 1)[-1] for call in keycloak.api_calls("/users/")] == [people.carol["id"]]
    assert pulling.groups() == {**FIRST_GROUPS, "engineering/backend": [], "sales": []}


def test_a_renamed_group_and_its_sub_groups_are_renamed_not_doubled(app, keycloak):
    people = seed(keycloak)
    pulling = pulling_from(app, keycloak)
    pulling.run()
    pulling.events()
    keycloak.rename_group(people.engineering["id"], "platform")  # the sub-group's path changes with it
    run = pulling.run()
    assert run["counts"] == {"unchanged": 3, "groups_updated": 2, "groups_unchanged": 1}
    assert pulling.groups() == {"platform": ["alice", "bob"], "platform/backend": ["carol"], "sales": ["carol"]}
    assert pulling.host_groups() == {"confluence-users": [], "engineering": [], "engineering/backend": [],
                                     "platform": ["alice", "bob"], "platform/backend": ["carol"],
                                     "sales": ["carol"]}
    assert pulling.run()["counts"] == FULL_COUNTS


def test_a_membership_change_in_a_sub_group(app, keycloak):
    people = seed(keycloak)
    pulling = pulling_from(app, keycloak)
    pulling.run()
    pulling.events()
    keycloak.add_member(people.backend["id"], people.bob)
    keycloak.remove_member(people.engineering["id"], people.bob)
    run = pulling.run()
    assert run["counts"] == {"unchanged": 3, "groups_updated": 2, "groups_unchanged": 1}
    assert settled(pulling.events()) == [
        ("update-group", "applied", "updated SCIM group: 0 member(s) added, 1 removed; "
                                    "maps to host group(s) 'engineering'"),
        ("host-membership", "applied", "bob removed from host group 'engineering' (no longer given by the IdP)"),
        ("update-group", "applied", "updated SCIM group: 1 member(s) added, 0 removed; "
                                    "maps to host group(s) 'engineering/backend'"),
        ("host-membership", "applied", "bob added to host group 'engineering/backend' "
                                       "(IdP group 'engineering/backend')"),
        closing(pulling, 2, "3 unchanged, 2 groups updated, 1 groups unchanged")]
    assert pulling.groups() == {"engineering": ["alice"], "engineering/backend": ["bob", "carol"], "sales": ["carol"]}


def test_a_crash_on_page_two_then_a_rerun_resumes_there_and_ends_exact(app, keycloak):
    """Page 2 of the users answers 500 past the retries; the rerun starts at first=2."""
    seed(keycloak)
    pulling = pulling_from(app, keycloak)

    def break_page_two(phase, done, _total):
        if (phase, done) == ("users", 2):
            keycloak.fail_api(500, times=None, body={"error": "unknown_error"}, path="/users")

    failed = pulling.run(progress=break_page_two)
    message = f"Keycloak failed with 500 at {keycloak.admin_base}/users: unknown_error"
    assert (failed["status"], failed["phase"], failed["counts"], failed["error"]) == (
        "failed", "users", {"created": 2}, message)
    assert pulling.events() == [("create-user", "applied", f"created host user '{name}'") for name in
                                ("alice", "bob")] + [closing(pulling, 1, "2 created", failed=message)]
    keycloak.clear_faults()
    keycloak.requests.clear()
    resumed = pulling.run()
    assert (resumed["status"], resumed["counts"]) == ("succeeded", {"created": 1, "groups_created": 3})
    assert [p for p in admin_paths(keycloak) if p.startswith("/users")] == ["/users?first=2"]  # not page 1 again
    assert settled(pulling.events()) == first_sync_events()[2:] + [
        closing(pulling, 2, "1 created, 3 groups created", mode="full; resuming run #1")]
    assert_first_state(pulling)
    assert pulling.run()["counts"] == FULL_COUNTS


def test_a_wrong_secret_fails_the_run_in_words_without_the_secret(app, keycloak):
    seed(keycloak)
    pulling = pulling_from(app, keycloak)
    keycloak.client.secret = "rotated-in-keycloak"
    run = pulling.run()
    assert run["status"] == "failed"
    assert run["error"].startswith("The token endpoint refused the client ID or secret (401 unauthorized_client")
    event = pulling.events()[-1]
    assert event == closing(pulling, 1, "", failed=run["error"])
    assert "rotated" not in event[2] and pulling.users() == {}


def test_a_missing_role_fails_the_run_and_the_rerun_after_granting_it_resumes(app, keycloak):
    seed(keycloak)
    pulling = pulling_from(app, keycloak)
    keycloak.client.roles.discard("query-groups")
    failed = pulling.run()
    assert (failed["status"], failed["phase"], failed["counts"]) == ("failed", "groups", {"created": 3})
    assert failed["error"] == f"The service account may not read {keycloak.admin_base}/groups (403)."
    keycloak.client.roles.add("query-groups")  # roles come with the token: the next run's token has it
    resumed = pulling.run()
    assert (resumed["status"], resumed["counts"]) == ("succeeded", {"groups_created": 3})
    assert_first_state(pulling)


def test_a_lost_view_users_role_deactivates_nobody(app, keycloak):
    """Without view-users Keycloak lists no users at all (query-users alone shows none): the run must fail
    before it decides that every user is gone."""
    seed(keycloak)
    pulling = pulling_from(app, keycloak)
    pulling.run()
    pulling.events()
    keycloak.client.roles.discard("view-users")
    run = pulling.run()
    assert run["status"] == "failed" and run["error"].startswith("The service account may not read ")
    assert not [e for e in pulling.events() if e[0] in ("deactivate-user", "delete-user", "update-group")]
    assert_first_state(pulling)


def test_a_throttled_page_is_retried_and_the_run_ends_exact(app, keycloak):
    seed(keycloak)
    pulling = pulling_from(app, keycloak)
    keycloak.throttle_once(path="/groups")
    run = pulling.run()
    assert (run["status"], run["counts"]) == ("succeeded", {"created": 3, "groups_created": 3})
    assert admin_paths(keycloak)[2:4] == ["/groups?first=0", "/groups?first=0"]  # the 429, then the page
    assert_first_state(pulling)
