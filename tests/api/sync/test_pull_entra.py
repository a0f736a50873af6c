"""The pull engine against a fake Microsoft Graph over real HTTP (tests/fakes/graph.py): the first sync, a rerun
with nothing changed (three requests), incremental changes by delta link, a deactivation, a deletion, a group
rename, a membership change, a crash and its resume, an expired delta link, users of chosen groups, a wrong
secret and a missing permission; each ending with the exact host state and audit trail."""

from types import SimpleNamespace

import pytest

from tests.fakes import graph as fake_graph

from . import Puller, assert_state, created_events, settled

graph_api = fake_graph.graph_api  # the fixture

UPN = "{}@contoso.onmicrosoft.com"
ALICE, BOB, CAROL = (UPN.format(name) for name in ("alice", "bob", "carol"))
FIRST_HOST = {name: (name, True, True) for name in (ALICE, BOB, CAROL)}
FIRST_GROUPS = {"Engineering": [ALICE, BOB], "Sales": [CAROL]}
FIRST_HOST_GROUPS = {"confluence-users": [], **FIRST_GROUPS}
CHANGES = "incremental: changes since the last run"


def seed(fake):
    """alice, bob and carol; Engineering (alice, bob) and Sales (carol)."""
    people = {name: fake.add_user(name) for name in ("alice", "bob", "carol")}
    people["engineering"] = fake.add_group("Engineering", [people["alice"], people["bob"]])
    people["sales"] = fake.add_group("Sales", [people["carol"]])
    return SimpleNamespace(**people)


def pulling_from(app, fake, source=None, **options):
    source = source or fake.entra_source()
    puller = Puller(app, fake, source=source, **options)
    puller.described = source.describe()
    return puller


def closing(puller, run_id, mode, counts, failed=None):
    """The audit event that ends run run_id."""
    head = f"pull sync #{run_id} from {puller.described} ({mode})"
    if failed is not None:
        done = f" Done before it stopped: {counts}." if counts else ""
        return ("pull-sync", "failed", f"{head} failed: {failed}{done}")
    return ("pull-sync", "applied", f"{head}: {counts}")


def first_sync_events():
    return created_events((ALICE, BOB, CAROL), FIRST_GROUPS)


def assert_first_state(puller):
    assert_state(puller, FIRST_HOST, FIRST_GROUPS, FIRST_HOST_GROUPS)


def calls(fake, people):
    """The requests as 'path?first query option', ids shown as names, the token request as 'token'."""
    names = {getattr(people, name)["id"]: name for name in vars(people)}
    shown = []
    for call in fake.requests:
        if call.path.endswith("/token"):
            shown.append("token")
            continue
        path = "/".join(names.get(part, part) for part in call.path.removeprefix("/v1.0").split("/"))
        shown.append(path + (f"?{next(iter(call.query))}" if call.query else ""))
    return shown


