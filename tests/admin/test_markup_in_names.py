"""Markup in what an IdP sends (userName, displayName, a group's name) is shown as text on every page that names it,
never read as HTML: escaped by the templates, and the CSP would refuse an inline script anyway."""

import pytest
from markupsafe import escape

from .pages import ADMIN, GROUP, provision

USER_NAME = "<img src=x onerror=alert(1)>"
DISPLAY_NAME = "<script>alert(2)</script>"
GROUP_NAME = '"><svg onload=alert(3)>'


@pytest.fixture
def hostile(scim):
    """A user and a group whose names are markup; their ids."""
    user_id = provision(scim, USER_NAME, displayName=DISPLAY_NAME)
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": GROUP_NAME,
                                          "members": [{"value": user_id}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    return user_id, response.get_json()["id"]


def test_every_page_naming_them_shows_them_as_text(admin, hostile):
    user_id, group_id = hostile
    pages = ["/users", f"/users/{user_id}", "/groups", "/groups/scim", f"/groups/scim/{group_id}", "/activity",
             "/groups/1"]
    shown = {}
    for path in pages:
        response = admin.get(ADMIN + path)
        assert response.status_code == 200, path
        body = response.get_data(as_text=True)
        for markup in (USER_NAME, DISPLAY_NAME, GROUP_NAME, "<svg onload", "<img src=x", "<script>alert"):
            assert markup not in body, (path, markup)
        shown[path] = {name for name in (USER_NAME, DISPLAY_NAME, GROUP_NAME) if str(escape(name)) in body}
    assert USER_NAME in shown["/users"] and USER_NAME in shown[f"/users/{user_id}"]
    assert GROUP_NAME in shown["/groups/scim"] and GROUP_NAME in shown[f"/groups/scim/{group_id}"]
    assert USER_NAME in shown[f"/groups/scim/{group_id}"]
    assert USER_NAME in shown["/activity"] and GROUP_NAME in shown["/activity"]
