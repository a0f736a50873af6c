"""Source groups into SCIM groups (and so host groups) through provisioning.groups, members translated to local ids."""

from provisioning import groups as provisioning_groups
from provisioning.pull import vanished
from provisioning.pull.state import digest
from scim import errors, validation
from scim.attributes import GROUP_RESOURCE
from store.pull import links
from store.pull import locals as local_store
from store.trail import audit

_NAMED = 5  # skipped member ids quoted in the audit trail


def apply(pull, resource):
    """One listed source group: created, replaced or left alone; members the app did not pull are skipped."""
    source_id = resource.get("id") if isinstance(resource, dict) else None
    if not isinstance(source_id, str) or not source_id:
        return _invalid(pull, resource, "it has no id")
    pull.note_modified(resource, "Group")
    if vanished.being_deleted(resource):
        link = links.get(pull.app.id, "Group", source_id)
        if link is not None:
            vanished.remove_group(pull, link)
        return None
    try:
        doc = validation.inbound(GROUP_RESOURCE, resource)
    except errors.ScimError as error:
        return _invalid(pull, resource, error.detail)
    doc, skipped = _translated(pull, doc)
    link = links.get(pull.app.id, "Group", source_id)
    stamp = digest(doc, pull.app.options)
    local = _visible(pull, link)
    if link is not None and link.digest == stamp and local is not None:
        pull.saw(link.id)
        pull.count("groups_unchanged")
        return None
    with pull.writing():
        try:
            local, outcome = _write(pull, doc, local)
            if skipped:
                _skipped(pull, local, doc, skipped, outcome)
        except errors.ScimError as error:
            outcome = "groups_refused"
            if link is None or link.digest != stamp:
                audit.record(pull.app, "update-group" if local else "create-group",
                             "refused" if error.status < 500 else "failed", error.detail, resource_type="Group",
                             resource_id=local, subject=doc["displayName"])
        links.save(pull.app.id, "Group", source_id, local, pull.run_id, stamp)
    pull.count(outcome)
    if skipped:
        pull.count("members_skipped", len(skipped))
    return None


def _translated(pull, doc):
    """(the document with local member ids, source ids of members with no local user or group).

    Members are users (and nested groups) this app pulled; anyone else, such as a user the options
    kept out, is left out: a push naming an unknown member would be refused whole (400)."""
    members = [m for m in doc.get("members") or () if m.get("value")]
    local = links.local_members(pull.app.id, pull.app.directory_id, members)
    kept, skipped = [], []
    for member in members:
        if member["value"] in local:
            entry = {"value": local[member["value"]]}
            entry.update({key: member[key] for key in ("display", "type") if member.get(key)})
            kept.append(entry)
        else:
            skipped.append(member["value"])
    translated = {key: value for key, value in doc.items() if key != "members"}
    if kept:
        translated["members"] = kept
    return translated, list(dict.fromkeys(skipped))


def _write(pull, doc, local):
    """(local id, outcome): the linked group replaced (PUT), or created (POST)."""
    if local is not None:
        try:
            return local, _update(pull, local, doc)
        except errors.NotFound:
            pass  # deleted here since it was read: create it again
    try:
        return provisioning_groups.create(pull.app, doc).id, "groups_created"
    except errors.Uniqueness:
        existing = _unlinked_same_name(pull, doc["displayName"])
        if existing is None:
            raise
    audit.record(pull.app, "link-group", "applied",
                 f"linked the source's group '{doc['displayName']}' to the SCIM group of that name, "
                 "which already existed",
                 resource_type="Group", resource_id=existing.id, subject=doc["displayName"])
    return existing.id, _update(pull, existing.id, doc)


def _update(pull, local, doc):
    before = local_store.group_version(local)
    provisioning_groups.replace(pull.app, local, doc)
    after = local_store.group_version(local)
    return "groups_unchanged" if after == before else "groups_updated"


def _visible(pull, link):
    return link.local_id if link is not None and links.shown(link, pull.app.directory_id) else None


def _unlinked_same_name(pull, name):
    group = local_store.group_named(pull.app.directory_id, name)
    if group is None or links.linked(pull.app.id, "Group", group.id):
        return None
    return group


def _skipped(pull, local, doc, skipped, outcome):
    """One note per group write: which members were left out, and why."""
    named = ", ".join(skipped[:_NAMED]) + (f" and {len(skipped) - _NAMED} more" if len(skipped) > _NAMED else "")
    audit.record(pull.app, "create-group" if outcome == "groups_created" else "update-group", "ignored",
                 f"{len(skipped)} member(s) of '{doc['displayName']}' skipped: not users or groups this app "
                 f"pulled (source ids {named})", resource_type="Group", resource_id=local,
                 subject=doc["displayName"])


def _invalid(pull, resource, why):
    source_id = resource.get("id") if isinstance(resource, dict) else None
    name = resource.get("displayName") if isinstance(resource, dict) else None
    audit.record(pull.app, "create-group", "failed",
                 f"the source's group {source_id or name or '?'} was skipped: {why}", resource_type="Group",
                 subject=name if isinstance(name, str) else None)
    pull.count("invalid")
