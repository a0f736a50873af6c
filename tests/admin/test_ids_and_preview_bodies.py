"""Ids out of range in admin addresses are a 404, a live preview of the wrong shape and a NUL character anywhere
a 400: never a 500."""

import json

import pytest

from models import db
from store.tenancy import apps

ADMIN = "/plugins/servlet/usersync/admin"
PAST_64_BITS = str(2 ** 63)
HUGE = "9" * 23


@pytest.fixture
def app_id(app):
    with db.connection_context():
        record, _ = apps.create("Rest", "oracle", "rest")
    return record.id


@pytest.mark.parametrize("path", [
    f"/groups/{HUGE}", f"/groups/{PAST_64_BITS}", "/groups/0", f"/apps/{HUGE}/edit", f"/apps/{PAST_64_BITS}/options",
    "/apps/0/setup", f"/apps/{HUGE}/traffic", "/apps/{app_id}/sync/runs/" + HUGE,
    "/apps/{app_id}/sync/runs/" + PAST_64_BITS, "/apps/{app_id}/sync/runs/0",
])
def test_an_id_out_of_range_is_no_page(admin, app_id, path):
    response = admin.get(ADMIN + path.format(app_id=app_id))
    assert response.status_code == 404, response.get_data(as_text=True)[:300]


def test_the_wizards_result_page_too(admin):
    assert admin.get(f"/plugins/servlet/usersync/configure/apps/{HUGE}").status_code == 404


@pytest.mark.parametrize("run", [HUGE, PAST_64_BITS, "9" * 5000, "²", "-1", "0", "1e3", ""])
def test_a_run_asked_for_in_the_query_that_is_no_id_shows_the_page_without_it(admin, app_id, run):
    response = admin.get(f"{ADMIN}/apps/{app_id}/sync", query_string={"run": run})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]


def test_the_largest_id_is_read_and_not_found(admin):
    assert admin.get(f"{ADMIN}/groups/{2 ** 63 - 1}").status_code == 404


@pytest.mark.parametrize("body", [
    {"preview": {"a": 1}}, {"preview": ["username"]}, {"preview": 1}, {"preview": None},
    {"preview": "username", "sample": {"a": 1}}, {"preview": "username", "sample": ["x"]},
    {"preview": "group", "options": ["x"]}, {"preview": "group", "options": None}, ["username"], "username", 1, None,
])
def test_a_preview_of_the_wrong_shape_is_a_400(admin, app_id, body):
    response = admin.client.post(f"{ADMIN}/apps/{app_id}/options/preview", data=json.dumps(body),
                                 headers={"X-CSRF-Token": admin.token, "Content-Type": "application/json"})
    assert response.status_code == 400 and response.get_json()["outcome"] == "invalid"


def test_a_preview_of_the_right_shape_answers(admin, app_id):
    response = admin.client.post(f"{ADMIN}/apps/{app_id}/options/preview", headers={"X-CSRF-Token": admin.token},
                                 json={"preview": "username", "sample": "alice@example.com",
                                       "options": {"username_regex": "(.*)@.*", "username_replacement": "$1"}})
    assert response.status_code == 200 and "alice" in response.get_data(as_text=True)


@pytest.mark.parametrize("method, path, data", [
    ("GET", "/plugins/servlet/usersync/admin/activity?app=a%00b", None),
    ("GET", "/plugins/servlet/usersync/admin/users?q%00=x", None),
    ("GET", "/plugins/servlet/usersync/admin/users/a%00b", None),
    ("GET", "/plugins/servlet/usersync/configure/details?provider=oracle&method=scim&name=%00", None),
    ("POST", "/plugins/servlet/usersync/admin/directories", {"name": "Evil\x00", "position": ""}),
])
def test_a_nul_character_anywhere_is_a_400(admin, method, path, data):
    """PostgreSQL refuses text holding NUL outright; SQLite would take it: refused before either sees it."""
    response = admin.post(path, data=data) if method == "POST" else admin.get(path)
    assert response.status_code == 400 and "NUL character" in response.get_data(as_text=True)


def test_a_nul_in_the_sign_in_form_is_a_400_and_counts_no_attempt(app):
    from tests.conftest import AdminClient

    client = AdminClient(app.test_client())
    assert client.post(ADMIN + "/login", data={"username": "ad\x00min", "password": "x"}).status_code == 400
    assert client.post(ADMIN + "/login", data={"username": "admin", "password": AdminClient.PASSWORD}).status_code == 302
