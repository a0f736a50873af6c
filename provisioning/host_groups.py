"""Host group memberships that follow a user's IdP groups, the app's mapping and its default groups."""

from dataclasses import dataclass

from rules.targets import targets_of
from store import host
from store.trail import audit

_CHUNK = 500


@dataclass(frozen=True)
class Target:
    """A host group a user should be in, and why."""

    name: str
    reason: str  # idp-group | default
    because: str  # for the audit trail


def sync(app, options, user_ids, new_users=()):
    """Bring these users' host groups in line with this app's IdP groups and default groups."""
    user_ids = list(user_ids)
    for start in range(0, len(user_ids), _CHUNK):
        chunk = user_ids[start:start + _CHUNK]
        _sync_chunk(app, options, chunk, set(new_users))


def _sync_chunk(app, options, user_ids, new_users):
    idp_groups = host.idp_groups(user_ids) if options.import_groups else {}
    current = host.memberships(user_ids)
    adds, removes = {}, {}
    for user_id in user_ids:
        wanted = _wanted(options, idp_groups.get(user_id, ()), user_id in new_users)
        keep = set(wanted) | {name.lower() for name in options.default_groups}
        held = current.get(user_id, {})
        for key, target in wanted.items():
            if key not in held:
                adds.setdefault((target.name, target.reason, target.because), []).append(user_id)
        for key, (group_id, name, source, reason) in held.items():
            why = None if key in keep else _revoked_because(app, options, source, reason)
            if why:
                removes.setdefault((group_id, name, why), []).append(user_id)
    if adds or removes:  # the audit's subjects are read only when there is something to record
        _apply(app, adds, removes, host.usernames(user_ids))


def _wanted(options, idp_groups, is_new):
    """{host group lower name: Target} for one user."""
    wanted = {}
    if options.default_groups and (is_new or options.default_groups_for == "all"):
        for name in options.default_groups:
            wanted[name.lower()] = Target(name, "default", "default group of the app")
    for idp_group in idp_groups:
        for name in targets_of(options, idp_group)[0]:
            wanted.setdefault(name.lower(), Target(name, "idp-group", f"IdP group '{idp_group}'"))
    return wanted


def _revoked_because(app, options, source, reason):
    """Why a membership not wanted goes, or None when it stays.

    This app's IdP-group memberships go when the IdP group goes; any other only when
    keep_existing_groups is off."""
    if not options.import_groups:
        return None
    if source == app.id and reason == "idp-group":
        return "no longer given by the IdP"
    return None if options.keep_existing_groups else "keep_existing_groups is off"


def _apply(app, adds, removes, names):
    for (name, reason, because), user_ids in adds.items():
        host.add_members(_host_group(app, name).id, user_ids, app.id, reason)
        _record(app, f"added to host group '{name}' ({because})", user_ids, names)
    for (group_id, name, why), user_ids in removes.items():
        host.remove_members(group_id, user_ids)
        _record(app, f"removed from host group '{name}' ({why})", user_ids, names)


def _record(app, what, user_ids, names):
    """One event per user, so a user's history shows every host group it gained or lost."""
    audit.record_each(app, "host-membership", "applied", "{subject} " + what,
                      [(uid, names.get(uid, uid)) for uid in user_ids], resource_type="User")


def _host_group(app, name):
    """The host group called name in the app's directory, created on the fly when missing."""
    group = host.group_named(app.directory_id, name)
    if group is None:
        group = host.create_group(app.directory_id, name, app)
        audit.record(app, "host-group", "applied", f"created host group '{name}' on the fly",
                     resource_type="Group", subject=name)
    return group
