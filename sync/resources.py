"""What every source's client yields: SCIM 2.0 shaped users and groups (RFC 7643 §4.1, §4.2), whatever its API.

The pull engine applies a source user as a SCIM PUT of the same document would be, so a connector to
a non-SCIM API (Graph, Okta, Keycloak, Google) maps its records here and nothing downstream changes.
A resource the source reports deleted is yielded as ``removed(id)``: the engine removes it at once.
"""

REMOVED = "urn:usersync:removed"  # a key no SCIM resource has: the source said this resource is gone


def user(source_id, user_name, *, given=None, family=None, display=None, email=None, active=True,
         modified=None, external_id=None):
    """A SCIM User; empty parts are left out (a PUT without them clears them, as the source has none)."""
    resource = {"id": source_id, "userName": user_name, "active": bool(active)}
    name = {key: value for key, value in (("givenName", given), ("familyName", family)) if value}
    if name:
        resource["name"] = name
    if display:
        resource["displayName"] = display
    if email:
        resource["emails"] = [{"value": email, "primary": True, "type": "work"}]
    if external_id:
        resource["externalId"] = external_id
    return _stamped(resource, modified)


def group(source_id, name, members=(), *, modified=None):
    """A SCIM Group whose members are the source ids of its member users, each once, in order."""
    resource = {"id": source_id, "displayName": name}
    unique = list(dict.fromkeys(member for member in members if member))
    if unique:
        resource["members"] = [{"value": member, "type": "User"} for member in unique]
    return _stamped(resource, modified)


def removed(source_id):
    """The marker of a resource the source reports deleted (Graph's @removed)."""
    return {"id": source_id, REMOVED: True}


def is_removed(resource):
    return isinstance(resource, dict) and resource.get(REMOVED) is True


def _stamped(resource, modified):
    """RFC 7643 §3.1 meta.lastModified: an incremental pull's watermark is the newest one seen."""
    if modified:
        resource["meta"] = {"lastModified": modified}
    return resource
