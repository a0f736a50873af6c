"""A pull applies the app's provisioning options exactly as a SCIM push does: username rule, user import,
group filters, default groups; and members the options kept out are skipped, with a note."""

from models import IdpApp, SyncLink, db
from provisioning import users as provisioning_users
from scim import validation
from scim.attributes import USER_RESOURCE

from . import closing, idp_order, settled


def test_the_username_rule_names_the_host_accounts(puller, idp_source):
    idp_source.add_user("alice@example.com")
    idp_source.add_user("bob@example.com")
    pulling = puller(username_regex="(.*)@.*", username_replacement="$1")
    pulling.run()
    assert pulling.users() == {"alice": ("alice@example.com", True, True), "bob": ("bob@example.com", True, True)}
    assert pulling.events() == [
        ("create-user", "applied", f"created host user '{name.split('@')[0]}'; regex rewrote {name} → "
                                   f"{name.split('@')[0]}") for name in idp_order(idp_source, "Users", "userName")
    ] + [closing(pulling, 1, "full", "2 created")]


def test_a_username_collision_is_refused_once_and_its_member_skipped(puller, idp_source):
    first = idp_source.add_user("alice@a.example")
    second = idp_source.add_user("alice@b.example")
    idp_source.add_group("Team", [first, second])
    pulling = puller(username_regex="(.*)@.*", username_replacement="$1")
    order = idp_order(idp_source, "Users", "userName")
    kept, refused = order
    refused_id = (first if refused == first["userName"] else second)["id"]
    run = pulling.run()
    assert run["counts"] == {"created": 1, "refused": 1, "groups_created": 1, "members_skipped": 1}
    assert settled(pulling.events()) == [
        ("create-user", "applied", f"created host user 'alice'; regex rewrote {kept} → alice"),
        ("create-user", "refused", f"userName '{refused}' maps to the host username 'alice', which another user has."),
        ("create-group", "applied", "created SCIM group with 1 member(s); maps to host group(s) 'Team'"),
        ("host-group", "applied", "created host group 'Team' on the fly"),
        ("host-membership", "applied", "alice added to host group 'Team' (IdP group 'Team')"),
        ("create-group", "ignored", f"1 member(s) of 'Team' skipped: not users or groups this app pulled "
                                    f"(source ids {refused_id})"),
        closing(pulling, 1, "full", "1 created, 1 refused, 1 groups created, 1 members skipped")]
    assert pulling.groups() == {"Team": ["alice"]}
    # Tried again, refused again, but not recorded again: the user and the options are as they were.
    assert pulling.run(full=True)["counts"] == {"unchanged": 1, "refused": 1, "groups_unchanged": 1}
    assert pulling.events() == [closing(pulling, 2, "full", "1 refused, 1 unchanged, 1 groups unchanged")]


def test_import_off_creates_no_one_and_says_so_once_per_user(puller, idp_source):
    users = idp_source.add_users(2)
    idp_source.add_group("Engineering", users)
    pulling = puller(import_users=False)
    run = pulling.run()
    assert run["counts"] == {"refused": 2, "groups_created": 1, "members_skipped": 2}
    refusal = "User import is disabled for this app (import_users is off); nothing was created."
    events = pulling.events()
    assert events[:2] == [("create-user", "refused", refusal)] * 2
    assert events[2] == ("create-group", "applied", "created SCIM group with 0 member(s); "
                                                    "maps to host group(s) 'Engineering'")
    assert events[3][:2] == ("create-group", "ignored") and events[3][2].startswith("2 member(s) of 'Engineering'")
    assert events[4:] == [closing(pulling, 1, "full", "2 refused, 1 groups created, 2 members skipped")]
    assert pulling.users() == {} and pulling.groups() == {"Engineering": []}
    assert pulling.run(full=True)["counts"] == {"refused": 2, "groups_unchanged": 1}
    assert pulling.events() == [closing(pulling, 2, "full", "2 refused, 1 groups unchanged")]
    # Import on: the next full run creates them, and the group gets its members.
    pulling.configure(import_users=True)
    assert pulling.run(full=True)["counts"] == {"created": 2, "groups_updated": 1}
    assert pulling.groups() == {"Engineering": ["user01@example.com", "user02@example.com"]}


def test_the_group_filter_keeps_filtered_groups_off_the_host(puller, idp_source):
    alice = idp_source.add_user("alice@example.com")
    idp_source.add_group("jira-developers", [alice])
    idp_source.add_group("sales", [alice])
    pulling = puller(group_include="^jira-")
    pulling.run()
    assert pulling.host_groups() == {"confluence-users": [], "jira-developers": ["alice@example.com"]}
    assert pulling.groups() == {"jira-developers": ["alice@example.com"], "sales": ["alice@example.com"]}
    assert ("create-group", "ignored", "host groups unchanged for 'sales': group filtered out: it does not match "
                                       "group_include '^jira-'") in pulling.events()


def test_default_groups_are_given_to_the_users_a_pull_creates(puller, idp_source):
    idp_source.add_users(2)
    pulling = puller(default_groups=["confluence-users"])
    pulling.run()
    assert pulling.host_groups() == {"confluence-users": ["user01@example.com", "user02@example.com"]}
    assert settled(pulling.events()) == [
        event for name in idp_order(idp_source, "Users", "userName")
        for event in (("create-user", "applied", f"created host user '{name}'"),
                      ("host-membership", "applied", f"{name} added to host group 'confluence-users' "
                                                     "(default group of the app)"))
    ] + [closing(pulling, 1, "full", "2 created")]


def test_a_user_pushed_before_is_adopted_by_user_name_not_duplicated(puller, idp_source):
    """An app moving from SCIM push to pulling finds its users there already: it links them, as an IdP does
    after a 409."""
    idp_source.add_user("alice@example.com")
    pulling = puller()
    with db.connection_context():
        pushed = provisioning_users.create(IdpApp.get_by_id(pulling.app_id),
                                           validation.inbound(USER_RESOURCE, {"userName": "alice@example.com"}))
    pulling.events()
    pulling.run()
    events = pulling.events()
    assert events[0] == ("link-user", "applied", "linked the source's user 'alice@example.com' to host user "
                                                 "'alice@example.com', which already existed")
    assert events[1] == ("update-user", "applied", "updated emails, name of host user 'alice@example.com'")
    assert list(pulling.users()) == ["alice@example.com"]
    with db.connection_context():
        assert SyncLink.get(SyncLink.kind == "User").local_id == pushed.id