def test_first_sync(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    run = pulling.run()
    assert (run["status"], run["full"], run["error"]) == ("succeeded", True, None)
    assert run["counts"] == {"created": 3, "groups_created": 2}
    assert_first_state(pulling)
    assert settled(pulling.events()) == first_sync_events() + [
        closing(pulling, 1, "full", "3 created, 2 groups created")]
    # Three users two a page; two groups on one page, each group's members read from the group.
    assert calls(graph_api, people) == ["token", "/users/delta?$select", "/users/delta?$skiptoken",
                                        "/groups/delta?$select", "/groups/engineering/members?$select",
                                        "/groups/sales/members?$select"]


def test_a_rerun_with_nothing_changed_reads_one_page_of_each_delta_and_writes_nothing(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.requests.clear()
    run = pulling.run()
    assert (run["status"], run["full"], run["counts"]) == ("succeeded", False, {})
    assert pulling.events() == [closing(pulling, 2, CHANGES, "nothing to pull")]
    assert calls(graph_api, people) == ["token", "/users/delta?$deltatoken", "/groups/delta?$deltatoken"]
    assert_first_state(pulling)


def test_a_full_run_reads_everything_again_and_writes_nothing(app, graph_api):
    seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    run = pulling.run(full=True)
    assert run["counts"] == {"unchanged": 3, "groups_unchanged": 2}
    assert pulling.events() == [closing(pulling, 2, "full", "3 unchanged, 2 groups unchanged")]


def test_an_incremental_run_applies_what_changed_since_the_delta_link(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.update_user(people.alice["id"], displayName="Alice Ames")
    dave = graph_api.add_user("dave")
    graph_api.requests.clear()
    run = pulling.run()
    assert run["counts"] == {"created": 1, "updated": 1}
    assert pulling.events() == [
        ("update-user", "applied", f"updated displayName of host user '{ALICE}'"),
        ("create-user", "applied", f"created host user '{dave['userPrincipalName']}'"),
        closing(pulling, 2, CHANGES, "1 created, 1 updated")]
    # alice came with the property that changed only, so she was read whole; dave came whole.
    assert calls(graph_api, people) == ["token", "/users/delta?$deltatoken", "/users/alice?$select",
                                        "/groups/delta?$deltatoken"]
    assert pulling.run()["counts"] == {}  # the next run starts from the new delta link


def test_a_user_disabled_in_entra_is_deactivated(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api, disable_users=True)
    pulling.run()
    pulling.events()
    graph_api.disable(people.bob["id"])
    run = pulling.run()
    assert run["counts"] == {"deactivated": 1}
    assert pulling.events() == [("update-user", "applied", f"deactivated host user '{BOB}'"),
                                closing(pulling, 2, CHANGES, "1 deactivated")]
    assert pulling.users() == {**FIRST_HOST, BOB: (BOB, False, True)}
    assert pulling.host_groups() == FIRST_HOST_GROUPS  # a deactivated user keeps its host groups


@pytest.mark.parametrize("on_delete, permanently", [("deactivate", False), ("delete", True)])
def test_a_user_deleted_in_entra_goes_at_the_next_run_without_waiting_for_a_full_one(app, graph_api, on_delete,
                                                                                     permanently):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api, on_delete=on_delete)
    pulling.run()
    pulling.events()
    graph_api.delete_user(people.carol["id"], permanently=permanently)  # she leaves Sales too
    run = pulling.run()
    if on_delete == "delete":
        gone = ("delete-user", "applied", f"deleted host user '{CAROL}' (on_delete is delete)")
        assert pulling.users() == {name: row for name, row in FIRST_HOST.items() if name != CAROL}
    else:
        gone = ("deactivate-user", "applied", f"deactivated host user '{CAROL}' and unlinked it from SCIM "
                                              "(on_delete is deactivate); nothing was deleted")
        assert pulling.users() == {**FIRST_HOST, CAROL: (CAROL, False, False)}
    outcome = "deleted" if on_delete == "delete" else "unlinked"
    assert run["counts"] == {outcome: 1, "groups_unchanged": 1}  # Sales lost carol with her link
    assert pulling.events() == [gone, closing(pulling, 2, CHANGES, f"1 {outcome}, 1 groups unchanged")]
    assert pulling.groups() == {"Engineering": [ALICE, BOB], "Sales": []}
    assert pulling.run(full=True)["counts"] == {"unchanged": 2, "groups_unchanged": 2}


def test_a_group_deleted_in_entra_goes_at_the_next_run(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.delete_group(people.sales["id"])
    run = pulling.run()
    assert run["counts"] == {"groups_deleted": 1}
    events = settled(pulling.events())
    assert events[0][:2] == ("delete-group", "applied") and events[-1] == closing(pulling, 2, CHANGES,
                                                                                   "1 groups deleted")
    assert pulling.groups() == {"Engineering": [ALICE, BOB]}


def test_a_group_rename_leaves_no_group_of_the_old_name(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.rename_group(people.engineering["id"], "Engineering Team")
    run = pulling.run()
    assert run["counts"] == {"groups_updated": 1}
    assert settled(pulling.events()) == [
        ("update-group", "applied", "updated SCIM group: 0 member(s) added, 0 removed; "
                                    "maps to host group(s) 'Engineering Team'"),
        ("host-group", "applied", "created host group 'Engineering Team' on the fly"),
        ("host-membership", "applied", f"{ALICE} added to host group 'Engineering Team' "
                                       "(IdP group 'Engineering Team')"),
        ("host-membership", "applied", f"{ALICE} removed from host group 'Engineering' (no longer given by the IdP)"),
        ("host-membership", "applied", f"{BOB} added to host group 'Engineering Team' "
                                       "(IdP group 'Engineering Team')"),
        ("host-membership", "applied", f"{BOB} removed from host group 'Engineering' (no longer given by the IdP)"),
        closing(pulling, 2, CHANGES, "1 groups updated")]
    assert pulling.groups() == {"Engineering Team": [ALICE, BOB], "Sales": [CAROL]}


def test_a_membership_change_is_applied_from_the_groups_current_members(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.add_members(people.engineering["id"], [people.carol])
    graph_api.remove_member(people.engineering["id"], people.bob)
    run = pulling.run()
    assert run["counts"] == {"groups_updated": 1}
    assert settled(pulling.events()) == [
        ("update-group", "applied", "updated SCIM group: 1 member(s) added, 1 removed; "
                                    "maps to host group(s) 'Engineering'"),
        ("host-membership", "applied", f"{BOB} removed from host group 'Engineering' (no longer given by the IdP)"),
        ("host-membership", "applied", f"{CAROL} added to host group 'Engineering' (IdP group 'Engineering')"),
        closing(pulling, 2, CHANGES, "1 groups updated")]
    assert pulling.groups() == {"Engineering": [ALICE, CAROL], "Sales": [CAROL]}


def test_a_crash_on_page_two_then_a_rerun_resumes_there_and_ends_exact(app, graph_api):
    """Page 2 of the users delta answers 500 past the retries; the rerun follows the same next link."""
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)

    def break_page_two(phase, done, _total):
        if (phase, done) == ("users", 2):
            graph_api.fail_api(500, times=None, path="/users/delta")

    failed = pulling.run(progress=break_page_two)
    message = (f"Microsoft Graph answered 500 at {graph_api.url}/v1.0/users/delta?$skiptoken="
               f"{graph_api.api_calls('/users/delta')[-1].query['$skiptoken']}: InternalServerError: Injected 500 by "
               "the test.")
    assert (failed["status"], failed["phase"], failed["counts"], failed["error"]) == (
        "failed", "users", {"created": 2}, message)
    assert pulling.events() == first_sync_events()[:2] + [closing(pulling, 1, "full", "2 created", failed=message)]
    graph_api.clear_faults()
    graph_api.requests.clear()
    resumed = pulling.run()
    assert (resumed["status"], resumed["full"], resumed["counts"]) == ("succeeded", True,
                                                                       {"created": 1, "groups_created": 2})
    assert calls(graph_api, people)[:2] == ["token", "/users/delta?$skiptoken"]  # not page 1 again
    assert settled(pulling.events()) == first_sync_events()[2:] + [
        closing(pulling, 2, "full; resuming run #1", "1 created, 2 groups created")]
    assert_first_state(pulling)
    assert pulling.run()["counts"] == {}  # the resumed run ended with a delta link


def test_a_run_stopped_before_the_source_changed_is_not_resumed(app, graph_api):
    """The source's settings change while a run is stopped: its saved next link belongs to the old settings (another
    tenant, another Graph host, other groups), so the next run starts afresh and reads everything."""
    seed(graph_api)
    pulling = pulling_from(app, graph_api)
    assert pulling.run()["status"] == "succeeded"
    graph_api.fail_api(500, times=None, path="/users/delta")
    assert pulling.run()["status"] == "failed"
    graph_api.clear_faults()
    chosen = graph_api.entra_source(from_groups="Engineering,Sales")
    pulling.configure_source(chosen)
    pulling.described = chosen.describe()
    graph_api.requests.clear()
    run = pulling.run()
    assert (run["status"], run["counts"]) == ("succeeded", {"unchanged": 3, "groups_unchanged": 2})
    assert pulling.events()[-1] == closing(pulling, 3, "full", "3 unchanged, 2 groups unchanged")
    assert not graph_api.api_calls("/users/delta")  # the stopped run's next link is not followed


def test_a_delta_link_graph_no_longer_keeps_means_a_full_read(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api)
    pulling.run()
    pulling.events()
    graph_api.forget_delta_tokens()
    graph_api.update_user(people.bob["id"], surname="Builder")
    run = pulling.run()
    assert (run["status"], run["full"], run["counts"]) == ("succeeded", True,
                                                           {"updated": 1, "unchanged": 2, "groups_unchanged": 2})
    said = "syncStateNotFound: The sync state generation is not found."
    assert pulling.events() == [
        ("pull-sync", "ignored", f"the source refused the incremental filter (410: {said}); reading every user "
                                 "instead"),
        ("update-user", "applied", f"updated name of host user '{BOB}'"),
        closing(pulling, 2, "full: the source refused the incremental filter", "1 updated, 2 unchanged, "
                                                                              "2 groups unchanged")]
    assert pulling.run()["counts"] == {}


def test_a_429_is_waited_out_and_the_run_succeeds(app, graph_api):
    seed(graph_api)
    graph_api.throttle_once("/groups/delta")
    pulling = pulling_from(app, graph_api)
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert [call.path for call in graph_api.api_calls("/groups/delta")] == ["/v1.0/groups/delta"] * 2


def test_users_of_chosen_groups_only_every_run_in_full(app, graph_api):
    people = seed(graph_api)
    pulling = pulling_from(app, graph_api, source=graph_api.entra_source(from_groups="Engineering"))
    first = pulling.run()
    assert first["counts"] == {"created": 2, "groups_created": 1}
    assert pulling.groups() == {"Engineering": [ALICE, BOB]}
    pulling.events()
    graph_api.remove_member(people.engineering["id"], people.bob)  # bob leaves the chosen group
    second = pulling.run()
    assert (second["full"], second["counts"]) == (True, {"unlinked": 1, "unchanged": 1, "groups_updated": 1})
    events = settled(pulling.events())
    assert ("deactivate-user", "applied", f"deactivated host user '{BOB}' and unlinked it from SCIM (on_delete is "
                                          "deactivate); nothing was deleted") in events
    assert events[-1] == closing(pulling, 2, "full", "1 unlinked, 1 unchanged, 1 groups updated")
    assert pulling.users() == {ALICE: (ALICE, True, True), BOB: (BOB, False, False)}
    assert pulling.groups() == {"Engineering": [ALICE]}


def test_a_wrong_client_secret_fails_the_run_in_words_without_the_secret(app, graph_api):
    seed(graph_api)
    pulling = pulling_from(app, graph_api, source=graph_api.entra_source(client_secret="rotated~at~entra"))
    run = pulling.run()
    assert run["status"] == "failed"
    assert run["error"].startswith("Microsoft Entra ID refused the client secret (AADSTS7000215: Invalid client "
                                   "secret provided.")
    event = pulling.events()[-1]
    assert event[:2] == ("pull-sync", "failed") and "rotated" not in event[2] and "rotated" not in run["error"]
    assert pulling.users() == {}


def test_a_missing_permission_fails_the_run_and_writes_nothing(app, graph_api):
    seed(graph_api)
    graph_api.permitted = False
    pulling = pulling_from(app, graph_api)
    run = pulling.run()
    assert run["status"] == "failed"
    assert run["error"] == (f"Microsoft Graph does not let the app read {graph_api.url}/v1.0/users/delta?$select="
                            "id,userPrincipalName,mail,givenName,surname,displayName,accountEnabled,"
                            "onPremisesSamAccountName (403 Authorization_RequestDenied: Insufficient privileges to "
                            "complete the operation.).")
    assert pulling.events() == [closing(pulling, 1, "full", "", failed=run["error"])]
    assert pulling.users() == {}
