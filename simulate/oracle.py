"""Oracle IDCS / OCI IAM "GenericScim - Bearer Token": the console's provisioning operations, in order.

Sources (see /work/shared/IDP_SOURCES.md and tests/api/idp/test_oracle.py):
- docs.oracle.com, "Selecting Provisioning Operations" / "Test the provisioning operations":
  Create Account, Update Account, De-activate Account, Delete Account; assign → create,
  deactivate → ``active``, revoke → delete, import lists every account. Documented.
- oracle-samples/idm-samples ``idcs-scim-gateway-app``: ``application/scim+json`` both ways, and
  ``__ACCOUNT__.Update=PUT`` as the alternative to the default PATCH (``--update put``). Inferred.
- Test Connectivity as ``GET /Users?count=1`` and Refresh Application Data in batches of 200:
  what a related Oracle connector does; Oracle's exact requests are not public. Inferred.
"""

from scim.constants import CONTENT_TYPE, GROUP, USER

from .run import eq_filter

LABEL = "Oracle IDCS (GenericScim - Bearer Token)"
HEADERS = {"Content-Type": CONTENT_TYPE, "Accept": CONTENT_TYPE}
BATCH = 200


def account(person, **changes):
    """An account as the provisioning form maps it."""
    return {"schemas": [USER], "userName": person.user_name,
            "name": {"formatted": person.display_name, "familyName": person.family, "givenName": person.given},
            "displayName": person.display_name,
            "emails": [{"value": person.user_name, "type": "work", "primary": True}],
            "active": True, **changes}


def play(run):
    for _ in run.phase("Test Connectivity", [None]):
        run.get("/Users?count=1")
        run.count("ok")
    for person in run.phase("Create Account", run.people):
        found, created = run.create("/Users", account(person), "/Users?" + eq_filter("userName", person.user_name))
        person.id = found["id"]
        run.count("created" if created else "existing")
    for group in run.phase("Create Group", run.groups):
        members = [{"value": person.id} for person in group.members]
        body = {"schemas": [GROUP], "displayName": group.name, "members": members}
        found, created = run.create("/Groups", body, "/Groups?" + eq_filter("displayName", group.name))
        group.id = found["id"]
        if not created and members:
            # There from an earlier run: bring its members back in line, as a sync would.
            run.patch(f"/Groups/{group.id}", {"op": "add", "path": "members", "value": members})
        run.count("created" if created else "existing")
        run.count("members", len(members))
    for person in run.phase("Update Account", run.renamed):
        person.rename()
        _update(run, person, [{"op": "replace", "path": "name.familyName", "value": person.family},
                              {"op": "replace", "path": "name.formatted", "value": person.display_name},
                              {"op": "replace", "path": "displayName", "value": person.display_name}])
        run.count("updated")
    for endpoint in run.phase("Refresh Application Data", ["/Users", "/Groups"]):
        _import(run, endpoint)
    for person in run.phase("De-activate Account", run.deactivated):
        _update(run, person, [{"op": "replace", "path": "active", "value": False}], active=False)
        run.count("deactivated")
    for person in run.phase("Revoke", [run.revoked]):
        run.delete(f"/Users/{person.id}")
        run.count("deleted")


def _update(run, person, operations, **changes):
    """Update Account: a PatchOp by default; the whole account with ``__ACCOUNT__.Update=PUT``."""
    if run.update == "put":
        run.put(f"/Users/{person.id}", {**account(person, **changes), "id": person.id})
    else:
        run.patch(f"/Users/{person.id}", *operations)


def _import(run, endpoint):
    """Pages of BATCH until startIndex passes totalResults."""
    start = 1
    while True:
        page = run.get(f"{endpoint}?startIndex={start}&count={BATCH}")
        resources = page.get("Resources") or []
        run.count("pages")
        run.count(endpoint.strip("/").lower(), len(resources))
        start += len(resources)
        if not resources or start > int(page.get("totalResults", 0)):
            return
