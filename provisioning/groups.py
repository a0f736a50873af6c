"""SCIM group writes and what they do to host groups, as the app's options decide."""

from provisioning.written import Written
from rules.options import load
from rules.targets import targets_of
from scim import patch as scim_patch
from scim.attributes import GROUP_RESOURCE
from store import transactions
from store.resources import groups as store
from store.trail import audit

from . import host_groups
from .changes import diff, patched, writable


def create(app, doc):
    """POST /Groups: the SCIM group, then its members' host groups."""
    options = load(app.options)
    with transactions.atomic():
        group_id, members = store.insert(app.directory_id, doc)
        _record(app, options, "create-group", group_id, doc["displayName"], f"created SCIM group with {len(members)} member(s)")
        host_groups.sync(app, options, store.users_among(members))
        return Written(group_id)


def replace(app, group_id, doc, expected_version=None):
    """PUT /Groups/{id}."""
    return _update(app, group_id, expected_version, lambda current: doc)


def patch(app, group_id, body, expected_version=None):
    """PATCH /Groups/{id}: RFC 7644 §3.5.2; only the members it adds or removes are re-synced.

    A patch that only adds or removes listed members reads and writes just their rows, so it
    costs the same on a group of 10 and of 10,000; any other goes through the whole document.
    """
    named = scim_patch.member_ids(body)
    if named is None:
        return _update(app, group_id, expected_version, patched(GROUP_RESOURCE, body))
    return _patch_members(app, group_id, named, body, expected_version)


def delete(app, group_id, expected_version=None):
    """DELETE /Groups/{id}: the SCIM group goes; its members lose the host groups it gave them."""
    options = load(app.options)
    with transactions.atomic():
        row, current = store.locked(app.directory_id, group_id, expected_version)
        members = store.delete(row)
        _record(app, options, "delete-group", group_id, current["displayName"], "deleted SCIM group")
        host_groups.sync(app, options, store.users_among(members))


def _patch_members(app, group_id, named, body, expected_version):
    options = load(app.options)
    with transactions.atomic():
        row = store.locked_row(app.directory_id, group_id, expected_version)
        current = store.with_members_among(row, named)
        incoming = patched(GROUP_RESOURCE, body)(current)
        before, after = _displays(current), _displays(incoming)
        if before != after:
            added = {mid: after[mid] for mid in after.keys() - before.keys()}
            removed = before.keys() - after.keys()
            store.change_members(row, added, removed,
                                 {mid: after[mid] for mid in after.keys() & before.keys() if after[mid] != before[mid]})
            _record(app, options, "update-group", group_id, incoming["displayName"],
                    f"updated SCIM group: {len(added)} member(s) added, {len(removed)} removed")
            host_groups.sync(app, options, store.users_among(added.keys() | removed))
        # The row's version as change_members left it: a 204 answers with it and reads nothing.
        return Written(group_id, store.documents([row], False)[0]["meta"]["version"])


def _displays(doc):
    """{member id: display}, the last display sent for an id winning (as _comparable)."""
    return dict(_comparable(doc)["members"])


def _update(app, group_id, expected_version, incoming_for):
    options = load(app.options)
    with transactions.atomic():
        row, current = store.locked(app.directory_id, group_id, expected_version)
        incoming = incoming_for(current)
        changes = diff(_comparable(writable(current)), _comparable(incoming))
        if changes:
            added, removed = store.write(row, incoming, _all_members(current))
            renamed = current["displayName"] != incoming["displayName"]
            affected = _all_members(incoming) | removed if renamed else added | removed
            summary = f"updated SCIM group: {len(added)} member(s) added, {len(removed)} removed"
            _record(app, options, "update-group", group_id, incoming["displayName"], summary,
                    {key: value for key, value in changes.items() if key != "members"})
            host_groups.sync(app, options, store.users_among(affected))
        return Written(group_id)


def _record(app, options, operation, group_id, name, what, changes=None):
    """One audit event per group write, saying which host groups the IdP group maps to."""
    targets, why = targets_of(options, name)
    if targets:
        what += f"; maps to host group(s) {', '.join(repr(t) for t in targets)}"
    audit.record(app, operation, "applied", what, resource_type="Group", resource_id=group_id, subject=name,
                 changes=changes or None)
    if why:
        audit.record(app, operation, "ignored", f"host groups unchanged for '{name}': {why.text}",
                     resource_type="Group", resource_id=group_id, subject=name)


def _comparable(doc):
    """Members compared by id (the last display sent for an id wins): order makes no change."""
    members = sorted({m["value"]: m.get("display") for m in doc.get("members", ()) if m.get("value")}.items())
    return {**{k: v for k, v in doc.items() if k != "members"}, "members": members}


def _all_members(doc):
    return {m["value"] for m in doc.get("members", ()) if m.get("value")}
