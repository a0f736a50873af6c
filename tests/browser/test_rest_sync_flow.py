"""The REST API method in a real browser: the wizard asks for Oracle's domain and client, Test connection
talks to a real IdP (tests/idp_source.py, on loopback), Save, Synchronize now, the progress reaches the end,
and the pulled users are on the Users page.

With USERSYNC_SCREENSHOTS=docs/screenshots the screenshots refresh the README's.
"""

import pytest


from .test_setup_flow import ADMIN, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

RUN_TIMEOUT_MS = 60_000  # the scheduler looks for queued runs every few seconds


def start_wizard(page, provider, name):
    """Configured IDPs → Add new App → provider → REST API → name → Next: the connection step."""
    page.get_by_role("link", name="Add new App").first.click()
    page.locator(f"#provider-{provider}").check()
    page.locator("#wizard-next").click()
    page.locator("#method-rest").check()
    page.locator("#wizard-next").click()
    page.locator("#app-name").fill(name)
    page.locator("#wizard-next").click()
    page.wait_for_url("**/configure/connection?**")


def test_rest_api_app_from_the_wizard_to_synchronized_users(page, server, idp, screenshot):
    from playwright.sync_api import expect

    users = idp.add_users(3, prefix="pulled")
    idp.add_group("Engineering", users)
    sign_in(page, server)
    start_wizard(page, "oracle", "Oracle pull")
    expect(page.locator("#oracle-scope")).to_contain_text("urn:opc:idm:__myscopes__")

    page.get_by_label("Domain URL").fill(idp.url)
    page.get_by_label("Client ID").fill(idp.client_id)
    page.get_by_label("Client secret").fill("not-the-secret")
    page.get_by_role("button", name="Test connection").click()
    outcome = page.locator("#test-outcome")
    expect(outcome).to_have_attribute("data-stage", "token")
    expect(outcome).to_contain_text("Failed at the token endpoint")
    expect(outcome).to_contain_text("invalid_client")

    page.get_by_label("Client secret").fill(idp.client_secret)
    page.get_by_role("button", name="Test connection").click()
    expect(outcome).to_have_attribute("data-ok", "true")
    expect(outcome).to_contain_text("Connected: 3 users, 1 group")
    assert "/configure/connection?" in page.url  # tested in place: the page was not posted
    screenshot(page, "wizard-rest")

    page.locator("#wizard-save").click()
    page.wait_for_url("**/sync?created=1")
    expect(page.locator("h1")).to_have_text("Oracle pull is ready")
    expect(page.locator("#secret-state")).to_have_text("stored, encrypted")
    assert idp.client_secret not in page.content()
    assert page.get_by_label("Client secret").input_value() == ""

    page.get_by_label("Synchronize by itself").select_option("daily")
    page.locator("#schedule-save").click()
    expect(page.locator(".flag-success")).to_contain_text("now synchronizes: once a day")

    page.locator("#sync-now").click()
    expect(page.locator("#sync-progress")).to_be_visible()
    # The scheduler of `usersync serve` picks the queued run up; sync.js follows it without a reload.
    expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-summary")).to_contain_text("Finished")
    expect(page.locator("#run-links")).to_be_visible()
    assert page.locator("#run-bar").evaluate("bar => bar.value === bar.max")
    expect(page.locator("#runs-table tr[data-run]")).to_have_attribute("data-status", "succeeded")
    screenshot(page, "sync-progress")

    page.locator("#run-users").click()
    page.wait_for_url(f"**{ADMIN}/users?app=*")
    for user in users:
        expect(page.locator(f'[data-username="{user["userName"]}"]')).to_contain_text("Active")


def test_the_scim_form_shows_the_chosen_credentials_and_marks_a_wrong_setting(page, server):
    from playwright.sync_api import expect

    sign_in(page, server)
    start_wizard(page, "custom", "SCIM pull")
    bearer, oauth = page.locator("#bearer-fields"), page.locator("#oauth-fields")
    expect(bearer).to_be_visible()
    expect(oauth).to_be_hidden()
    page.get_by_label("OAuth2 client credentials").check()
    expect(oauth).to_be_visible()
    expect(bearer).to_be_hidden()
    expect(page.get_by_label("Token URL")).to_be_editable()

    page.get_by_label("SCIM base URL").fill("https://scim.example.com/v2")
    page.get_by_role("button", name="Test connection").click()
    token_url = page.get_by_label("Token URL")
    expect(page.locator("#token_url-error")).to_have_text("Token URL is required.")
    expect(token_url).to_have_attribute("aria-invalid", "true")
    expect(token_url).to_have_attribute("aria-describedby", "token_url-error token_url-help")
    expect(token_url).to_be_focused()
    expect(page.locator("#test-outcome")).to_contain_text("Check the settings")

    token_url.fill("http://auth.example.com/token")  # http only on loopback
    page.get_by_label("Client ID").fill("usersync")
    page.locator("#client_secret").fill("a-secret")
    page.get_by_role("button", name="Test connection").click()
    expect(page.locator("#token_url-error")).to_contain_text("Token URL must use https://")
    expect(page.locator("p.error")).to_have_count(1)  # the earlier problem is gone
