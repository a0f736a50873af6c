"""The admin's whole journey in a real browser: sign in, add an Oracle app, provision over SCIM, watch it.

With USERSYNC_SCREENSHOTS=docs/screenshots the screenshots of each main page refresh the README's.
"""

import json
import urllib.request

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

ADMIN = "/plugins/servlet/usersync/admin"
PASSWORD = "e2e-admin-password"


def scim(server, method, path, token, body=None):
    """A real SCIM request over HTTP, as Oracle IDCS sends it."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(server.base_url + path, data=data, method=method, headers={
        "Authorization": f"Bearer {token}", "Content-Type": "application/scim+json", "Accept": "application/scim+json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, json.loads(response.read() or b"null")


def sign_in(page, server):
    page.goto(server.url + ADMIN + "/")
    page.get_by_label("Username").fill("admin")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"**{ADMIN}/")


def add_oracle_app(page, name, screenshot):
    """Configured IDPs → Add new App → Oracle → SCIM → name → Save; returns (base URL, token) as shown."""
    page.get_by_role("link", name="Add new App").first.click()
    page.locator("#provider-oracle").check()
    screenshot(page, "wizard-provider")
    page.locator("#wizard-next").click()
    page.locator("#method-scim").check()
    page.locator("#wizard-next").click()
    page.locator("#app-name").fill(name)
    page.locator("#wizard-save").click()
    base_url = page.locator("#scim-base-url").inner_text().strip()
    token = page.locator("#bearer-token").inner_text().strip()
    screenshot(page, "wizard-result")
    return base_url, token


def test_sign_in_add_app_provision_and_watch(page, server, screenshot):
    sign_in(page, server)
    base_url, token = add_oracle_app(page, "Oracle IDCS", screenshot)
    assert base_url == server.base_url
    assert len(token) >= 43

    status, user = scim(server, "POST", "/Users", token, {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "bjensen@example.com",
        "name": {"givenName": "Barbara", "familyName": "Jensen"}, "displayName": "Barbara Jensen",
        "emails": [{"value": "bjensen@example.com", "type": "work", "primary": True}], "active": True})
    assert status == 201

    page.goto(server.url + ADMIN + "/users")
    row = page.locator('[data-username="bjensen@example.com"]')
    assert "Active" in row.text_content()
    screenshot(page, "users")

    status, _ = scim(server, "PATCH", f"/Users/{user['id']}", token, {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "value": {"active": False}}]})
    assert status == 200

    page.reload()
    assert "Inactive" in page.locator('[data-username="bjensen@example.com"]').text_content()

    page.goto(server.url + ADMIN + "/activity")
    activity = page.locator("main").inner_text()
    assert "deactivated host user 'bjensen@example.com'" in activity
    screenshot(page, "activity")

    status, _ = scim(server, "POST", "/Groups", token, {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "Engineering",
        "members": [{"value": user["id"]}]})
    assert status == 201
    page.goto(server.url + ADMIN + "/groups")
    assert "Engineering" in page.locator("main").inner_text()
    screenshot(page, "groups")

    page.goto(server.url + ADMIN + "/")
    assert "Oracle IDCS" in page.locator("main").inner_text()
    screenshot(page, "configured-idps")
    page.get_by_role("link", name="Provisioning options for Oracle IDCS").click()
    page.locator("#username_regex").fill("(.*)@.*")
    page.locator("#username_replacement").fill("$1")
    page.locator("#username_sample").fill("demouser@gmail.com")
    page.locator("#username-preview").get_by_text("demouser", exact=False).wait_for()
    page.locator("#effect-line").get_by_text("1 renamed", exact=False).wait_for()  # bjensen@example.com → bjensen
    screenshot(page, "provisioning-options")
