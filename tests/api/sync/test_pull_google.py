"""The pull engine against a fake Google Workspace over real HTTP (tests/fakes/google.py): the first sync (a nested
group flattened), a rerun that reads everything and writes only what changed, a suspension and an archive, a
deletion, a group rename, membership changes (one through a nested group), a group deleted, a crash and its
resume, a rotated key and an admin without privileges; each ending with the exact host state and audit trail."""

from types import SimpleNamespace

import pytest

from tests.fakes.google import API, google_error

from . import Puller, assert_state, created_events, settled

NAMES = ("admin@example.com", "alice@example.com", "bob@example.com", "carol@example.com")
FIRST_HOST = {name: (name, True, True) for name in NAMES}
# Engineering holds alice and the group Backend (bob): Atlassian groups hold users, so bob is in Engineering.
FIRST_GROUPS = {"Backend": ["bob@example.com"], "Engineering": ["alice@example.com", "bob@example.com"],
                "Sales": ["carol@example.com"]}
FIRST_HOST_GROUPS = {"confluence-users": [], **FIRST_GROUPS}
UNCHANGED = {"unchanged": 4, "groups_unchanged": 3}


def seed(fake):
    """The fake's admin, alice, bob and carol; Backend (bob), Engineering (alice and Backend), Sales (carol)."""
    people = {name: fake.add_user(f"{name}@example.com") for name in ("alice", "bob", "carol")}
    people["backend"] = fake.add_group("backend@example.com", "Backend", [people["bob"]])
    people["engineering"] = fake.add_group("eng@example.com", "Engineering", [people["alice"], people["backend"]])
    people["sales"] = fake.add_group("sales@example.com", "Sales", [people["carol"]])
    return SimpleNamespace(**people)


@pytest.fixture
def pulling(app, fake_google, google_account):
    """make(**options) -> a Puller reading the fake Google Workspace as its admin."""
    return lambda **options: Puller(app, fake_google, source=fake_google.source(google_account), **options)


def closing(puller, run_id, counts, failed=None, mode="full"):
    """The audit event that ends run run_id: every Google run is full (the API has no change filter)."""
    head = f"pull sync #{run_id} from {described(puller)} ({mode})"
    if failed is not None:
        done = f" Done before it stopped: {counts}." if counts else ""
        return ("pull-sync", "failed", f"{head} failed: {failed}{done}")
    return ("pull-sync", "applied", f"{head}: {counts}")


def described(puller):
    return ("Google Workspace customer my_customer (service account "
            "usersync-reader@usersync-test.iam.gserviceaccount.com, acting as admin@example.com)")


def first_sync_events():
    return created_events(NAMES, FIRST_GROUPS)  # groups.list's order


def assert_first_state(puller):
    assert_state(puller, FIRST_HOST, FIRST_GROUPS, FIRST_HOST_GROUPS)


def api_reads(fake, people):
    """The Directory API requests as 'path' or 'path?pageToken', ids replaced by names."""
    names = {getattr(people, key)["id"]: key for key in vars(people)}
    shown = []
    for call in fake.api_calls():
        path = "/".join(names.get(part, part) for part in call.path[len(API):].split("/"))
        shown.append(path + ("?pageToken" if "pageToken" in call.query else ""))
    return shown


def token_posts(fake):
    return [call for call in fake.requests if call.method == "POST"]


def test_first_sync_flattens_the_nested_group(pulling, fake_google):
    seed(fake_google)
    puller = pulling()
    run = puller.run()
    assert (run["status"], run["full"], run["error"]) == ("succeeded", True, None)
    assert run["counts"] == {"created": 4, "groups_created": 3}
    assert_first_state(puller)
    assert settled(puller.events()) == first_sync_events() + [closing(puller, 1, "4 created, 3 groups created")]


def test_a_rerun_with_nothing_changed_reads_everything_and_writes_nothing(pulling, fake_google):
    people = seed(fake_google)
    puller = pulling()
    puller.run()
    puller.events()
    fake_google.requests.clear()
    again = puller.run()
    assert (again["full"], again["counts"]) == (True, UNCHANGED)
    assert puller.events() == [closing(puller, 2, "4 unchanged, 3 groups unchanged")]
    assert_first_state(puller)
    # One token; users and groups in two pages each; each group's members once (Backend's serve Engineering
    # too); nothing looked up by id, since nothing went missing.
    assert len(token_posts(fake_google)) == 1
    assert api_reads(fake_google, people) == [
        "/users", "/users?pageToken", "/groups", "/groups/backend/members", "/groups/engineering/members",
        "/groups?pageToken", "/groups/sales/members"]


