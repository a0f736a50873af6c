"""Two IdP apps: sharing one directory (same users, each its own options), or on two (isolated, 404 not 403)."""

import pytest

from tests.conftest import assert_scim_error

from . import (audit_events, count_users, create_group, create_user, group_doc, host_group_names, host_groups,
               host_memberships, host_user, make_app, ok, patch_body, user_doc)

EMAIL_PREFIX = {"username_regex": "(.*)@.*", "username_replacement": "$1"}
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


@pytest.fixture
def shared(app):
    """Oracle IDCS and Okta on the default directory, with different options."""
    return make_app(app, "Oracle IDCS", **EMAIL_PREFIX), make_app(app, "Okta", provider="okta", update_users=False)


@pytest.fixture
def apart(app):
    """Oracle IDCS on the default directory, Okta on its own, each with a user and a group."""
    idcs = make_app(app, "Oracle IDCS")
    okta = make_app(app, "Okta", provider="okta", directory="Jira Internal Directory")
    idcs.user = create_user(idcs, "alice")
    idcs.group = create_group(idcs, "Engineering", idcs.user["id"])
    okta.user = create_user(okta, "bob")
    okta.group = create_group(okta, "Engineering", okta.user["id"])
    for client in (idcs, okta):
        client.user = ok(client.get(f"/Users/{client.user['id']}"))  # now with its groups
    return idcs, okta


def test_one_directory_both_apps_see_the_same_users_and_groups(shared):
    idcs, okta = shared
    alice = create_user(idcs, "alice@corp.com")
    group = create_group(okta, "Engineering", alice["id"])
    assert ok(okta.get('/Users?filter=userName eq "alice@corp.com"'))["Resources"][0]["id"] == alice["id"]
    assert ok(idcs.get(f"/Groups/{group['id']}"))["members"][0]["value"] == alice["id"]
    assert ok(idcs.get("/Users"))["totalResults"] == ok(okta.get("/Users"))["totalResults"] == 1
    assert host_memberships(alice["id"]) == {"Engineering": (okta.app_id, "idp-group")}


def test_one_directory_each_apps_options_apply_to_its_own_requests(shared):
    idcs, okta = shared
    alice = create_user(idcs, "alice@corp.com")
    bob = create_user(okta, "bob@corp.com")
    assert (host_user(alice["id"]).host_username, host_user(bob["id"]).host_username) == ("alice", "bob@corp.com")
    path = f"/Users/{alice['id']}"
    assert ok(okta.put(path, json=user_doc("alice@corp.com", displayName="Okta's", active=True)))["displayName"] \
        == alice["displayName"]
    assert ok(idcs.put(path, json=user_doc("alice@corp.com", displayName="IDCS's", active=True)))["displayName"] \
        == "IDCS's"
    assert [e[1] for e in audit_events(okta, operation="update-user")] == ["ignored"]
    assert [e[1] for e in audit_events(idcs, operation="update-user")] == ["applied"]


def test_one_directory_a_host_username_collision_between_the_apps_is_409(shared):
    idcs, okta = shared
    alice = create_user(idcs, "alice@corp.com")
    body = assert_scim_error(okta.post("/Users", json=user_doc("alice")), 409, "uniqueness")
    assert "'alice'" in body["detail"]
    assert count_users() == 1 and ok(idcs.get(f"/Users/{alice['id']}")) == alice
    assert_scim_error(idcs.post("/Users", json=user_doc("alice@other.com")), 409, "uniqueness")


def test_one_directory_a_scim_group_name_is_shared_too(shared):
    idcs, okta = shared
    create_group(idcs, "Engineering")
    assert_scim_error(okta.post("/Groups", json=group_doc("Engineering")), 409, "uniqueness")


def test_one_directory_each_app_keeps_the_other_apps_memberships_unless_told_not_to(app):
    idcs = make_app(app, "Oracle IDCS", default_groups=["confluence-users"])
    okta = make_app(app, "Okta", provider="okta")
    alice = create_user(idcs, "alice")
    sales = create_group(okta, "Sales", alice["id"])
    ok(okta.patch(f"/Groups/{sales['id']}", json=patch_body(
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})), 204)
    assert host_memberships(alice["id"]) == {"confluence-users": (idcs.app_id, "default")}
    okta.configure(keep_existing_groups=False)
    ok(okta.patch(f"/Groups/{sales['id']}", json=patch_body(
        {"op": "add", "path": "members", "value": [{"value": alice["id"]}]})), 204)
    assert host_memberships(alice["id"]) == {"Sales": (okta.app_id, "idp-group")}


