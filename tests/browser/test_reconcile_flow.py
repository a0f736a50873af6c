"""Options applied to the users already provisioned, in a real browser: users pushed over SCIM in an IdP group,
a mapping typed on the options page, the summary of what saving does refreshed as it is typed, Save with
"Also apply to users already provisioned", and the host group's members on its page.
"""

import json
import re

import pytest

from .test_setup_flow import ADMIN, scim, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def pushed(server, name, prefix, group):
    """An Oracle app made with the CLI whose IdP pushed four users in the IdP group group; their userNames."""
    created = server.cli_here("apps", "create", "--name", name, "--provider", "oracle", "--json")
    assert created.returncode == 0, created.stderr
    app = json.loads(created.stdout)
    people, ids = [f"{prefix}{n:02}@example.com" for n in range(4)], []
    for user_name in people:
        status, user = scim(server, "POST", "/Users", app["token"], {"schemas": [USER], "userName": user_name})
        assert status == 201
        ids.append(user["id"])
    status, _ = scim(server, "POST", "/Groups", app["token"], {
        "schemas": [GROUP], "displayName": group, "members": [{"value": uid} for uid in ids]})
    assert status == 201
    return people


def test_a_mapping_saved_with_also_apply_reaches_the_users_already_provisioned(page, server, screenshot):
    from playwright.sync_api import expect

    name = "Acme reconcile"
    people = pushed(server, name, "acme.user", "acme-group-01")
    sign_in(page, server)
    page.get_by_role("link", name=f"Provisioning options for {name}").click()
    line = page.locator("#effect-line")
    expect(line).to_have_text("All 4 users already provisioned follow the saved options: nothing to apply.")
    expect(page.locator("#apply")).to_be_disabled()

    page.locator("#mapping-0-idp").fill("acme-group-01")
    page.locator("#mapping-0-host").fill("jira-developers")
    expect(line).to_have_text("Saving changes 4 users already provisioned: 4 join jira-developers, "
                              "4 leave acme-group-01, 1 host group created.")
    expect(page.locator("#effect-status")).to_have_text(re.compile(r"^Saving changes 4 users"))
    expect(page.locator("#apply")).to_be_enabled()
    expect(page.locator("#apply")).to_be_checked()
    details = page.locator("#effect-details")
    expect(details.locator("#effect-changes")).not_to_be_visible()
    details.locator("summary").click()
    joins = details.locator('#effect-changes tr[data-kind="join"]')
    expect(joins).to_have_count(4)
    expect(joins.first).to_contain_text("jira-developers")
    expect(joins.first).to_contain_text("IdP group 'acme-group-01'")
    page.locator("#effect").scroll_into_view_if_needed()
    screenshot(page, "provisioning-options-effect")

    page.locator("#save").click()
    page.wait_for_url(re.compile(r".*/apps/\d+/options$"))
    expect(page.get_by_role("status").filter(has_text="Applied to")).to_contain_text(
        "Applied to 4 users already provisioned: 4 join jira-developers, 4 leave acme-group-01, "
        "1 host group created.")
    expect(line).to_have_text("All 4 users already provisioned follow the saved options: nothing to apply.")

    page.locator("#reconcile-activity").click()
    page.wait_for_url(f"**{ADMIN}/activity?**")
    expect(page.locator('tr[data-operation="reconcile"]').first).to_be_visible()

    page.goto(server.url + ADMIN + "/groups")
    page.locator('tr[data-group="jira-developers"] a').first.click()
    members = page.locator("#group-members tbody tr")
    expect(members).to_have_count(4)
    for user_name in people:
        expect(page.locator(f'#group-members tr[data-username="{user_name}"]')).to_have_count(1)


def test_re_apply_options_from_configured_idps_shows_the_plan_then_the_result(page, server):
    from playwright.sync_api import expect

    name = "Acme re-apply"
    pushed(server, name, "acme.other", "acme-group-02")
    assert server.cli_here("apps", "map", name, "acme-group-02", "confluence-users").returncode == 0
    sign_in(page, server)
    page.get_by_role("link", name=f"Re-apply options of {name}").click()
    expect(page.locator("h1")).to_have_text(f"Re-apply options: {name}")
    expect(page.locator("#effect-line")).to_have_text(
        "4 users already provisioned do not follow the saved options yet: 4 join confluence-users, "
        "4 leave acme-group-02.")
    page.locator("#reapply-confirm").click()
    expect(page.locator("h1")).to_have_text(f"Options re-applied: {name}")
    expect(page.locator("#effect-line")).to_have_text(
        "Applied to 4 users already provisioned: 4 join confluence-users, 4 leave acme-group-02.")
    page.locator("#back-to-options").click()
    expect(page.locator("#effect-line")).to_have_text(
        "All 4 users already provisioned follow the saved options: nothing to apply.")
