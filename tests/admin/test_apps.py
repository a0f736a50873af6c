"""Configured IDPs: the list with its counts, and edit, enable/disable, rotate, delete and setup per app."""

import html
import re
from datetime import timedelta

import pytest

from blueprints.admin.apps import ago
from models import IdpApp, User, db, utcnow
from models.audit import AuditEvent
from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store
from tests.admin.pages import found, text
from tests.conftest import SCIM, SCIM_JSON, AdminClient

ADMIN = "/plugins/servlet/usersync/admin"


@pytest.fixture
def admin(admin):
    """The signed-in admin, holding the CSRF token of its new session (sign-in issues a fresh one)."""
    admin.get(ADMIN + "/")
    return admin


def create(name, provider="oracle", method="scim"):
    with db.connection_context():
        record, token = app_store.create(name, provider, method)
    return record, token


def scim_status(app, token, path="/Users"):
    return app.test_client().get(SCIM + path, headers={"Authorization": f"Bearer {token}"}).status_code


def provision(app, token, path, body):
    response = app.test_client().post(SCIM + path, json=body, headers={"Authorization": f"Bearer {token}",
                                                                       "Content-Type": SCIM_JSON})
    assert response.status_code == 201, response.get_data(as_text=True)


def row(response, record):
    match = re.search(rf'<tr id="app-{record.id}"[^>]*>(.*?)</tr>', response.get_data(as_text=True), re.DOTALL)
    assert match, f"no row for {record.name}"
    return " ".join(html.unescape(match.group(1)).split())


def test_the_empty_list_says_what_to_do(admin):
    body = text(admin.get(ADMIN + "/"))
    assert 'id="apps-empty"' in body and "No IdP app is configured yet" in body
    assert 'href="/plugins/servlet/usersync/configure/" id="add-app">Add new App</a>' in body


def test_the_list_shows_each_app_with_its_counts(app, admin):
    oracle, oracle_token = create("Oracle IDCS")
    okta, _ = create("Okta", "okta", "rest")
    for user in ("alice", "bob"):
        provision(app, oracle_token, "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                "userName": user})
    provision(app, oracle_token, "/Groups", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
                                             "displayName": "Engineering"})
    page = admin.get(ADMIN + "/")
    oracle_row, okta_row = row(page, oracle), row(page, okta)
    assert "Oracle IDCS" in oracle_row and "Oracle Identity Cloud Service (OCI IAM)" in oracle_row
    assert "SCIM" in oracle_row and directory_store.default().name in oracle_row
    assert '<span class="lozenge success">Enabled</span>' in oracle_row
    assert "less than a minute ago" in oracle_row and "<time datetime=" in oracle_row
    # Users and host groups per app: Oracle's group has no member yet, so no host group came of it.
    assert re.findall(r'<td class="count"[^>]*>(\d+)</td>', oracle_row) == ["2", "0"]
    assert re.findall(r'<td class="count"[^>]*>(\d+)</td>', okta_row) == ["0", "0"]
    assert "REST API" in okta_row and ">never<" in okta_row
    assert text(page).index("Oracle IDCS") > text(page).index("Okta")  # by name


def last_request(response, record):
    """The Last request cell of the app's row, whitespace runs as one space."""
    return found(rf'<td class="last-request" id="last-request-{record.id}">(.*?)</td>', response)


def test_the_list_shows_each_apps_last_request_with_its_method_and_status(app, admin):
    oracle, oracle_token = create("Oracle IDCS")
    okta, okta_token = create("Okta", "okta")
    quiet, _ = create("Quiet", "custom")
    assert scim_status(app, oracle_token, "/Users?count=1") == 200  # Oracle's Test Connectivity
    assert scim_status(app, okta_token, "/Users/no-such-id") == 404
    page = admin.get(ADMIN + "/")
    oracle_cell, okta_cell = last_request(page, oracle), last_request(page, okta)
    assert re.search(r'<time datetime="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ"[^>]*>less than a minute ago</time>',
                     oracle_cell)
    assert 'data-method="GET" data-status="200">GET <span class="lozenge success" title="OK">200</span>' in oracle_cell
    assert 'data-method="GET" data-status="404">GET <span class="lozenge removed" title="Not Found">404</span>' \
        in okta_cell
    assert last_request(page, quiet) == "never"


def test_an_app_last_used_before_requests_were_noted_shows_when_alone(app, admin):
    record, _ = create("Oracle IDCS")
    with db.connection_context():
        IdpApp.update(last_used=utcnow() - timedelta(hours=3)).where(IdpApp.id == record.id).execute()
    cell = last_request(admin.get(ADMIN + "/"), record)
    assert ">3 hours ago</time>" in cell and "data-status" not in cell


def test_provisioning_options_are_linked_when_that_page_exists(app, admin):
    record, _ = create("Oracle IDCS")
    link = f'href="{ADMIN}/apps/{record.id}/options"'
    assert (link in row(admin.get(ADMIN + "/"), record)) == ("admin.options" in app.view_functions)


