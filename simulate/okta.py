"""Okta: provisioning to an app with SCIM 2.0 (create, update, push groups, deactivate).

Sources (see /work/shared/IDP_SOURCES.md and tests/api/idp/test_okta.py):
- okta/okta-developer-docs "SCIM 2.0 Protocol Reference": the existence check
  ``GET /Users?filter=userName%20eq%20"…"&startIndex=1&count=100`` before a create; the create
  body with ``externalId``, ``password`` and ``groups: []``; profile updates as GET then PUT of the
  whole user; deactivation (and reactivation) as a pathless ``replace`` of ``{"active": …}``;
  users are never DELETEd; pushed groups created with empty ``members``, then PATCH ``add``
  ``members`` and ``remove`` ``members[value eq "…"]``. Documented.
"""

import secrets
import uuid

from scim.constants import CONTENT_TYPE, GROUP, USER

from .run import eq_filter

LABEL = "Okta"
HEADERS = {"Accept": CONTENT_TYPE, "Content-Type": f"{CONTENT_TYPE}; charset=utf-8",
           "User-Agent": "Okta SCIM Client 1.0.0"}


def user(person):
    """The documented create body; Okta generates the password."""
    return {"schemas": [USER], "userName": person.user_name,
            "name": {"givenName": person.given, "familyName": person.family},
            "emails": [{"primary": True, "value": person.user_name, "type": "work"}],
            "displayName": person.display_name, "locale": "en-US", "externalId": okta_id(person),
            "groups": [], "password": secrets.token_urlsafe(12), "active": True}


def okta_id(person):
    """An Okta user id (``00u`` + 17 characters), stable across runs."""
    return "00u" + uuid.uuid5(uuid.NAMESPACE_URL, f"okta:{person.user_name}").hex[:17]


def play(run):
    for person in run.phase("Create Users", run.people):
        query = "/Users?" + eq_filter("userName", person.user_name) + "&startIndex=1&count=100"
        found = run.find(query)
        if found is None:
            found, created = run.create("/Users", user(person), query)
            run.count("created" if created else "existing")
        else:
            run.count("existing")
            if found.get("active") is False:
                # Assigning an existing, deactivated user activates it again.
                run.patch(f"/Users/{found['id']}", {"op": "replace", "value": {"active": True}})
                run.count("reactivated")
        person.id = found["id"]
    for person in run.phase("Update User Attributes", run.renamed):
        current = run.get(f"/Users/{person.id}")
        person.rename()
        current["name"] = {**(current.get("name") or {}), "familyName": person.family}
        if "formatted" in current["name"]:  # Okta sends none, but one the server holds must not go stale
            current["name"]["formatted"] = person.display_name
        current["displayName"] = person.display_name
        run.put(f"/Users/{person.id}", current)
        run.count("updated")
    for group in run.phase("Push Groups", run.groups):
        body = {"schemas": [GROUP], "displayName": group.name, "members": []}
        found, created = run.create("/Groups", body, "/Groups?" + eq_filter("displayName", group.name))
        group.id = found["id"]
        run.count("created" if created else "existing")
    for group in run.phase("Push Group Memberships", [group for group in run.groups if group.members]):
        run.patch(f"/Groups/{group.id}", {"op": "add", "path": "members", "value": [
            {"value": person.id, "display": person.user_name} for person in group.members]})
        run.count("members added", len(group.members))
    for group in run.phase("Unassign Group Member", run.groups[:1]):
        run.patch(f"/Groups/{group.id}", {"op": "remove", "path": f'members[value eq "{run.leaver.id}"]'})
        run.count("members removed")
    for person in run.phase("Deactivate Users", run.deactivated):
        run.patch(f"/Users/{person.id}", {"op": "replace", "value": {"active": False}})
        run.count("deactivated")
