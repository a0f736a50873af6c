"""The pull engine against a real, independent SCIM 2.0 server standing in for Oracle IDCS: first sync,
incremental sync, a deactivation and a deletion at the source, a group rename, a crash and a rerun, and a
second run that changes nothing; each ending with the exact host state and audit trail."""

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest

from . import closing, idp_order, settled

T0 = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
FIRST_HOST = {name: (name, True, True) for name in ("alice@example.com", "bob@example.com", "carol@example.com")}
FIRST_GROUPS = {"Engineering": ["alice@example.com", "bob@example.com"], "Sales": ["carol@example.com"]}
FIRST_HOST_GROUPS = {"confluence-users": [], **FIRST_GROUPS}


class Killed(BaseException):
    """The process dies here: nothing in the engine may catch it (as with kill -9)."""


def seed(idp):
    """alice, bob and carol, one an hour up to an hour before T0; Engineering (alice, bob) and Sales (carol)."""
    people = {}
    for hours, name in ((3, "alice"), (2, "bob"), (1, "carol")):
        idp.set_time(T0 - timedelta(hours=hours))
        people[name] = idp.add_user(f"{name}@example.com")
    people["engineering"] = idp.add_group("Engineering", [people["alice"], people["bob"]])
    people["sales"] = idp.add_group("Sales", [people["carol"]])
    idp.set_time(T0)
    return SimpleNamespace(**people)


def first_sync_events(puller):
    """The audit trail of the first pull of seed(): users in the IdP's order, then its groups."""
    idp = puller.idp
    events = [("create-user", "applied", f"created host user '{name}'") for name in idp_order(idp, "Users", "userName")]
    for group in idp_order(idp, "Groups", "displayName"):
        members = FIRST_GROUPS[group]
        events += [("create-group", "applied", f"created SCIM group with {len(members)} member(s); "
                                               f"maps to host group(s) '{group}'"),
                   ("host-group", "applied", f"created host group '{group}' on the fly")]
        events += [("host-membership", "applied", f"{m} added to host group '{group}' (IdP group '{group}')")
                   for m in members]
    return events


def assert_first_state(puller):
    assert puller.users() == FIRST_HOST
    assert puller.groups() == FIRST_GROUPS
    assert puller.host_groups() == FIRST_HOST_GROUPS


def users_calls(idp):
    return [call.query for call in idp.api_calls("/Users") if call.path.endswith("/Users")]


def test_first_sync(puller, idp_source):
    seed(idp_source)
    pulling = puller()
    run = pulling.run()
    assert (run["status"], run["phase"], run["full"], run["error"]) == ("succeeded", "done", True, None)
    assert run["counts"] == {"created": 3, "groups_created": 2}
    assert_first_state(pulling)
    assert settled(pulling.events()) == first_sync_events(pulling) + [
        closing(pulling, 1, "full", "3 created, 2 groups created")]
    # Three users in pages of two; no filter: there was nothing to be incremental from.
    assert users_calls(idp_source) == [{"startIndex": "1", "count": "2"}, {"startIndex": "3", "count": "2"}]


def test_a_second_run_changes_nothing_and_records_only_its_summary(puller, idp_source):
    seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.events()
    again = pulling.run(full=True)
    assert again["counts"] == {"unchanged": 3, "groups_unchanged": 2}
    assert pulling.events() == [closing(pulling, 2, "full", "3 unchanged, 2 groups unchanged")]
    assert_first_state(pulling)


def test_incremental_sync_reads_only_users_changed_since_the_last_run(puller, idp_source):
    people = seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.events()
    idp_source.set_time(T0 + timedelta(hours=1))
    idp_source.update_user(people.alice["id"], displayName="Alice Ames")
    idp_source.requests.clear()
    run = pulling.run()
    # The watermark is carol's lastModified (T0 - 1 h), less a minute's overlap: alice (changed) and carol
    # (at the watermark) are read again, bob (older) is not.
    assert users_calls(idp_source) == [{"filter": 'meta.lastModified gt "2026-01-05T07:59:00Z"', "startIndex": "1",
                                        "count": "2"}]
    assert run["counts"] == {"updated": 1, "unchanged": 1, "groups_unchanged": 2} and run["full"] is False
    assert pulling.events() == [
        ("update-user", "applied", "updated displayName of host user 'alice@example.com'"),
        closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z", "1 updated, 1 unchanged, "
                                                                                      "2 groups unchanged")]
    # The next run starts from alice's change.
    idp_source.requests.clear()
    assert pulling.run()["counts"] == {"unchanged": 1, "groups_unchanged": 2}
    assert users_calls(idp_source)[0]["filter"] == 'meta.lastModified gt "2026-01-05T09:59:00Z"'


