"""The Groups pages: host groups and their members, what feeds them, and the SCIM groups (the IdP's view)."""

import re

import pytest

from models import Directory, HostGroup, HostMembership, User, db
from store.tenancy import apps, directories

from .pages import ADMIN, assert_sign_in_required, provision, seed

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
INTERNAL = "Confluence Internal Directory"


def push_group(scim, name, *user_ids):
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": name,
                                          "members": [{"value": user_id} for user_id in user_ids]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def page(admin, path):
    response = admin.get(ADMIN + path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def group_rows(html, attribute="data-group"):
    return re.findall(rf'<tr {attribute}="([^"]*)"', html)


def group_id(name):
    with db.connection_context():
        return HostGroup.get(HostGroup.name == name).id


@pytest.mark.parametrize("method, path", [("get", "/groups"), ("get", "/groups/1"), ("get", "/groups/scim")])
def test_the_groups_pages_need_a_signed_in_admin(anonymous, method, path):  # noqa: F811
    assert_sign_in_required(anonymous, method, path)


def test_host_groups_show_directory_member_count_and_creator(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"default_groups": ["confluence-users", "staff"]})
    provision(scim, "bjensen")
    provision(scim, "jsmith")
    html = page(admin, "/groups")
    assert group_rows(html) == ["confluence-users", "staff"]
    seeded = re.search(r'<tr data-group="confluence-users">.*?</tr>', html, re.S).group(0)
    assert 'data-members="2"' in seeded and "<td>Host</td>" in seeded
    assert "; all in" in html and f">{INTERNAL}</span>" in html  # the one directory, said once
    created = re.search(r'<tr data-group="staff">.*?</tr>', html, re.S).group(0)
    assert f'<td><span class="cut" dir="auto">{idp_app[0].name}</span></td>' in created and 'data-members="2"' in created


def test_host_groups_search_filter_and_page(admin):
    with db.connection_context(), db.atomic():
        remote = directories.create("Remote Directory")
        for i in range(55):
            HostGroup.create(directory=Directory.default(), name=f"team-{i:02}", name_lower=f"team-{i:02}")
        HostGroup.create(directory=remote, name="Remote-Team", name_lower="remote-team")
    assert group_rows(page(admin, "/groups?q=TEAM-0")) == [f"team-{i:02}" for i in range(10)]
    assert group_rows(page(admin, f"/groups?directory={remote.id}")) == ["Remote-Team"]
    first, second = page(admin, "/groups?q=team"), page(admin, "/groups?q=team&page=2")
    assert len(group_rows(first)) == 50 and 'rel="next"' in first and "Host groups 1–50 of 56" in first
    assert group_rows(second)[-1] == "team-54" and 'rel="prev"' in second
    bad = page(admin, "/groups?directory=x&page=0")
    assert "There is no directory &#39;x&#39;" in bad and "is not a page" in bad and len(group_rows(bad)) == 50


def test_a_group_page_lists_members_with_how_each_came_and_the_scim_groups_feeding_it(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_mapping": {"Engineering": ["jira-developers"]},
                                           "default_groups": ["jira-developers"]})
    bjensen = provision(scim, "bjensen", displayName="Barbara Jensen")
    jsmith = provision(scim, "jsmith")
    push_group(scim, "Engineering", jsmith)
    html = page(admin, f"/groups/{group_id('jira-developers')}")
    assert '<h1 id="group-heading"><bdi>jira-developers</bdi></h1>' in html
    members = re.findall(r'<tr data-username="([^"]+)" data-reason="([^"]+)">', html)
    assert members == [("bjensen", "default"), ("jsmith", "default")]
    assert "Barbara Jensen" in html and idp_app[0].name in html
    feeders = re.search(r'id="group-feeders".*?</table>', html, re.S).group(0)
    assert re.search(r'data-scim-group="Engineering">.*?<td>1</td>\s*<td><bdi>' + re.escape(idp_app[0].name),
                     feeders, re.S)
    assert f"A default group of <bdi>{idp_app[0].name}</bdi>." in html
    assert f'href="{ADMIN}/users/{bjensen}"' in html  # members link to their user page
    assert admin.get(ADMIN + "/groups/999").status_code == 404


def test_a_scim_group_feeds_the_host_group_of_its_own_name_unless_filtered_out(admin, scim, idp_app):
    user_id = provision(scim, "bjensen")
    push_group(scim, "Sales", user_id)
    html = page(admin, f"/groups/{group_id('Sales')}")
    assert 'data-scim-group="Sales"' in html
    assert re.findall(r'data-reason="([^"]+)"', html) == ["idp-group"]
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_exclude": "^Sales$"})
    assert "No SCIM group feeds this host group." in page(admin, f"/groups/{group_id('Sales')}")


def test_a_group_page_pages_its_members(admin):
    seed(52)
    with db.connection_context(), db.atomic():
        group = HostGroup.get(HostGroup.name == "confluence-users")
        HostMembership.insert_many([{"group": group.id, "user": uid} for (uid,) in User.select(User.id).tuples()]
                                   ).execute()
    second = page(admin, f"/groups/{group.id}?page=2")
    assert re.findall(r'<tr data-username="([^"]+)" data-reason="manual">', second) == ["user050", "user051"]
    assert "Members 51–52 of 52" in second and "Host or admin" in second
    assert f'rel="prev" href="{ADMIN}/groups/{group.id}?page=1"' in second


def test_scim_groups_are_listed_per_directory_with_member_counts(admin, scim):
    users = [provision(scim, f"user{i}") for i in range(3)]
    engineering = push_group(scim, "Engineering", *users)
    push_group(scim, "Everyone", users[0])
    scim.patch(f"/Groups/{engineering}", json={
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "add", "path": "members", "value": [
            {"value": scim.post("/Groups", json={"schemas": [GROUP], "displayName": "Nested"}).get_json()["id"]}]}]})
    html = page(admin, "/groups/scim")
    assert group_rows(html, "data-scim-group") == ["Engineering", "Everyone", "Nested"]
    row = re.search(r'<tr data-scim-group="Engineering">.*?</tr>', html, re.S).group(0)
    assert 'data-members="3"' in row and "<td>1</td>" in row  # 3 users, 1 nested group
    assert f">{INTERNAL}</span>" in html
    assert 'aria-current="page">SCIM groups' in html
    assert group_rows(page(admin, "/groups/scim?q=every"), "data-scim-group") == ["Everyone"]
    assert "There is no directory" in page(admin, "/groups/scim?directory=42")
