"""The Users pages: users arriving over SCIM, their status, search, filters, paging and each one's history."""

import re

import pytest

from models import Directory, User, db
from store.resources import users as user_store
from store.tenancy import apps, directories

from .pages import (
    ADMIN,
    GROUP,
    USER,
    assert_sign_in_required,
    deactivate,
    page,
    provision,
    row,
    rows,
    seed,
)

# --- sign-in -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("method, path", [("get", "/users"), ("get", "/users/some-id")])
def test_the_users_pages_need_a_signed_in_admin(anonymous, method, path):
    assert_sign_in_required(anonymous, method, path)


# --- users arriving ----------------------------------------------------------------------------------

def test_a_user_pushed_over_scim_shows_up_active(admin, scim, idp_app):
    provision(scim, "bjensen@example.com", displayName="Barbara Jensen",
              emails=[{"value": "babs@example.org"}, {"value": "bjensen@example.com", "primary": True}])
    html = page(admin)
    line = row(html, "bjensen@example.com")
    assert ">bjensen@example.com</a>" in line and "Barbara Jensen" in line
    assert '<td><span class="cut" dir="auto">bjensen@example.com</span></td>' in line  # the primary email, not the first
    assert idp_app[0].name in line
    assert "; all in" in html and ">Confluence Internal Directory</span>" in html  # the one directory, said once
    assert 'data-status="active">Active</span>' in line
    assert "Users 1–1 of 1" in html
    assert f'href="{ADMIN}/users" aria-current="page">Users</a>' in html  # in the navigation


def test_a_scim_deactivation_turns_the_lozenge_inactive_and_shows_in_the_activity(admin, scim):
    user_id = provision(scim, "bjensen")
    deactivate(scim, user_id)
    line = row(page(admin), "bjensen")
    assert 'data-status="inactive">Inactive</span>' in line and 'data-status="active"' not in line
    activity = admin.get(ADMIN + "/activity?operation=update-user").get_data(as_text=True)
    assert "deactivated host user &#39;bjensen&#39;" in activity and "active: true → false" in activity


def test_a_scim_delete_keeps_the_user_inactive_and_unlinked(admin, scim):
    user_id = provision(scim, "bjensen")
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    line = row(page(admin), "bjensen")
    assert "Inactive</span>" in line and 'data-status="unlinked">Unlinked from SCIM</span>' in line
    html = admin.get(f"{ADMIN}/users/{user_id}").get_data(as_text=True)
    assert "Unlinked from SCIM" in html and "The IdP deleted this user over SCIM" in html
    assert 'data-operation="deactivate-user"' in html


def test_the_idp_username_is_shown_when_the_username_rule_rewrote_it(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"username_regex": "(.*)@.*", "username_replacement": "$1"})
    provision(scim, "bjensen@example.com")
    provision(scim, "plain")
    html = page(admin)
    rewritten = row(html, "bjensen@example.com")
    assert ">bjensen</a>" in rewritten and '<td><span class="cut" dir="auto">bjensen@example.com</span></td>' in rewritten
    assert 'data-host-username="bjensen"' in rewritten
    assert 'title="Same as the host username"' in row(html, "plain")


# --- search, filters, paging -------------------------------------------------------------------------

def test_search_finds_usernames_names_and_emails_ignoring_case(admin, scim):
    provision(scim, "bjensen", displayName="Barbara Jensen")
    provision(scim, "jsmith", name={"givenName": "John", "familyName": "Smith"},
              emails=[{"value": "John.Smith@Example.COM"}])
    provision(scim, "adoe", displayName="Alice Doe")
    assert rows(page(admin, "?q=BJEN")) == ["bjensen"]
    assert rows(page(admin, "?q=barbara")) == ["bjensen"]
    assert rows(page(admin, "?q=john%20smith")) == ["jsmith"]
    assert rows(page(admin, "?q=john.smith%40example.com")) == ["jsmith"]
    assert rows(page(admin, "?q=nobody")) == [] and "No user matches" in page(admin, "?q=nobody")
    assert 'value="BJEN"' in page(admin, "?q=BJEN")  # the search box keeps what was asked
    provision(scim, "a_b")
    provision(scim, "axb")
    provision(scim, "100%")
    assert rows(page(admin, "?q=a_b")) == ["a_b"]  # LIKE's wildcards are taken literally
    assert rows(page(admin, "?q=%25")) == ["100%"]


def test_filter_by_status(admin, scim):
    provision(scim, "active1")
    deactivate(scim, provision(scim, "inactive1"))
    scim.delete(f"/Users/{provision(scim, 'gone1')}")
    assert rows(page(admin, "?status=active")) == ["active1"]
    assert rows(page(admin, "?status=inactive")) == ["gone1", "inactive1"]
    assert rows(page(admin, "?status=unlinked")) == ["gone1"]
    assert '<option value="inactive" selected>' in page(admin, "?status=inactive")
    with db.connection_context():  # an unassigned active counts as active
        User.update(active=None).where(User.user_name == "active1").execute()
    assert rows(page(admin, "?status=active")) == ["active1"]
    assert "Active</span>" in row(page(admin), "active1")