def test_a_source_that_refuses_the_filter_is_read_whole(puller, idp_source):
    people = seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.events()
    idp_source.refuse_filters = True
    idp_source.update_user(people.bob["id"], displayName="Bob B")
    run = pulling.run()
    assert run["full"] is True and run["counts"] == {"updated": 1, "unchanged": 2, "groups_unchanged": 2}
    assert pulling.events() == [
        ("pull-sync", "ignored", "the source refused the incremental filter (400: Filtering is not supported.); "
                                 "reading every user instead"),
        ("update-user", "applied", "updated displayName of host user 'bob@example.com'"),
        closing(pulling, 2, "full: the source refused the incremental filter", "1 updated, 2 unchanged, "
                                                                               "2 groups unchanged")]


@pytest.mark.parametrize("disable_users", [True, False])
def test_a_deactivation_at_the_source(puller, idp_source, disable_users):
    people = seed(idp_source)
    pulling = puller(disable_users=disable_users)
    pulling.run()
    pulling.events()
    idp_source.deactivate(people.bob["id"])
    run = pulling.run()
    if disable_users:
        assert run["counts"] == {"deactivated": 1, "unchanged": 1, "groups_unchanged": 2}
        assert pulling.events() == [
            ("update-user", "applied", "deactivated host user 'bob@example.com'"),
            closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z",
                    "1 deactivated, 1 unchanged, 2 groups unchanged")]
    else:
        assert run["counts"] == {"unchanged": 2, "groups_unchanged": 2}  # read, written as it was
        assert pulling.events() == [
            ("update-user", "ignored", "deactivation ignored: disable_users is off"),
            closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z",
                    "2 unchanged, 2 groups unchanged")]
    assert pulling.users() == {**FIRST_HOST, "bob@example.com": ("bob@example.com", not disable_users, True)}
    assert pulling.host_groups() == FIRST_HOST_GROUPS  # a deactivated user keeps its host groups
    pulling.run(full=True)
    assert [event[0] for event in pulling.events()] == ["pull-sync"]  # said once, not on every run


@pytest.mark.parametrize("on_delete", ["deactivate", "delete"])
def test_a_deletion_at_the_source_applies_on_delete_on_the_next_full_run(puller, idp_source, on_delete):
    people = seed(idp_source)
    pulling = puller(on_delete=on_delete)
    pulling.run()
    pulling.events()
    idp_source.remove_member(people.sales["id"], people.carol["id"])  # as an IdP does when it deletes a user
    idp_source.delete_user(people.carol["id"])
    removed_from_sales = [
        ("update-group", "applied", "updated SCIM group: 0 member(s) added, 1 removed; maps to host group(s) 'Sales'"),
        ("host-membership", "applied", "carol@example.com removed from host group 'Sales' "
                                       "(no longer given by the IdP)")]
    incremental = pulling.run()  # a deletion leaves no trace to filter on: only the group changed
    assert pulling.events() == removed_from_sales + [
        closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z",
                "1 groups updated, 1 groups unchanged")]
    assert incremental["counts"] == {"groups_updated": 1, "groups_unchanged": 1}
    assert pulling.users() == FIRST_HOST
    idp_source.requests.clear()
    full = pulling.run(full=True)
    if on_delete == "delete":
        gone = ("delete-user", "applied", "deleted host user 'carol@example.com' (on_delete is delete)")
        assert pulling.users() == {name: row for name, row in FIRST_HOST.items() if name != "carol@example.com"}
    else:
        gone = ("deactivate-user", "applied", "deactivated host user 'carol@example.com' and unlinked it from SCIM "
                                              "(on_delete is deactivate); nothing was deleted")
        assert pulling.users() == {**FIRST_HOST, "carol@example.com": ("carol@example.com", False, False)}
    outcome = "deleted" if on_delete == "delete" else "unlinked"
    assert full["counts"] == {outcome: 1, "unchanged": 2, "groups_unchanged": 2}
    assert pulling.events() == [gone, closing(pulling, 3, "full", f"1 {outcome}, 2 unchanged, 2 groups unchanged")]
    # Missing from the listing, and confirmed gone by id before anything was done.
    assert [call.path for call in idp_source.api_calls("/Users/")] == [f"/admin/v1/Users/{people.carol['id']}"]
    assert pulling.groups() == {"Engineering": ["alice@example.com", "bob@example.com"], "Sales": []}
    assert pulling.run(full=True)["counts"] == {"unchanged": 2, "groups_unchanged": 2}


