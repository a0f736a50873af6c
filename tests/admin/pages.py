"""Helpers for the admin page tests: provisioning through SCIM, seeding users, reading rows."""

import html
import re

from models import Directory, db
from store.resources import users as user_store

ADMIN = "/plugins/servlet/usersync/admin"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def assert_sign_in_required(client, method, path):
    response = client.open(ADMIN + path, method=method.upper())
    assert response.status_code == 302, response.get_data(as_text=True)
    assert "/admin/login" in response.headers["Location"]


def provision(scim, user_name, **extra):
    """POST /Users as the IdP would; returns the new user's id."""
    response = scim.post("/Users", json={"schemas": [USER], "userName": user_name, **extra})
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["id"]


def deactivate(scim, user_id):
    response = scim.patch(f"/Users/{user_id}", json={
        "schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "active", "value": False}]})
    assert response.status_code == 200, response.get_data(as_text=True)


def seed(count, app=None, prefix="user"):
    """count users straight into the default directory's store (fast), named prefix000, prefix001, ..."""
    with db.connection_context(), db.atomic():
        directory = Directory.default()
        for i in range(count):
            name = f"{prefix}{i:03}"
            user_store.insert(directory.id, {"userName": name, "displayName": f"Person {i:03}",
                                             "emails": [{"value": f"{name}@example.com", "primary": True}]},
                              name, app.id if app else None)


def page(admin, query=""):
    response = admin.get(ADMIN + "/users" + query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def rows(html):
    """The data-username of every user row, in order."""
    return re.findall(r'<tr data-username="([^"]*)"', html)


def row(html, user_name):
    """The HTML of one user's row."""
    found = re.search(rf'<tr data-username="{re.escape(user_name)}".*?</tr>', html, re.S)
    assert found, f"no row for {user_name}"
    return found.group(0)


def text(response):
    """The page with entities decoded and whitespace runs as one space."""
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def found(pattern, response):
    """The first group of pattern in the page, entities decoded and whitespace runs as one space."""
    match = re.search(pattern, response.get_data(as_text=True), re.DOTALL)
    assert match, f"{pattern!r} not in the page"
    return " ".join(html.unescape(match.group(1)).split())