def test_a_change_at_the_source_is_the_only_write_of_the_next_run(pulling, fake_google):
    people = seed(fake_google)
    puller = pulling()
    puller.run()
    puller.events()
    fake_google.rename_user(people.alice["id"], family="Ames")
    run = puller.run()
    assert run["counts"] == {"updated": 1, "unchanged": 3, "groups_unchanged": 3}
    assert puller.events() == [
        ("update-user", "applied", "updated displayName, name of host user 'alice@example.com'"),
        closing(puller, 2, "1 updated, 3 unchanged, 3 groups unchanged")]


@pytest.mark.parametrize("how", ["suspend", "archive"])
@pytest.mark.parametrize("disable_users", [True, False])
def test_a_suspended_or_archived_user_is_inactive(pulling, fake_google, how, disable_users):
    people = seed(fake_google)
    puller = pulling(disable_users=disable_users)
    puller.run()
    puller.events()
    getattr(fake_google, how)(people.bob["id"])
    run = puller.run()
    if disable_users:
        assert run["counts"] == {"deactivated": 1, "unchanged": 3, "groups_unchanged": 3}
        assert puller.events() == [("update-user", "applied", "deactivated host user 'bob@example.com'"),
                                   closing(puller, 2, "1 deactivated, 3 unchanged, 3 groups unchanged")]
    else:
        assert run["counts"] == {"unchanged": 4, "groups_unchanged": 3}
        assert puller.events() == [("update-user", "ignored", "deactivation ignored: disable_users is off"),
                                   closing(puller, 2, "4 unchanged, 3 groups unchanged")]
    assert puller.users() == {**FIRST_HOST, "bob@example.com": ("bob@example.com", not disable_users, True)}
    assert puller.host_groups() == FIRST_HOST_GROUPS  # an inactive user keeps its host groups


@pytest.mark.parametrize("on_delete", ["deactivate", "delete"])
def test_a_deleted_user_is_confirmed_gone_then_on_delete_applies(pulling, fake_google, on_delete):
    people = seed(fake_google)
    puller = pulling(on_delete=on_delete)
    puller.run()
    puller.events()
    fake_google.delete_user(people.carol["id"])  # Google drops her memberships with her
    fake_google.requests.clear()
    run = puller.run()
    outcome = "deleted" if on_delete == "delete" else "unlinked"
    assert run["counts"] == {outcome: 1, "unchanged": 3, "groups_updated": 1, "groups_unchanged": 2}
    if on_delete == "delete":
        gone = ("delete-user", "applied", "deleted host user 'carol@example.com' (on_delete is delete)")
        assert puller.users() == {name: row for name, row in FIRST_HOST.items() if name != "carol@example.com"}
    else:
        gone = ("deactivate-user", "applied", "deactivated host user 'carol@example.com' and unlinked it from SCIM "
                                              "(on_delete is deactivate); nothing was deleted")
        assert puller.users() == {**FIRST_HOST, "carol@example.com": ("carol@example.com", False, False)}
    assert settled(puller.events()) == [
        ("update-group", "applied", "updated SCIM group: 0 member(s) added, 1 removed; maps to host group(s) 'Sales'"),
        ("host-membership", "applied", "carol@example.com removed from host group 'Sales' (no longer given by "
                                       "the IdP)"),
        gone, closing(puller, 2, f"1 {outcome}, 3 unchanged, 1 groups updated, 2 groups unchanged")]
    # Missing from the listing, and looked up by id (404) before anything was done.
    assert api_reads(fake_google, people)[-1] == "/users/carol"
    assert puller.groups() == {**FIRST_GROUPS, "Sales": []}
    assert puller.run()["counts"] == {"unchanged": 3, "groups_unchanged": 3}


def test_a_renamed_group_is_renamed_not_doubled(pulling, fake_google):
    people = seed(fake_google)
    puller = pulling()
    puller.run()
    puller.events()
    fake_google.rename_group(people.engineering["id"], "Engineering Team")  # its email, the key, stays
    run = puller.run()
    assert run["counts"] == {"unchanged": 4, "groups_updated": 1, "groups_unchanged": 2}
    assert puller.groups() == {"Backend": ["bob@example.com"],
                               "Engineering Team": ["alice@example.com", "bob@example.com"],
                               "Sales": ["carol@example.com"]}
    assert puller.host_groups() == {**FIRST_HOST_GROUPS, "Engineering": [],
                                    "Engineering Team": ["alice@example.com", "bob@example.com"]}
    assert puller.run()["counts"] == UNCHANGED