def test_disable_refuses_the_token_and_enable_restores_it(app, admin):
    record, token = create("Oracle IDCS")
    response = admin.post(f"{ADMIN}/apps/{record.id}/enabled", data={"enabled": "false"})
    assert response.status_code == 302
    assert scim_status(app, token) == 401
    page = admin.get(ADMIN + "/")
    assert "its token is refused (401)" in text(page)
    assert '<span class="lozenge removed">Disabled</span>' in row(page, record)
    assert f'id="enable-{record.id}"' in row(page, record)
    admin.post(f"{ADMIN}/apps/{record.id}/enabled", data={"enabled": "true"})
    assert scim_status(app, token) == 200
    assert admin.post(f"{ADMIN}/apps/{record.id}/enabled", data={"enabled": "maybe"}).status_code == 400
    assert scim_status(app, token) == 200


def test_rotate_asks_first_then_shows_the_new_token_once(app, admin):
    record, old = create("Oracle IDCS")
    confirm = admin.get(f"{ADMIN}/apps/{record.id}/rotate")
    assert confirm.status_code == 200 and "stops working at once" in text(confirm)
    assert scim_status(app, old) == 200  # asking changed nothing
    result = admin.post(f"{ADMIN}/apps/{record.id}/rotate")
    assert result.status_code == 200 and result.headers["Cache-Control"] == "no-store"
    new = re.search(r'id="bearer-token">([^<]+)<', result.get_data(as_text=True)).group(1)
    assert "Copy it now" in text(result) and 'id="scim-base-url">http://localhost' + SCIM in text(result)
    assert scim_status(app, old) == 401 and scim_status(app, new) == 200


def test_the_rotate_form_sent_twice_rotates_once(app, admin):
    """Reloading the new token's page re-sends its form: the token just shown must keep working."""
    record, old = create("Oracle IDCS")
    confirm = admin.get(f"{ADMIN}/apps/{record.id}/rotate").get_data(as_text=True)
    replacing = re.search(r'name="replacing" value="([0-9a-f]{16})"', confirm).group(1)
    assert replacing not in old  # the token itself never appears in the page
    first = admin.post(f"{ADMIN}/apps/{record.id}/rotate", data={"replacing": replacing})
    new = re.search(r'id="bearer-token">([^<]+)<', first.get_data(as_text=True)).group(1)
    again = admin.post(f"{ADMIN}/apps/{record.id}/rotate", data={"replacing": replacing})
    assert again.status_code == 409 and "was replaced already" in text(again)
    assert 'id="bearer-token"' not in again.get_data(as_text=True)
    assert scim_status(app, old) == 401 and scim_status(app, new) == 200
    fresh = re.search(r'name="replacing" value="([0-9a-f]{16})"', again.get_data(as_text=True)).group(1)
    newest = admin.post(f"{ADMIN}/apps/{record.id}/rotate", data={"replacing": fresh})  # on purpose, from it
    assert newest.status_code == 200 and scim_status(app, new) == 401