def test_a_user_being_deleted_in_idcs_counts_as_gone(puller, idp_source):
    """Oracle IDCS lists a user whose deletion is under way, with deleteInProgress true."""
    people = seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.events()
    carol = {**idp_source.get(f"/Users/{people.carol['id']}"), "deleteInProgress": True}
    idp_source.fail_api(200, body={"schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
                                   "totalResults": 1, "Resources": [carol]}, path="/Users")
    # Sales still names carol while IDCS deletes her: the member is skipped, and said so.
    assert pulling.run()["counts"] == {"unlinked": 1, "groups_unchanged": 2, "members_skipped": 1}
    assert pulling.events() == [
        ("deactivate-user", "applied", "deactivated host user 'carol@example.com' and unlinked it from SCIM "
                                       "(on_delete is deactivate); nothing was deleted"),
        ("update-group", "ignored", f"1 member(s) of 'Sales' skipped: not users or groups this app pulled "
                                    f"(source ids {people.carol['id']})"),
        closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z",
                "1 unlinked, 2 groups unchanged, 1 members skipped")]
    assert pulling.users()["carol@example.com"] == ("carol@example.com", False, False)


def test_a_group_rename_is_followed_as_a_scim_rename_is(puller, idp_source):
    people = seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.events()
    idp_source.rename_group(people.engineering["id"], "Engineering Team")
    run = pulling.run()
    assert run["counts"] == {"unchanged": 1, "groups_updated": 1, "groups_unchanged": 1}
    assert settled(pulling.events()) == [
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
        closing(pulling, 2, "incremental: users modified after 2026-01-05T07:59:00Z",
                "1 unchanged, 1 groups updated, 1 groups unchanged")]
    assert pulling.groups() == {"Engineering Team": ["alice@example.com", "bob@example.com"],
                                "Sales": ["carol@example.com"]}
    assert pulling.host_groups() == {"confluence-users": [], "Engineering": [],
                                     "Engineering Team": ["alice@example.com", "bob@example.com"],
                                     "Sales": ["carol@example.com"]}


def test_a_crash_on_page_two_then_a_rerun_resumes_there_and_ends_exact(puller, idp_source):
    """Page 2 of the users answers 500 until the retries run out; the rerun starts at page 2."""
    seed(idp_source)
    pulling = puller()
    first_page = idp_order(idp_source, "Users", "userName")[:2]

    def break_page_two(phase, done, _total):
        if (phase, done) == ("users", 2):
            idp_source.fail_api(500, times=None, path="/Users")

    failed = pulling.run(progress=break_page_two)
    message = f"The source failed with 500 at {idp_source.scim_base}/Users: Injected 500 by the test."
    assert (failed["status"], failed["phase"], failed["counts"], failed["error"]) == (
        "failed", "users", {"created": 2}, message)
    assert pulling.events() == [("create-user", "applied", f"created host user '{name}'") for name in first_page] + [
        closing(pulling, 1, "full", "2 created", failed=message)]
    assert sorted(pulling.users()) == sorted(first_page)
    idp_source.clear_faults()
    idp_source.requests.clear()
    resumed = pulling.run()
    assert (resumed["status"], resumed["full"], resumed["counts"]) == ("succeeded", True,
                                                                       {"created": 1, "groups_created": 2})
    assert users_calls(idp_source) == [{"startIndex": "3", "count": "2"}]  # not page 1 again
    assert settled(pulling.events()) == first_sync_events(pulling)[2:] + [
        closing(pulling, 2, "full; resuming run #1", "1 created, 2 groups created")]
    assert_first_state(pulling)
    assert pulling.run(full=True)["counts"] == {"unchanged": 3, "groups_unchanged": 2}  # nothing vanished