def test_one_directory_an_idp_group_gives_its_host_group_whichever_app_syncs_the_member(shared):
    """SCIM groups belong to the directory, not to the app that created them."""
    idcs, okta = shared
    alice = create_user(idcs, "alice@corp.com")
    create_group(idcs, "Engineering", alice["id"])
    sales = create_group(okta, "Sales", alice["id"])
    ok(okta.patch(f"/Groups/{sales['id']}", json=patch_body(
        {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'})), 204)
    assert host_memberships(alice["id"]) == {"Engineering": (idcs.app_id, "idp-group")}


def test_one_directory_a_user_deleted_by_one_app_is_gone_for_both(shared):
    idcs, okta = shared
    alice = create_user(idcs, "alice@corp.com")
    assert okta.delete(f"/Users/{alice['id']}").status_code == 204
    assert_scim_error(idcs.get(f"/Users/{alice['id']}"), 404)
    assert host_user(alice["id"]).scim_linked is False


def test_two_directories_each_app_lists_only_its_own(apart):
    idcs, okta = apart
    assert [u["userName"] for u in ok(idcs.get("/Users"))["Resources"]] == ["alice"]
    assert [u["userName"] for u in ok(okta.get("/Users"))["Resources"]] == ["bob"]
    assert ok(idcs.get('/Users?filter=userName eq "bob"'))["totalResults"] == 0
    assert [g["id"] for g in ok(okta.get('/Groups?filter=displayName eq "Engineering"'))["Resources"]] \
        == [okta.group["id"]]
    assert host_group_names(okta.directory_id) == ["Engineering"]
    assert "Engineering" in host_group_names(idcs.directory_id)
    assert okta.directory_id != idcs.directory_id


@pytest.mark.parametrize("kind", ["user", "group"])
def test_two_directories_the_other_apps_resources_are_404_not_403(apart, kind):
    idcs, okta = apart
    target = getattr(idcs, kind)
    path = f"/{kind.title()}s/{target['id']}"
    replacement = {"user": user_doc("alice", displayName="Hijacked", active=False),
                   "group": group_doc("Engineering", okta.user["id"])}[kind]
    for method, body in [("GET", None), ("PUT", replacement), ("DELETE", None),
                         ("PATCH", patch_body({"op": "replace", "path": "displayName", "value": "Hijacked"}))]:
        assert_scim_error(okta.request(method, path, json=body), 404)
    assert ok(idcs.get(path)) == target
    assert host_user(idcs.user["id"]).active is True
    assert host_groups(idcs.user["id"]) == ["Engineering"] and host_groups(okta.user["id"]) == ["Engineering"]


def test_two_directories_bulk_cannot_reach_the_other_directory(apart):
    idcs, okta = apart
    request = {"schemas": [BULK], "Operations": [
        {"method": "DELETE", "path": f"/Users/{idcs.user['id']}"},
        {"method": "PATCH", "path": f"/Groups/{idcs.group['id']}",
         "data": patch_body({"op": "remove", "path": "members"})}]}
    results = ok(okta.post("/Bulk", json=request))["Operations"]
    assert [r["status"] for r in results] == ["404", "404"]
    assert ok(idcs.get(f"/Users/{idcs.user['id']}")) == idcs.user
    assert host_user(idcs.user["id"]).active is True and host_groups(idcs.user["id"]) == ["Engineering"]


def test_two_directories_the_same_names_live_side_by_side(apart):
    idcs, okta = apart
    okta_alice = create_user(okta, "alice")
    assert okta_alice["id"] != idcs.user["id"]
    assert host_user(okta_alice["id"]).directory_id == okta.directory_id


def test_two_directories_refused_attempts_are_audited_for_the_caller_without_naming_the_target(apart):
    idcs, okta = apart
    okta.delete(f"/Users/{idcs.user['id']}")
    okta.delete(f"/Groups/{idcs.group['id']}")
    from models import db
    from store.trail import audit

    with db.connection_context():
        refused = list(reversed(audit.query(app=okta.record, outcome="refused")))
    assert [(e.operation, e.resource_id) for e in refused] == [
        ("delete-user", idcs.user["id"]), ("delete-group", idcs.group["id"])]
    assert [e.subject for e in refused] == [None, None]  # the other directory's names never leak
    assert all("alice" not in e.reason and "Engineering" not in e.reason for e in refused)
    assert [e for e in audit_events(idcs) if e[1] != "applied"] == []