def test_filter_by_directory_and_by_app(admin, scim, idp_app):
    provision(scim, "oracle-user")
    with db.connection_context():
        other, _ = apps.create("Okta", "okta")
        remote = directories.create("Remote Directory")
        default = Directory.default()
        user_store.insert(remote.id, {"userName": "remote-user"}, "remote-user", None)
    seed(1, app=other, prefix="okta")
    seed(1, prefix="host")
    assert rows(page(admin, f"?app={idp_app[0].id}")) == ["oracle-user"]
    assert rows(page(admin, f"?app={other.id}")) == ["okta000"]
    assert rows(page(admin, "?app=none")) == ["host000", "remote-user"]
    assert rows(page(admin, f"?directory={remote.id}")) == ["remote-user"]
    assert rows(page(admin, f"?directory={default.id}&app=none")) == ["host000"]


def test_users_come_fifty_a_page_in_a_stable_order(admin):
    seed(55)
    first = page(admin)
    assert rows(first) == [f"user{i:03}" for i in range(50)]
    assert "Users 1–50 of 55" in first and "Page 1 of 2" in first
    assert f'rel="next" href="{ADMIN}/users?page=2"' in first and 'rel="prev"' not in first
    second = page(admin, "?page=2")
    assert rows(second) == [f"user{i:03}" for i in range(50, 55)]
    assert f'rel="prev" href="{ADMIN}/users?page=1"' in second and 'rel="next"' not in second
    filtered = page(admin, "?q=user&status=active")
    assert re.search(r'rel="next" href="[^"]*q=user&amp;status=active&amp;page=2"', filtered)  # filters kept
    odd = page(admin, "?endpoint=x&_scheme=javascript&_external=1")  # url_for's own names stay out of links
    assert f'rel="next" href="{ADMIN}/users?page=2"' in odd and "javascript" not in odd.split("<main", 1)[1]


def test_bad_filters_say_so_beside_the_filter_and_the_page_still_works(admin, scim):
    provision(scim, "bjensen")
    html = page(admin, "?page=-3&status=bogus&directory=999&app=nope&q=bjen")
    for field, message in [("page-error", "&#39;-3&#39; is not a page"),
                           ("user-status-error", "There is no status &#39;bogus&#39;"),
                           ("user-directory-error", "There is no directory &#39;999&#39;"),
                           ("user-app-error", "There is no app &#39;nope&#39;")]:
        assert re.search(rf'id="{field}"[^>]*>[^<]*{re.escape(message)}', html), field
    assert 'aria-invalid="true" aria-describedby="user-status-error"' in html
    assert rows(html) == ["bjensen"]  # the bad filters are left out, the good one applies
    assert "There is no page 99; this is the last page (1)." in page(admin, "?page=99")
    assert rows(page(admin, "?page=abc")) == ["bjensen"]
    assert "at most 255 characters" in page(admin, "?q=" + "x" * 300)
    assert "is not a page" in page(admin, "?page=" + "9" * 5000)


def test_the_users_page_runs_a_bounded_number_of_queries(admin, idp_app, monkeypatch):
    seed(50, app=idp_app[0])
    statements = []
    real = db.obj.execute_sql

    def counting(sql, params=None, *args, **kwargs):
        statements.append(sql)
        return real(sql, params, *args, **kwargs)

    monkeypatch.setattr(db.obj, "execute_sql", counting)
    html = page(admin, "?q=user&status=active")
    assert len(rows(html)) == 50
    assert len(statements) <= 10, "\n".join(statements)


# --- one user ----------------------------------------------------------------------------------------

def test_the_user_page_shows_attributes_groups_and_how_each_was_given(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"group_mapping": {"Engineering": ["jira-developers"]},
                                           "default_groups": ["confluence-users"]})
    user_id = provision(scim, "bjensen", displayName="Barbara Jensen", title="Tour Guide",
                        emails=[{"value": "bjensen@example.com", "type": "work", "primary": True}])
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": "Engineering",
                                          "members": [{"value": user_id}]})
    assert response.status_code == 201
    html = admin.get(f"{ADMIN}/users/{user_id}").get_data(as_text=True)
    assert '<h1 id="user-heading"><bdi>bjensen</bdi></h1>' in html and "Tour Guide" in html and "Barbara Jensen" in html
    assert "bjensen@example.com" in html and "(work)" in html
    groups = re.search(r'id="user-host-groups".*?</table>', html, re.S).group(0)
    assert re.search(r'data-group="confluence-users" data-reason="default">.*?Default group</td>\s*<td><bdi>'
                     + re.escape(idp_app[0].name), groups, re.S)
    assert re.search(r'data-group="jira-developers" data-reason="idp-group">.*?IdP group</td>', groups, re.S)
    assert re.search(r'id="user-scim-groups">.*?>Engineering</a>', html, re.S)
    assert admin.get(f"{ADMIN}/users/no-such-user").status_code == 404


def test_the_user_history_lists_its_events_newest_first_with_refusals_by_username(admin, scim):
    user_id = provision(scim, "bjensen")
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 409
    deactivate(scim, user_id)
    provision(scim, "someone-else")
    html = admin.get(f"{ADMIN}/users/{user_id}").get_data(as_text=True)
    history = re.search(r'id="user-history".*?</table>', html, re.S).group(0)
    operations = re.findall(r'<tr data-operation="([^"]+)" data-outcome="([^"]+)"', history)
    assert operations[0] == ("update-user", "applied")
    assert ("create-user", "refused") in operations  # no resource id: found by its userName
    assert operations[-1] == ("create-user", "applied")
    assert "someone-else" not in history