def test_a_killed_process_leaves_a_run_that_the_next_one_marks_interrupted_and_resumes(puller, idp_source):
    seed(idp_source)
    pulling = puller()

    def die_after_page_one(phase, done, _total):
        if (phase, done) == ("users", 2):
            raise Killed()

    with pytest.raises(Killed):
        pulling.run(progress=die_after_page_one)
    from models import SyncRun, db, utcnow
    from store.pull import runs

    with db.connection_context():
        assert runs.status(1)["status"] == "running"  # nobody said otherwise: the process is gone
        SyncRun.update(heartbeat=utcnow() - timedelta(minutes=2)).execute()
        owner = SyncRun.get_by_id(1).owner
    pulling.events()
    resumed = pulling.run()
    assert resumed["counts"] == {"created": 1, "groups_created": 2}
    events = settled(pulling.events())
    assert events[0] == ("pull-sync", "failed", f"pull run #1 interrupted: no heartbeat from {owner} for over 60 s; "
                                                "the next run resumes where it stopped")
    assert events[1:] == first_sync_events(pulling)[2:] + [
        closing(pulling, 2, "full; resuming run #1", "1 created, 2 groups created")]
    with db.connection_context():
        assert runs.status(1)["status"] == "interrupted"
    assert_first_state(pulling)


def test_a_source_that_changed_across_the_crash_is_not_trusted_for_deletions(puller, idp_source):
    """alice (page 1) is deleted while the run is down: carol moves onto page 1, which the rerun does not
    read again. Nothing is deactivated on that incomplete listing; the next full run ends exact."""
    people = seed(idp_source)
    pulling = puller()
    first_page = idp_order(idp_source, "Users", "userName")[:2]

    def crash(phase, done, _total):
        if (phase, done) == ("users", 2):
            idp_source.fail_api(500, times=None, path="/Users")

    pulling.run(progress=crash)
    idp_source.clear_faults()
    gone = next(p for p in (people.alice, people.bob, people.carol) if p["userName"] == first_page[0])
    for group in (people.engineering, people.sales):
        idp_source.remove_member(group["id"], gone["id"])
    idp_source.delete_user(gone["id"])
    pulling.events()
    resumed = pulling.run()
    assert resumed["status"] == "succeeded"
    events = pulling.events()
    assert ("pull-sync", "ignored", "users no longer at the source were not looked for: the source changed while "
                                    "its users were listed (totalResults moved, or a resource was skipped or "
                                    "repeated); the next full run looks again") in events
    assert not [e for e in events if e[0] in ("deactivate-user", "delete-user")]
    final = pulling.run(full=True)
    assert final["status"] == "succeeded"
    remaining = {name: row for name, row in FIRST_HOST.items() if name != gone["userName"]}
    assert pulling.users() == {**remaining, gone["userName"]: (gone["userName"], False, False)}
    assert pulling.groups() == {group: [m for m in members if m != gone["userName"]]
                                for group, members in FIRST_GROUPS.items()}
    assert pulling.run(full=True)["counts"] == {"unchanged": 2, "groups_unchanged": 2}


def test_a_stop_interrupts_at_the_next_user_and_the_rerun_resumes(puller, idp_source):
    import threading

    seed(idp_source)
    pulling = puller()
    stop = threading.Event()
    interrupted = pulling.run(stop=stop, progress=lambda phase, done, total: stop.set() if done == 2 else None)
    assert (interrupted["status"], interrupted["error"]) == (
        "interrupted", "The server stopped during the run; the next run resumes it.")
    assert pulling.events()[-1] == closing(pulling, 1, "full", "2 created",
                                           failed="The server stopped during the run; the next run resumes it.",
                                           ended="was interrupted")
    assert pulling.run()["counts"] == {"created": 1, "groups_created": 2}
    assert_first_state(pulling)


def test_a_wrong_client_secret_fails_the_run_in_words_without_the_secret(puller, idp_source):
    seed(idp_source)
    pulling = puller()
    idp_source.client_secret = "rotated-at-the-idp"
    run = pulling.run()
    assert run["status"] == "failed" and "invalid_client" in run["error"]
    event = pulling.events()[-1]
    assert event[:2] == ("pull-sync", "failed")
    assert "rotated-at-the-idp" not in event[2] and "rotated" not in run["error"]
    assert pulling.users() == {}


def test_after_an_options_change_the_update_path_runs_again_and_records_nothing_unchanged(puller, idp_source):
    """The same source users under new options go through provisioning.users.replace once more: nothing
    changed, so it writes nothing and records nothing (only the summary)."""
    seed(idp_source)
    pulling = puller()
    pulling.run()
    pulling.configure(traffic_log=True)
    run = pulling.run(full=True)
    assert run["counts"] == {"unchanged": 3, "groups_unchanged": 2}
    assert pulling.events() == [closing(pulling, 2, "full", "3 unchanged, 2 groups unchanged")]
    assert_first_state(pulling)
