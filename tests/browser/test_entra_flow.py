"""Microsoft Entra ID through the REST API method in a real browser: the wizard asks for the tenant, the app
registration's client ID and secret, and (folded) the login and Graph hosts, here a fake Microsoft Graph on
loopback (tests/fakes/graph.py); Test connection counts its users and groups; Save, Synchronize now, and the
pulled users are on the Users page.
"""

import pytest

from tests.fakes.graph import graph_api  # noqa: F401  (the fixture)

from .test_rest_sync_flow import RUN_TIMEOUT_MS, start_wizard
from .test_setup_flow import ADMIN, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]


def test_entra_app_from_the_wizard_to_synchronized_users(page, server, graph_api):  # noqa: F811
    from playwright.sync_api import expect

    users = [graph_api.add_user(name) for name in ("alice", "bob", "carol")]
    graph_api.add_group("Engineering", users)
    sign_in(page, server)
    start_wizard(page, "entra", "Entra pull")
    expect(page.locator("#entra-source-help")).to_contain_text("Directory.Read.All")

    page.get_by_label("Tenant ID").fill(graph_api.tenant_id)
    page.get_by_label("Client ID").fill(graph_api.client_id)
    page.get_by_label("Client Secret").fill("not-the-secret")
    login_url = page.get_by_label("Login URL")
    expect(login_url).to_be_hidden()  # folded under Advanced settings
    page.locator("#advanced-settings > summary").click()
    login_url.fill(graph_api.url)
    page.get_by_label("Graph URL").fill(graph_api.url)
    page.get_by_role("button", name="Test connection").click()
    outcome = page.locator("#test-outcome")
    expect(outcome).to_have_attribute("data-stage", "token")
    expect(outcome).to_contain_text("Certificates & secrets")

    page.get_by_label("Client Secret").fill(graph_api.client_secret)
    page.get_by_role("button", name="Test connection").click()
    expect(outcome).to_have_attribute("data-ok", "true")
    expect(outcome).to_contain_text("Connected: 3 users, 1 group")

    page.locator("#wizard-save").click()
    page.wait_for_url("**/sync?created=1")
    expect(page.locator("h1")).to_have_text("Entra pull is ready")
    expect(page.locator("#source-described")).to_contain_text(graph_api.tenant_id)
    expect(page.locator("#source-changes")).to_contain_text("Microsoft Graph delta links")
    assert graph_api.client_secret not in page.content()

    page.locator("#sync-now").click()
    expect(page.locator("#run-status")).to_have_attribute("data-status", "succeeded", timeout=RUN_TIMEOUT_MS)
    expect(page.locator("#run-summary")).to_contain_text("3 created")

    page.locator("#run-users").click()
    page.wait_for_url(f"**{ADMIN}/users?app=*")
    for user in users:
        expect(page.locator(f'[data-username="{user["userPrincipalName"]}"]')).to_contain_text("Active")
