"""The audit trail tells each option's story in an admin's words: one representative scenario per option."""

import pytest

from tests.conftest import assert_scim_error

from . import (add_manual_membership, audit_events, create_group, create_user, make_app, ok, patch_body,
               reasons, user_doc)

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _import_off(app):
    idcs = make_app(app, "Oracle IDCS", import_users=False)
    assert_scim_error(idcs.post("/Users", json=user_doc("bjensen")), 403)
    return idcs, "bjensen"


def _regex(app):
    idcs = make_app(app, "Oracle IDCS", username_regex="(.*)@.*", username_replacement="$1")
    create_user(idcs, "demouser@gmail.com")
    return idcs, "demouser@gmail.com"


def _regex_collision(app):
    idcs, _ = _regex(app)
    assert_scim_error(idcs.post("/Users", json=user_doc("demouser@yahoo.com")), 409, "uniqueness")
    return idcs, "demouser@yahoo.com"


def _update_off(app):
    idcs = make_app(app, "Oracle IDCS", update_users=False)
    user = create_user(idcs, "bjensen")
    ok(idcs.put(f"/Users/{user['id']}", json=user_doc("bjensen", displayName="Babs", active=True)))
    return idcs, "bjensen"


def _update_on(app):
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    ok(idcs.put(f"/Users/{user['id']}", json=user_doc("bjensen", displayName="Babs", active=True)))
    return idcs, "bjensen"


def _set_active(options, initially, value):
    def scenario(app):
        idcs = make_app(app, "Oracle IDCS", **options)
        user = create_user(idcs, "bjensen", active=initially)
        ok(idcs.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": value})))
        return idcs, "bjensen"
    return scenario


def _deleted(on_delete):
    def scenario(app):
        idcs = make_app(app, "Oracle IDCS", on_delete=on_delete)
        user = create_user(idcs, "bjensen")
        assert idcs.delete(f"/Users/{user['id']}").status_code == 204
        return idcs, "bjensen"
    return scenario


def _relinked(app):
    idcs, subject = _deleted("deactivate")(app)
    create_user(idcs, subject)
    return idcs, subject


def _group(name="Engineering", subject=None, **options):
    """A group of one member, alice; the events about the group, or about subject (alice's memberships)."""
    def scenario(app):
        idcs = make_app(app, "Oracle IDCS", **options)
        create_group(idcs, name, create_user(idcs, "alice")["id"])
        return idcs, subject or name
    return scenario


def _member_removed(app):
    idcs = make_app(app, "Oracle IDCS")
    alice = create_user(idcs, "alice")
    group = create_group(idcs, "Engineering", alice["id"])
    ok(idcs.patch(f"/Groups/{group['id']}", json=patch_body(
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})), 204)
    return idcs, "alice"


def _default_group(app):
    idcs = make_app(app, "Oracle IDCS", default_groups=["confluence-users"])
    create_user(idcs, "alice")
    return idcs, "alice"