def test_a_member_added_to_a_nested_group_joins_both(pulling, fake_google):
    people = seed(fake_google)
    puller = pulling()
    puller.run()
    puller.events()
    fake_google.add_member(people.backend["id"], people.carol)
    fake_google.remove_member(people.engineering["id"], people.alice["id"])
    run = puller.run()
    assert run["counts"] == {"unchanged": 4, "groups_updated": 2, "groups_unchanged": 1}
    assert settled(puller.events()) == [
        ("update-group", "applied", "updated SCIM group: 1 member(s) added, 0 removed; "
                                    "maps to host group(s) 'Backend'"),
        ("host-membership", "applied", "carol@example.com added to host group 'Backend' (IdP group 'Backend')"),
        ("update-group", "applied", "updated SCIM group: 1 member(s) added, 1 removed; "
                                    "maps to host group(s) 'Engineering'"),
        ("host-membership", "applied", "alice@example.com removed from host group 'Engineering' "
                                       "(no longer given by the IdP)"),
        ("host-membership", "applied", "carol@example.com added to host group 'Engineering' "
                                       "(IdP group 'Engineering')"),
        closing(puller, 2, "4 unchanged, 2 groups updated, 1 groups unchanged")]
    assert puller.groups() == {"Backend": ["bob@example.com", "carol@example.com"],
                               "Engineering": ["bob@example.com", "carol@example.com"], "Sales": ["carol@example.com"]}


def test_a_deleted_group_goes_after_a_whole_listing(pulling, fake_google):
    people = seed(fake_google)
    puller = pulling()
    puller.run()
    puller.events()
    fake_google.delete_group(people.sales["id"])
    fake_google.requests.clear()
    run = puller.run()
    assert run["counts"] == {"unchanged": 4, "groups_deleted": 1, "groups_unchanged": 2}
    assert puller.groups() == {name: members for name, members in FIRST_GROUPS.items() if name != "Sales"}
    assert api_reads(fake_google, people)[-1] == "/groups/sales"  # groups.get: 404


def test_a_crash_on_page_two_then_a_rerun_resumes_there_and_ends_exact(pulling, fake_google):
    """Page 2 of the users answers 500 until the retries run out; the rerun starts at page 2."""
    people = seed(fake_google)
    puller = pulling()

    def break_page_two(phase, done, _total):
        if (phase, done) == ("users", 2):
            fake_google.fail(500, path=API + "/users", times=None,
                             body=google_error(500, "Internal error encountered.", "backendError", "INTERNAL"))

    failed = puller.run(progress=break_page_two)
    message = f"The Directory API failed with 500 at {fake_google.url}{API}/users: Internal error encountered."
    assert (failed["status"], failed["phase"], failed["counts"], failed["error"]) == (
        "failed", "users", {"created": 2}, message)
    assert puller.events() == [("create-user", "applied", f"created host user '{name}'") for name in NAMES[:2]] + [
        closing(puller, 1, "2 created", failed=message)]
    fake_google.clear_faults()
    fake_google.requests.clear()
    resumed = puller.run()
    assert (resumed["status"], resumed["full"], resumed["counts"]) == ("succeeded", True,
                                                                       {"created": 2, "groups_created": 3})
    assert api_reads(fake_google, people)[0] == "/users?pageToken"  # not page 1 again
    assert settled(puller.events()) == first_sync_events()[2:] + [
        closing(puller, 2, "2 created, 3 groups created", mode="full; resuming run #1")]
    assert_first_state(puller)
    assert puller.run()["counts"] == UNCHANGED  # nothing vanished


def test_throttled_requests_are_retried_within_the_run(pulling, fake_google):
    seed(fake_google)
    puller = pulling()
    fake_google.throttle(API + "/groups")
    assert puller.run()["counts"] == {"created": 4, "groups_created": 3}
    listings = [call.query for call in fake_google.api_calls("/groups") if call.path.endswith("/groups")]
    assert ["pageToken" in query for query in listings] == [False, False, True]  # page 1 asked again after 429
    assert_first_state(puller)


def test_a_rotated_key_fails_the_run_in_words_without_the_key(pulling, fake_google, google_account):
    from tests.fakes.google import ServiceAccount

    seed(fake_google)
    puller = pulling()
    fake_google.keys[google_account.client_email] = {"new-key": ServiceAccount(n=1).public_key}
    run = puller.run()
    assert run["status"] == "failed"
    assert run["error"] == (f"Google refused the signature of key {google_account.key_id} of "
                            f"{google_account.client_email}: the key was deleted or rotated (400 invalid_grant: "
                            "Invalid JWT Signature.).")
    assert puller.events() == [closing(puller, 1, "", failed=run["error"])]
    assert "PRIVATE KEY" not in run["error"] and puller.users() == {}


def test_an_admin_without_privileges_fails_the_run(pulling, fake_google):
    seed(fake_google)
    puller = pulling()
    fake_google.admins.clear()
    run = puller.run()
    assert run["status"] == "failed"
    assert run["error"] == (f"admin@example.com may not read {fake_google.url}{API}/users (403: Not Authorized to "
                            "access this resource/api)")
    assert puller.users() == {}
