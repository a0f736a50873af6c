"""The Directories page: every directory with its counts, and the create-directory form."""

import re

import pytest

from models import db
from store.tenancy import apps

from .pages import ADMIN, assert_sign_in_required, provision

INTERNAL = "Confluence Internal Directory"


def directory_row(html, name):
    found = re.search(rf'<tr data-directory="{re.escape(name)}">.*?</tr>', html, re.S)
    assert found, f"no row for {name}"
    return found.group(0)


def submit(admin, form):
    """Open the page (for the form's CSRF token), then post the form."""
    admin.get(ADMIN + "/directories")
    return admin.post(ADMIN + "/directories", data=form)


def count(row, what):
    return int(re.search(rf'data-count="{what}"><a href="[^"]*">(\d+)</a>', row).group(1))


@pytest.mark.parametrize("method, path", [("get", "/directories"), ("post", "/directories")])
def test_the_directories_page_needs_a_signed_in_admin(anonymous, method, path):  # noqa: F811
    assert_sign_in_required(anonymous, method, path)


def test_directories_show_their_users_active_users_groups_and_apps(admin, scim, idp_app):
    provision(scim, "bjensen")
    scim.delete(f"/Users/{provision(scim, 'gone')}")
    with db.connection_context():
        apps.create("Okta", "okta")
    html = admin.get(ADMIN + "/directories").get_data(as_text=True)
    row = directory_row(html, INTERNAL)
    assert (count(row, "users"), count(row, "active_users"), count(row, "groups")) == (2, 1, 1)
    assert ", ".join(sorted(["Okta", idp_app[0].name])) in row
    assert '<span class="lozenge info">Default</span>' in row
    assert f'href="{ADMIN}/users?directory=1&amp;status=active"' in row


def test_create_a_directory(admin):
    response = submit(admin, {"name": "Remote Directory", "description": "LDAP mirror", "position": ""})
    assert response.status_code == 302
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Directory &#39;Remote Directory&#39; created." in html
    row = directory_row(html, "Remote Directory")
    assert "<td>1</td>" in row and "LDAP mirror" in row and "Default" not in row
    assert submit(admin, {"name": "Primary", "position": "0"}).status_code == 302
    html = admin.get(ADMIN + "/directories").get_data(as_text=True)
    assert re.findall(r'<tr data-directory="([^"]+)">', html) == ["Primary", INTERNAL, "Remote Directory"]
    assert "Default</span>" in directory_row(html, "Primary")  # first: the new default directory


def test_a_refused_directory_says_why_beside_the_field_and_keeps_the_input(admin):
    for form, field, message in [
        ({"name": "  ", "description": "kept"}, "directory-name", "must be 1 to 255 characters"),
        ({"name": INTERNAL.upper(), "description": "kept"}, "directory-name", "already exists"),
        ({"name": "Remote", "description": "kept", "position": "first"}, "directory-position", "whole number"),
    ]:
        response = submit(admin, form)
        html = response.get_data(as_text=True)
        assert response.status_code == 400
        assert re.search(rf'id="{field}-error">[^<]*{message}', html), field
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"', html)
        assert ">kept</textarea>" in html and f'value="{form["name"]}"' in html  # the input is kept
        assert directory_row(html, INTERNAL)  # the list is still there
    assert "Remote" not in re.findall(r'<tr data-directory="([^"]+)">', html)


def test_creating_a_directory_needs_the_csrf_token(admin):
    response = admin.client.post(ADMIN + "/directories", data={"name": "Sneaky"})
    assert response.status_code == 400
    assert "Sneaky" not in admin.get(ADMIN + "/directories").get_data(as_text=True)
