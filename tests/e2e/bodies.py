"""SCIM request bodies the load tests send (concurrency, two instances), and how they read answers."""

import re
import uuid

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_user(user_name):
    return {"schemas": [USER], "userName": user_name, "displayName": user_name.title(),
            "name": {"givenName": "Given", "familyName": "Family"},
            "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}]}


def new_group(name, member_ids=()):
    return {"schemas": [GROUP], "displayName": name, "members": [{"value": mid} for mid in member_ids]}


def complete_user(base, variant):
    """A full User body; every attribute differs between variants, so a mix would show."""
    tag = f"v{variant}"
    return {"schemas": [USER], "userName": f"{base}-{tag}", "externalId": f"ext-{base}-{tag}",
            "displayName": f"Display {tag}", "nickName": f"nick-{tag}", "title": f"Title {tag}",
            "userType": f"Type{variant}", "preferredLanguage": "en", "active": True,
            "name": {"givenName": f"Given{variant}", "familyName": f"Family{variant}",
                     "formatted": f"Given{variant} Family{variant}"},
            "emails": [{"value": f"{base}-{tag}@example.com", "type": "work", "primary": True},
                       {"value": f"{base}-{tag}@home.example.com", "type": "home"}],
            "phoneNumbers": [{"value": f"+1-555-010{variant}", "type": "work"}]}


def patch(*operations):
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def add_members(member_ids):
    return {"op": "add", "path": "members", "value": [{"value": mid} for mid in member_ids]}


def remove_member(member_id):
    return {"op": "remove", "path": f'members[value eq "{member_id}"]'}


def remove_members_entra(member_ids):
    """Entra ID's form: path "members" and the values to drop."""
    return {"op": "remove", "path": "members", "value": [{"value": mid} for mid in member_ids]}


def version_of(body):
    """The integer in a W/"n" meta.version."""
    match = re.fullmatch(r'W/"(\d+)"', body["meta"]["version"])
    assert match, body["meta"]
    return int(match.group(1))


def writable(body):
    """What a client wrote: the document without id, meta, schemas and the read-only groups."""
    return {key: value for key, value in body.items() if key not in ("id", "meta", "schemas", "groups")}
