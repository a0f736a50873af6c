"""username_regex / username_replacement: the host username, while the IdP keeps its own userName."""

import time

import pytest

from rules import options as provisioning_options
from tests.conftest import assert_scim_error

from . import audit_events, count_users, create_user, host_user, make_app, ok, user_doc

EMAIL_PREFIX = {"username_regex": "(.*)@.*", "username_replacement": "$1"}


@pytest.mark.parametrize("regex, replacement, user_name, host", [
    ("(.*)@.*", "$1", "demouser@gmail.com", "demouser"),
    ("(.*)0(.*)", "$1$2", "demo0user", "demouser"),
    ("(.*)@.*", "$1", "plainuser", "plainuser"),  # no match: unchanged
    ("^(\\w+)\\.(\\w+)@.*", "$2_$1", "barbara.jensen@example.com", "jensen_barbara"),
])
def test_the_rule_gives_the_host_username(app, regex, replacement, user_name, host):
    idcs = make_app(app, "Oracle IDCS", username_regex=regex, username_replacement=replacement)
    body = create_user(idcs, user_name)
    assert body["userName"] == user_name
    assert host_user(body["id"]).host_username == host


def test_the_idp_still_sees_filters_on_and_round_trips_its_user_name(app):
    idcs = make_app(app, "Oracle IDCS", **EMAIL_PREFIX)
    body = create_user(idcs, "demouser@gmail.com")
    assert ok(idcs.get(f"/Users/{body['id']}"))["userName"] == "demouser@gmail.com"
    found = ok(idcs.get('/Users?filter=userName eq "demouser@gmail.com"'))
    assert [u["id"] for u in found["Resources"]] == [body["id"]]
    assert ok(idcs.get('/Users?filter=userName eq "demouser"'))["totalResults"] == 0
    again = ok(idcs.put(f"/Users/{body['id']}", json=user_doc("demouser@gmail.com", active=True)))
    assert again["userName"] == "demouser@gmail.com"
    assert host_user(body["id"]).host_username == "demouser"


def test_a_renamed_user_gets_a_new_host_username(app):
    idcs = make_app(app, "Oracle IDCS", **EMAIL_PREFIX)
    body = create_user(idcs, "demouser@gmail.com")
    ok(idcs.put(f"/Users/{body['id']}", json=user_doc("demo.user@gmail.com", active=True)))
    assert host_user(body["id"]).host_username == "demo.user"


def test_two_idp_users_on_one_host_username_is_409_and_the_first_is_intact(app):
    idcs = make_app(app, "Oracle IDCS", **EMAIL_PREFIX)
    first = create_user(idcs, "demouser@gmail.com")
    body = assert_scim_error(idcs.post("/Users", json=user_doc("demouser@yahoo.com")), 409, "uniqueness")
    assert "demouser" in body["detail"]
    assert count_users() == 1
    assert ok(idcs.get(f"/Users/{first['id']}")) == first
    assert host_user(first["id"]).host_username == "demouser"


def test_a_rename_onto_a_taken_host_username_is_409_and_changes_nothing(app):
    idcs = make_app(app, "Oracle IDCS", **EMAIL_PREFIX)
    create_user(idcs, "demouser@gmail.com")
    other = create_user(idcs, "other@gmail.com")
    response = idcs.put(f"/Users/{other['id']}", json=user_doc("demouser@yahoo.com", active=True))
    assert_scim_error(response, 409, "uniqueness")
    assert ok(idcs.get(f"/Users/{other['id']}"))["userName"] == "other@gmail.com"
    assert host_user(other["id"]).host_username == "other"


def test_a_rule_giving_an_empty_username_is_400_and_stores_nothing(app):
    idcs = make_app(app, "Oracle IDCS", username_regex=".*@(.*)", username_replacement="")
    body = assert_scim_error(idcs.post("/Users", json=user_doc("demouser@gmail.com")), 400, "invalidValue")
    assert "not a usable username" in body["detail"]
    assert count_users() == 0


@pytest.mark.parametrize("changes", [
    {"username_regex": "(.*@"},
    {"username_regex": "[a-"},
    {"username_regex": "(.*)@.*", "username_replacement": "$2"},
    {"username_regex": "x" * 501},
])
def test_an_invalid_rule_is_refused_when_saved(app, changes):
    idcs = make_app(app, "Oracle IDCS")
    with pytest.raises(provisioning_options.OptionsError) as refused:
        idcs.configure(**changes)
    assert "username_regex" in refused.value.messages
    assert provisioning_options.load(idcs.record.options).username_regex == ""
    assert host_user(create_user(idcs, "demouser@gmail.com")["id"]).host_username == "demouser@gmail.com"


@pytest.mark.parametrize("regex, status", [
    ("(a+)+$", 201),  # the regex module's optimiser defuses this one: no match, no rewrite
    ("(a|aa)+$", 400),  # this one backtracks for real: cut off by the time limit
])
def test_a_catastrophic_rule_never_hangs_a_request(app, regex, status):
    idcs = make_app(app, "Oracle IDCS", username_regex=regex, username_replacement="$1")
    user_name = "a" * 40 + "!"
    started = time.monotonic()
    response = idcs.post("/Users", json=user_doc(user_name))
    assert time.monotonic() - started < 2
    assert response.status_code == status, response.get_data(as_text=True)
    if status == 400:
        body = assert_scim_error(response, 400, "invalidValue")
        assert "could not be applied" in body["detail"] and "in time" in body["detail"]
        assert count_users() == 0
        assert [outcome for _, outcome, _ in audit_events(idcs, subject=user_name)] == ["refused"]
    else:
        assert host_user(response.get_json()["id"]).host_username == user_name


def test_a_rule_changed_later_never_renames_a_user_on_an_unrelated_update(app):
    """Deactivating must work whatever today's rule makes of the old userName."""
    idcs = make_app(app, "Oracle IDCS")
    user = create_user(idcs, "bob@corp.example")
    idcs.configure(username_regex="(.*)@.*", username_replacement="")  # would give an empty username
    response = idcs.patch(f"/Users/{user['id']}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert response.status_code == 200 and response.get_json()["active"] is False
    assert host_user(user["id"]).host_username == "bob@corp.example"
