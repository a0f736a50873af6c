"""The first hour in a real browser: the wizard's result page reloaded or saved again makes no second app, the IdP's
first request shows on Activity and its last request on Configured IDPs, and a REST API app saved untested asks first.
"""

import re

import pytest

from .test_setup_flow import ADMIN, scim, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

WIZARD = "/plugins/servlet/usersync/configure"


def add_scim_app(page, provider, name):
    """Configured IDPs → Add new App → provider → SCIM → name → Save: the result page."""
    page.get_by_role("link", name="Add new App").first.click()
    page.locator(f"#provider-{provider}").check()
    page.locator("#wizard-next").click()
    page.locator("#method-scim").check()
    page.locator("#wizard-next").click()
    page.locator("#app-name").fill(name)
    page.locator("#wizard-save").click()
    page.wait_for_url(f"**{WIZARD}/apps/*")


def rows_named(page, server, name):
    page.goto(server.url + ADMIN + "/")
    return page.locator(f'#apps-table tr[data-app-name="{name}"]')


def test_a_reloaded_result_page_says_the_app_exists_and_makes_no_second_one(page, server):
    from playwright.sync_api import expect

    sign_in(page, server)
    add_scim_app(page, "oracle", "Oracle reload")
    expect(page.locator("h1")).to_have_text("Oracle reload is ready")
    token = page.locator("#bearer-token").inner_text().strip()
    assert len(token) >= 43

    page.reload()
    expect(page.locator("h1")).to_have_text("Oracle reload exists")
    expect(page.locator("#app-exists")).to_contain_text("nothing was created again")
    expect(page.locator("#bearer-token")).to_have_count(0)
    expect(page.locator("#exists-rotate")).to_have_attribute("href", re.compile(r"/apps/\d+/rotate$"))
    assert token not in page.content()

    page.go_back()  # the name step again, as Back shows it; the same name saved again
    page.wait_for_url(f"**{WIZARD}/details?**")
    page.locator("#app-name").fill("Oracle reload")
    page.locator("#wizard-save").click()
    expect(page.locator("#app-exists")).to_be_visible()
    expect(rows_named(page, server, "Oracle reload")).to_have_count(1)
    assert scim(server, "GET", "/Users?count=1", token)[0] == 200  # the token shown first still works


def test_the_idps_first_request_shows_on_activity_and_its_last_on_configured_idps(page, server):
    from playwright.sync_api import expect

    sign_in(page, server)
    add_scim_app(page, "oracle", "Oracle connects")
    token = page.locator("#bearer-token").inner_text().strip()
    status, body = scim(server, "GET", "/Users?count=1", token)  # Oracle's Test Connectivity
    assert status == 200 and body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]

    page.locator("#oracle-activity").click()  # the result page's own link: Activity for this app
    page.wait_for_url(f"**{ADMIN}/activity?**")
    connection = page.locator('tr[data-operation="connect"]')
    expect(connection).to_have_count(1)
    expect(connection).to_contain_text("Oracle IDCS connected: GET /Users → 200")
    expect(connection).to_contain_text("Oracle connects")

    row = rows_named(page, server, "Oracle connects")
    last = row.locator("td.last-request")
    expect(last.locator("time")).to_have_text("less than a minute ago")
    expect(last.locator(".request")).to_have_attribute("data-status", "200")
    expect(last.locator(".request")).to_contain_text("GET")


def test_a_rest_api_app_saved_untested_asks_first_in_place(page, server, idp):
    from playwright.sync_api import expect

    from .test_rest_sync_flow import start_wizard

    sign_in(page, server)
    start_wizard(page, "oracle", "Oracle untested")
    page.get_by_label("Domain URL").fill(idp.url)
    page.get_by_label("Client ID").fill(idp.client_id)
    page.get_by_label("Client secret").fill(idp.client_secret)
    page.locator("#wizard-save").click()
    asked = page.locator("#save-unconfirmed")
    expect(asked).to_contain_text("Test connection has not run with these settings. Save anyway?")
    assert "/configure/connection?" in page.url  # asked in place: nothing was sent
    expect(rows_named(page.context.new_page(), server, "Oracle untested")).to_have_count(0)

    page.get_by_role("button", name="Save anyway").click()
    page.wait_for_url("**/sync?created=1")
    expect(page.locator("h1")).to_have_text("Oracle untested is ready")
