"""Canonical documents to response bodies: schemas, meta.location, $ref, key order."""

from . import constants

_FIRST = ("schemas", "id", "externalId")


def resource(rtype, doc, base_url):
    """The response body of one resource under base_url (no trailing slash)."""
    body = {"schemas": [schema.id for schema in rtype.schemas
                        if schema is rtype.schema or doc.get(schema.id)]}
    body.update({key: doc[key] for key in _FIRST[1:] if key in doc})
    body.update({key: value for key, value in doc.items() if key not in _FIRST and key != "meta"})
    if "meta" in doc:
        body["meta"] = {**doc["meta"], "location": location(base_url, rtype, doc["id"])}
    _add_refs(body, base_url)
    return body


def location(base_url, rtype, resource_id):
    """The absolute URI of a resource."""
    return f"{base_url}{rtype.endpoint}/{resource_id}"


def _add_refs(body, base_url):
    """RFC 7643 §4.1.2 / §4.2: absolute $ref for groups, members and the manager."""
    for entry in body.get("groups", ()):
        entry["$ref"] = f"{base_url}/Groups/{entry['value']}"
    members = body.get("members", ())
    for entry in members if isinstance(members, list) else ():  # else rendered by the store, $ref included
        kind = "Groups" if entry.get("type") == "Group" else "Users"
        entry["$ref"] = f"{base_url}/{kind}/{entry['value']}"
    manager = body.get(constants.ENTERPRISE_USER, {}).get("manager")
    if manager and manager.get("value"):
        manager["$ref"] = f"{base_url}/Users/{manager['value']}"


def list_response(resources, total, start_index):
    """RFC 7644 §3.4.2: a ListResponse page."""
    return {
        "schemas": [constants.LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