SCENARIOS = {
    "import_users off": (_import_off, "create-user", "refused", "import_users is off"),
    "username_regex": (_regex, "create-user", "applied", "regex rewrote demouser@gmail.com → demouser"),
    "username_regex collision": (_regex_collision, "create-user", "refused",
                                 "maps to the host username 'demouser', which another user has"),
    "update_users on": (_update_on, "update-user", "applied", "updated displayName of host user"),
    "update_users off": (_update_off, "update-user", "ignored", "attribute changes ignored: update_users is off"),
    "disable_users off": (_set_active({"disable_users": False}, True, False), "update-user", "ignored",
                          "deactivation ignored: disable_users is off"),
    "enable_users off": (_set_active({"enable_users": False}, False, True), "update-user", "ignored",
                         "re-activation ignored: enable_users is off"),
    "on_delete deactivate": (_deleted("deactivate"), "deactivate-user", "applied",
                             "deactivated host user 'bjensen' and unlinked it from SCIM"),
    "on_delete delete": (_deleted("delete"), "delete-user", "applied", "deleted host user 'bjensen'"),
    "re-link": (_relinked, "relink-user", "applied", "re-linked and re-activated host user 'bjensen'"),
    "import_groups on": (_group(subject="alice"), "host-membership", "applied",
                         "alice added to host group 'Engineering' (IdP group 'Engineering')"),
    "host group created": (_group(), "host-group", "applied", "created host group 'Engineering' on the fly"),
    "import_groups member removed": (_member_removed, "host-membership", "applied",
                                     "alice removed from host group 'Engineering' (no longer given by the IdP)"),
    "import_groups off": (_group(import_groups=False), "create-group", "ignored", "group import is off"),
    "group_include": (_group("sales", group_include="^jira-"), "create-group", "ignored",
                      "filtered out: it does not match group_include '^jira-'"),
    "group_exclude": (_group("jira-admins", group_exclude="-admins$"), "create-group", "ignored",
                      "filtered out: it matches group_exclude '-admins$'"),
    "group_mapping": (_group(group_mapping={"Engineering": ["jira-developers", "confluence-users"]}),
                      "create-group", "applied", "maps to host group(s) 'jira-developers', 'confluence-users'"),
    "unmapped ignore": (_group("Marketing", unmapped_groups="ignore"), "create-group", "ignored",
                        "not in the group mapping and unmapped groups are ignored"),
    "default_groups": (_default_group, "host-membership", "applied",
                       "alice added to host group 'confluence-users' (default group of the app)"),
}


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_each_option_leaves_an_admin_readable_event(app, scenario):
    run, operation, outcome, words = SCENARIOS[scenario]
    client, subject = run(app)
    events = audit_events(client, subject=subject)
    matching = [reason for op, out, reason in events if (op, out) == (operation, outcome)]
    assert any(words in reason for reason in matching), events


def test_every_event_names_its_app(app):
    idcs, _ = _regex(app)
    okta = make_app(app, "Okta", provider="okta")
    create_user(okta, "bob")
    from models import AuditEvent, db

    with db.connection_context():
        names = {(e.app_name, e.subject) for e in AuditEvent.select()
                 if e.operation not in ("settings", "connect")}
    assert names == {("Oracle IDCS", "demouser@gmail.com"), ("Okta", "bob")}


def test_a_refused_bulk_operation_is_audited_like_a_refused_request(app):
    """Every decision goes to the audit trail, whether the IdP sent it alone or in a Bulk request."""
    idcs = make_app(app, "Oracle IDCS", import_users=False)
    request = {"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": "u1", "data": user_doc("bjensen")}]}
    assert ok(idcs.post("/Bulk", json=request))["Operations"][0]["status"] == "403"
    assert ("create-user", "refused",
            "User import is disabled for this app (import_users is off); nothing was created.") \
        in audit_events(idcs, subject="bjensen")


def test_a_deactivation_by_the_idp_says_so(app):
    """An admin looking for "why was bjensen disabled?" must find the word, not only "updated host user"."""
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bjensen")
    ok(idcs.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": False})))
    ok(idcs.patch(f"/Users/{user['id']}", json=patch_body({"op": "replace", "path": "active", "value": True})))
    applied = reasons(idcs, subject="bjensen", operation="update-user", outcome="applied")
    assert "deactivated" in applied[0] and "re-activated" in applied[1], applied


def test_a_membership_removed_because_keep_existing_groups_is_off_says_so(app):
    """The IdP never gave the manual membership, so "no longer given by the IdP" would mislead the admin."""
    idcs = make_app(app, "Oracle IDCS", keep_existing_groups=False)
    alice = create_user(idcs, "alice")
    add_manual_membership(idcs.directory_id, alice["id"], "jira-administrators")
    create_group(idcs, "Engineering", alice["id"])
    removed = [r for r in reasons(idcs, subject="alice") if "removed from host group 'jira-administrators'" in r]
    assert removed and "keep_existing_groups is off" in removed[0], reasons(idcs, subject="alice")


def test_a_member_added_with_others_is_found_by_its_own_name(app):
    """`usersync audit --subject bob` must answer "why is bob in Engineering?" when bob joined with others."""
    idcs = make_app(app, "Oracle IDCS")
    alice, bob = create_user(idcs, "alice"), create_user(idcs, "bob")
    create_group(idcs, "Engineering", alice["id"], bob["id"])
    assert any("added to host group 'Engineering'" in r for r in reasons(idcs, subject="bob")), \
        audit_events(idcs)
