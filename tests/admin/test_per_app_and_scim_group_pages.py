"""Counts per app where a column says per app, apps named only where they provisioned, and each SCIM group's
own page, linked wherever a SCIM group is listed."""

import re

import pytest

from models import HostGroup, db
from store.tenancy import apps
from tests.conftest import ScimClient

from .pages import ADMIN, PATCH_OP, provision, text

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture
def okta(app):
    """A second app, Okta, in the same directory as the Oracle one; a SCIM client speaking as it."""
    with db.connection_context():
        _, token = apps.create("Okta", "okta")
    return ScimClient(app.test_client(), token)


def push_group(scim, name, *user_ids):
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": name,
                                          "members": [{"value": user_id} for user_id in user_ids]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def counts_of(html, name):
    row = re.search(rf'<tr id="app-\d+" data-app-name="{re.escape(name)}">.*?</tr>', html, re.S).group(0)
    return re.findall(r'<td class="count"[^>]*>(\d+)</td>', row)


def host_group_id(name):
    with db.connection_context():
        return HostGroup.get(HostGroup.name == name).id


def test_configured_idps_counts_users_and_groups_per_app_not_per_directory(admin, scim, okta, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"default_groups": ["staff"]})
    provision(scim, "bjensen")  # Oracle: a user, and the host group staff it made
    asmith = provision(okta, "asmith")
    push_group(okta, "Sales", asmith)  # Okta: a user, and the host group Sales
    push_group(okta, "Marketing", asmith)
    html = admin.get(ADMIN + "/").get_data(as_text=True)
    assert counts_of(html, idp_app[0].name) == ["1", "1"]
    assert counts_of(html, "Okta") == ["1", "2"]
    assert 'title="Host groups this app created"' in html


def test_a_host_group_names_only_the_apps_that_provisioned_members_of_the_scim_group_feeding_it(
        admin, scim, okta, idp_app):
    for name in (idp_app[0].name, "Okta"):
        with db.connection_context():
            apps.set_options(name, {"group_mapping": {"Engineering": ["jira-developers"]}})
    bjensen = provision(scim, "bjensen")
    engineering = push_group(scim, "Engineering", bjensen)
    page = admin.get(f"{ADMIN}/groups/{host_group_id('jira-developers')}").get_data(as_text=True)
    feeders = re.search(r'<tr data-scim-group="Engineering">.*?</tr>', page, re.S).group(0)
    assert f"<td><bdi>{idp_app[0].name}</bdi></td>" in feeders  # Okta maps it too, but provisioned none of its members
    asmith = provision(okta, "asmith")
    assert okta.patch(f"/Groups/{engineering}", json={"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": asmith}]}]}).status_code in (200, 204)
    page = admin.get(f"{ADMIN}/groups/{host_group_id('jira-developers')}").get_data(as_text=True)
    feeders = re.search(r'<tr data-scim-group="Engineering">.*?</tr>', page, re.S).group(0)
    assert f"<td><bdi>Okta</bdi>, <bdi>{idp_app[0].name}</bdi></td>" in feeders


def test_a_scim_group_has_its_page(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_mapping": {"Engineering": ["jira-developers", "later"]}})
    bjensen = provision(scim, "bjensen", displayName="Barbara Jensen")
    nested = push_group(scim, "Platform")
    engineering = push_group(scim, "Engineering", bjensen)
    assert scim.patch(f"/Groups/{engineering}", json={"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "members", "value": [{"value": nested}]}]}).status_code in (200, 204)
    with db.connection_context():
        HostGroup.delete().where(HostGroup.name == "later").execute()
    response = admin.get(f"{ADMIN}/groups/scim/{engineering}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<h1 id="scim-group-heading"><bdi>Engineering</bdi></h1>' in html
    assert re.search(r'<dt>User members</dt><dd id="scim-group-users">1</dd>', html)
    assert f'href="{ADMIN}/users/{bjensen}">bjensen</a>' in html and "Barbara Jensen" in html
    assert f'href="{ADMIN}/groups/scim/{nested}">Platform</a>' in html  # a nested group links to its page
    targets = re.search(r'id="scim-group-targets".*?</table>', html, re.S).group(0)
    assert f'href="{ADMIN}/groups/{host_group_id("jira-developers")}">jira-developers</a>' in targets
    assert "later</span> <span class=\"muted\">(made with its first member)</span>" in targets
    assert re.findall(r'<tr data-operation="([^"]+)" data-outcome="applied">', html)[-1] == "create-group"
    assert 'aria-label="Breadcrumb"' in html and f'href="{ADMIN}/groups/scim">SCIM groups</a>' in html


def test_a_scim_groups_history_leaves_out_the_host_group_of_the_same_name(admin, scim):
    sales = push_group(scim, "Sales", provision(scim, "bjensen"))  # unmapped: a host group "Sales" is made
    activity = admin.get(ADMIN + "/activity?user=Sales").get_data(as_text=True)
    assert 'data-operation="host-group"' in activity  # the host group's event, also named Sales
    html = admin.get(f"{ADMIN}/groups/scim/{sales}").get_data(as_text=True)
    assert re.findall(r'<tr data-operation="([^"]+)" data-outcome="applied">', html) == ["create-group"]


def test_a_scim_group_that_maps_to_nothing_says_why(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_exclude": "^Temp"})
    group = push_group(scim, "Temporary")
    page = text(admin.get(f"{ADMIN}/groups/scim/{group}"))
    assert "None: it matches group_exclude '^Temp'" in page


def test_scim_group_names_link_to_their_page_wherever_they_are_listed(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_mapping": {"Engineering": ["jira-developers"]}})
    bjensen = provision(scim, "bjensen")
    engineering = push_group(scim, "Engineering", bjensen)
    link = f'href="{ADMIN}/groups/scim/{engineering}">Engineering</a>'
    assert link in admin.get(ADMIN + "/groups/scim").get_data(as_text=True)  # the list
    assert link in admin.get(f"{ADMIN}/users/{bjensen}").get_data(as_text=True)  # a member's page
    assert link in admin.get(f"{ADMIN}/groups/{host_group_id('jira-developers')}").get_data(as_text=True)  # fed
    assert link in admin.get(ADMIN + "/activity?operation=create-group").get_data(as_text=True)  # its events
    assert scim.delete(f"/Groups/{engineering}").status_code == 204
    activity = admin.get(ADMIN + "/activity?operation=delete-group").get_data(as_text=True)
    assert link not in activity and ">Engineering</span>" in activity  # gone: named, not linked
