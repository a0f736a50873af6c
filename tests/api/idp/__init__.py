"""Replays of each IdP's documented provisioning traffic; what the modules share.

Each module is named after one IdP and its docstring names the sources it replays. The
helpers here only build requests and check the envelope every IdP relies on (status,
``application/scim+json``); what an IdP reads back is asserted in its own module.
"""

import json
import uuid

from tests.conftest import SCIM_JSON, ScimClient

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"


class IdpClient(ScimClient):
    """A SCIM client that sends an IdP's fixed headers with every request."""

    def __init__(self, client, token, headers=None):
        super().__init__(client, token)
        self.headers = headers or {}

    def request(self, method, path, json=None, headers=None, **kwargs):
        return super().request(method, path, json=json, headers={**self.headers, **(headers or {})}, **kwargs)

    def raw(self, method, path, text, content_type=SCIM_JSON, headers=None):
        """Send a body exactly as captured (key order, spacing and all)."""
        return self.request(method, path, headers={"Content-Type": content_type, **(headers or {})},
                            data=text.encode())


def connect(app, provider, headers=None):
    """A new IdP app of this provider with its own token, and a client speaking as it."""
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        record, token = apps.create(f"{provider} {uuid.uuid4().hex[:8]}", provider)
    client = IdpClient(app.test_client(), token, headers)
    client.directory_id = record.directory_id
    return client


def scim_body(response, status):
    """The JSON body of a response that must have this status and the SCIM media type."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith(SCIM_JSON), response.headers["Content-Type"]
    return response.get_json(force=True)


def listing(response):
    """A 200 ListResponse body with integer counters (Okta and Oracle parse them as numbers)."""
    body = scim_body(response, 200)
    assert body["schemas"] == [LIST_RESPONSE]
    for counter in ("totalResults", "startIndex", "itemsPerPage"):
        assert type(body[counter]) is int, (counter, body[counter])
    assert body["itemsPerPage"] == len(body.get("Resources", []))
    return body


def patched(client, path, *operations, status=(200, 204)):
    """PATCH a PatchOp; Okta and Entra accept 200 with the resource or 204 without one."""
    response = client.patch(path, json={"schemas": [PATCH_OP], "Operations": list(operations)})
    assert response.status_code in status, response.get_data(as_text=True)
    if response.status_code == 200:
        assert response.headers["Content-Type"].startswith(SCIM_JSON)
    return response


def error_body(response, status):
    """RFC 7644 §3.12: an Error with ``status`` as a string and a non-empty detail."""
    body = scim_body(response, status)
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    assert body.get("detail")
    return body


def member_ids(group):
    """The member ids of a group document (absent members: none)."""
    return sorted(member["value"] for member in group.get("members") or ())


def seed_users(client, count, prefix="user"):
    """Insert count users through the store in one transaction (fast setup for paging); returns their ids."""
    from models import db
    from store.resources import users

    ids = []
    with db.connection_context(), db.atomic():
        for index in range(count):
            name = f"{prefix}{index:04d}@example.com"
            doc = {"userName": name, "active": True,
                   "name": {"givenName": "Given", "familyName": f"Family{index:04d}"},
                   "emails": [{"value": name, "type": "work", "primary": True}]}
            ids.append(users.insert(client.directory_id, doc, name, None))
    return ids


def seed_groups(client, count, prefix="group"):
    """Insert count empty groups in bulk; returns their ids."""
    from models import Group, db, new_id

    groups = [{"id": new_id(), "directory": client.directory_id, "display_name": f"{prefix}{index:04d}",
               "display_name_lower": f"{prefix}{index:04d}"} for index in range(count)]
    with db.connection_context(), db.atomic():
        for start in range(0, count, 50):
            Group.insert_many(groups[start:start + 50]).execute()
    return [group["id"] for group in groups]


def dumps(body):
    """A compact JSON text, as most IdPs put it on the wire."""
    return json.dumps(body, separators=(",", ":"))