def test_delete_asks_first_and_keeps_the_users(app, admin):
    record, token = create("Oracle IDCS")
    provision(app, token, "/Users", {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"})
    confirm = admin.get(f"{ADMIN}/apps/{record.id}/delete")
    assert confirm.status_code == 200
    assert "Users stay." in text(confirm) and "The 1 user it provisioned" in text(confirm)
    assert 'id="delete-confirm"' in text(confirm)
    response = admin.post(f"{ADMIN}/apps/{record.id}/delete")
    assert response.status_code == 302
    assert "Deleted the app 'Oracle IDCS'" in text(admin.get(ADMIN + "/"))
    with db.connection_context():
        assert IdpApp.by_name("Oracle IDCS") is None
        assert User.select().where(User.user_name == "alice").count() == 1
    assert scim_status(app, token) == 401


def test_edit_changes_the_directory_and_enabled_state(app, admin):
    record, token = create("Oracle IDCS")
    with db.connection_context():
        directory_store.create("IdP Directory")
    page = admin.get(f"{ADMIN}/apps/{record.id}/edit")
    assert page.status_code == 200
    assert 'id="enabled" name="enabled" value="on" checked' in text(page) and '<select id="directory"' in text(page)
    assert "Oracle Identity Cloud Service (OCI IAM)" in text(page)  # read-only
    response = admin.post(f"{ADMIN}/apps/{record.id}/edit", data={"directory": "IdP Directory"})
    assert response.status_code == 302
    with db.connection_context():
        changed = IdpApp.get_by_id(record.id)
        assert changed.directory.name == "IdP Directory" and changed.enabled is False
    assert "now provisions into 'IdP Directory'" in text(admin.get(ADMIN + "/"))
    assert scim_status(app, token) == 401


def test_edit_refuses_an_unknown_directory_beside_the_field(admin):
    record, _ = create("Oracle IDCS")
    response = admin.post(f"{ADMIN}/apps/{record.id}/edit", data={"directory": "Nowhere", "enabled": "on"})
    assert response.status_code == 400
    body = text(response)
    assert '<p class="error" id="directory-error">There is no directory named \'Nowhere\'' in body
    assert 'aria-describedby="directory-error directory-help" aria-invalid="true"' in body
    with db.connection_context():
        assert IdpApp.get_by_id(record.id).directory.name == directory_store.default().name


def test_edit_renames_the_app_and_keeps_its_token(app, admin):
    record, token = create("Okta")
    page = text(admin.get(f"{ADMIN}/apps/{record.id}/edit"))
    assert 'id="name" name="name" value="Okta" maxlength="120" required' in page
    form = {"name": "  Okta Production ", "enabled": "on", "directory": directory_store.default().name}
    response = admin.post(f"{ADMIN}/apps/{record.id}/edit", data=form)
    assert response.status_code == 302
    with db.connection_context():
        assert IdpApp.get_by_id(record.id).name == "Okta Production"
        assert [(e.app_name, e.reason) for e in AuditEvent.select()] == [
            ("Okta Production", "name changed from 'Okta' to 'Okta Production'")]
    assert "'Okta Production' renamed from 'Okta'." in text(admin.get(ADMIN + "/"))
    assert scim_status(app, token) == 200


@pytest.mark.parametrize("name, message", [
    ("entra", "An app named 'Entra' already exists; app names are unique regardless of case."),
    ("   ", "Enter a name for the app."),
    ("x" * 121, "The app name can have at most 120 characters; this one has 121."),
])
def test_edit_refuses_a_taken_empty_or_long_name_beside_the_field(admin, name, message):
    record, _ = create("Okta")
    create("Entra", "entra")
    response = admin.post(f"{ADMIN}/apps/{record.id}/edit",
                          data={"name": name, "directory": directory_store.default().name})
    assert response.status_code == 400
    body = text(response)
    assert found(r'<p class="error" id="name-error">(.*?)</p>', response) == message
    assert 'aria-describedby="name-error name-help" aria-invalid="true" autofocus' in body
    assert 'id="directory-error"' not in body
    assert f'id="name" name="name" value="{name.strip()}"' in body  # what was typed stays in the field
    with db.connection_context():
        kept = IdpApp.get_by_id(record.id)
        assert (kept.name, kept.enabled) == ("Okta", True)  # the unticked box was not saved either
        assert AuditEvent.select().count() == 0


def test_setup_shows_the_steps_but_never_the_token(admin):
    record, token = create("Entra", "entra")
    page = admin.get(f"{ADMIN}/apps/{record.id}/setup")
    assert page.status_code == 200
    body = text(page)
    assert "Tenant URL" in body and 'id="scim-base-url"' in body and 'id="bearer-token-hidden"' in body
    assert 'id="bearer-token"' not in body and token not in body


def test_an_unknown_app_is_404(admin):
    for path in ("edit", "rotate", "delete", "setup"):
        assert admin.get(f"{ADMIN}/apps/999/{path}").status_code == 404, path
    assert admin.post(f"{ADMIN}/apps/999/enabled", data={"enabled": "true"}).status_code == 404


def test_every_post_needs_the_csrf_token(app, admin):
    record, token = create("Oracle IDCS")
    for path, data in (("enabled", {"enabled": "false"}), ("rotate", {}), ("delete", {}),
                       ("edit", {"directory": "Nowhere"})):
        assert admin.client.post(f"{ADMIN}/apps/{record.id}/{path}", data=data).status_code == 400, path
        assert admin.client.post(f"{ADMIN}/apps/{record.id}/{path}",
                                 data={"csrf_token": "forged", **data}).status_code == 400, path
    assert scim_status(app, token) == 200  # not disabled, rotated or deleted


def test_the_pages_need_sign_in(app):
    record, token = create("Oracle IDCS")
    client = AdminClient(app.test_client()).client
    for method, path in (("GET", "/"), ("GET", "edit"), ("POST", "edit"), ("POST", "enabled"), ("GET", "rotate"),
                         ("POST", "rotate"), ("GET", "delete"), ("POST", "delete"), ("GET", "setup")):
        url = ADMIN + "/" if path == "/" else f"{ADMIN}/apps/{record.id}/{path}"
        response = client.open(url, method=method, data={"enabled": "false"})
        assert response.status_code == 302 and "/admin/login" in response.headers["Location"], (method, path)
    assert scim_status(app, token) == 200


def test_ago_in_words():
    now = utcnow()
    assert ago(None, now) == "never"
    assert ago(now - timedelta(seconds=5), now) == "less than a minute ago"
    assert ago(now - timedelta(minutes=1), now) == "1 minute ago"
    assert ago(now - timedelta(hours=3, minutes=5), now) == "3 hours ago"
    assert ago(now - timedelta(days=45), now) == "1 month ago"
    assert ago(now - timedelta(days=800), now) == "2 years ago"
