"""Microsoft Entra ID: the provisioning service's cycle as its provisioning logs name the actions.

Without the ``aadOptscim062020`` flag, as most tenants still send it: ``Add``/``Replace``/``Remove``
capitalised and booleans as the strings "True"/"False". Sources (see /work/shared/IDP_SOURCES.md
and tests/api/idp/test_entra.py):
- MicrosoftDocs/entra-docs ``use-scim-to-provision-users-and-groups.md``: Test Connection filters
  on a random GUID and expects an empty ListResponse; users matched by ``userName eq`` before a
  create, groups by ``displayName eq`` with ``excludedAttributes=members``; the documented
  Create User / Create Group bodies; "Update Group [Add Members]" / "[Remove Members]"; a
  soft-deleted user is disabled (``active`` false) and DELETEd when hard-deleted. Documented.
- ``application-provisioning-config-problem-scim-compatibility.md``: the capitalised ops and
  "False" strings without the flag. Documented.
- MicrosoftDocs/azure-docs #11784, Microsoft Q&A 923479: ``+`` for spaces in filters. Documented
  in request logs.
"""

import uuid

from scim.constants import CONTENT_TYPE, ENTERPRISE_USER, GROUP, USER

from .client import SimulateError
from .run import eq_filter

LABEL = "Microsoft Entra ID"
HEADERS = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
ADSCIM_GROUP = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group"


def user(person):
    """The documented Create User body, with the enterprise extension."""
    return {"schemas": [USER, ENTERPRISE_USER], "externalId": person.external_id, "userName": person.user_name,
            "active": True, "displayName": person.display_name,
            "emails": [{"primary": True, "type": "work", "value": person.user_name}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": person.display_name, "familyName": person.family, "givenName": person.given},
            "roles": [], ENTERPRISE_USER: {"employeeNumber": f"{person.index:05d}", "department": "Demo"}}


def group_body(group):
    return {"schemas": [GROUP, ADSCIM_GROUP], "externalId": group.external_id, "displayName": group.name,
            "meta": {"resourceType": "Group"}}


def play(run):
    for _ in run.phase("Test Connection", [None]):
        listed = run.get("/Users?" + eq_filter("userName", uuid.uuid4(), plus=True))
        if listed.get("totalResults") != 0:
            raise SimulateError(f"Test Connection: a filter on a random GUID listed {listed.get('totalResults')} "
                                "users; Entra expects an empty ListResponse.", "Test Connection")
        run.count("ok")
    for person in run.phase("Create User", run.people):
        query = "/Users?" + eq_filter("userName", person.user_name, plus=True)
        found = run.find(query)
        if found is None:
            found, created = run.create("/Users", user(person), query)
            run.count("created" if created else "existing")
        else:
            run.count("existing")
            if found.get("active") is False:
                run.patch(f"/Users/{found['id']}", {"op": "Replace", "path": "active", "value": "True"})
                run.count("enabled")
        person.id = found["id"]
    for person in run.phase("Update User", run.renamed):
        person.rename()
        run.patch(f"/Users/{person.id}", {"op": "Replace", "path": "name.familyName", "value": person.family},
                  {"op": "Replace", "path": "name.formatted", "value": person.display_name},
                  {"op": "Replace", "path": "displayName", "value": person.display_name})
        run.count("updated")
    for group in run.phase("Create Group", run.groups):
        query = "/Groups?excludedAttributes=members&" + eq_filter("displayName", group.name, plus=True)
        found = run.find(query)
        if found is None:
            found, created = run.create("/Groups", group_body(group), query)
            run.count("created" if created else "existing")
        else:
            run.count("existing")
        group.id = found["id"]
    for group in run.phase("Update Group [Add Members]", [group for group in run.groups if group.members]):
        run.patch(f"/Groups/{group.id}", {"op": "Add", "path": "members", "value": [
            {"$ref": None, "value": person.id} for person in group.members]})
        run.count("members added", len(group.members))
    for group in run.phase("Update Group [Remove Members]", run.groups[:1]):
        run.patch(f"/Groups/{group.id}", {"op": "Remove", "path": "members", "value": [{"value": run.leaver.id}]})
        run.count("members removed")
    for person in run.phase("Disable User", run.deactivated):
        run.patch(f"/Users/{person.id}", {"op": "Replace", "path": "active", "value": "False"})
        run.count("disabled")
    for person in run.phase("Delete User", [run.revoked]):
        # Deleted in Entra: first soft-deleted (disabled), then, once hard-deleted, DELETEd.
        run.patch(f"/Users/{person.id}", {"op": "Replace", "path": "active", "value": "False"})
        run.count("soft-deleted")
        run.delete(f"/Users/{person.id}")
        run.count("deleted")
