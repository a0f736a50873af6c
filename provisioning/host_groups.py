"""Host group memberships that follow a user's IdP groups, the app's mapping and its default groups."""

from dataclasses import dataclass

from models import Group, HostGroup, HostMembership, Membership, User
from store.trail import audit
from store import sql
from store.sql import Prepared

from rules import patterns

_CHUNK = 500


@dataclass(frozen=True)
class Target:
    """A host group a user should be in, and why."""

    name: str
    reason: str  # idp-group | default
    because: str  # for the audit trail


def targets_of(options, idp_group):
    """(host group names, None) an IdP group maps to, or ([], why it maps to none)."""
    if not options.import_groups:
        return [], "group import is off"
    if options.group_include:
        matched = patterns.search(patterns.compile_pattern(options.group_include), idp_group)
        if not matched:
            return [], f"group filtered out: it does not match group_include '{options.group_include}'"
    if options.group_exclude:
        matched = patterns.search(patterns.compile_pattern(options.group_exclude), idp_group)
        if matched is not False:
            return [], f"group filtered out: it matches group_exclude '{options.group_exclude}'"
    mapped = _mapped(options.group_mapping, idp_group)
    if mapped is not None:
        return mapped, None
    if options.unmapped_groups == "ignore":
        return [], "group is not in the group mapping and unmapped groups are ignored"
    return [idp_group], None


def sync(app, options, user_ids, new_users=()):
    """Bring these users' host groups in line with this app's IdP groups and default groups."""
    user_ids = list(user_ids)
    for start in range(0, len(user_ids), _CHUNK):
        chunk = user_ids[start:start + _CHUNK]
        _sync_chunk(app, options, chunk, set(new_users))


def _sync_chunk(app, options, user_ids, new_users):
    idp_groups = _idp_groups(user_ids) if options.import_groups else {}
    current = _memberships(user_ids)
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
        _apply(app, adds, removes, dict(_NAMES.tuples(user_ids)))


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
        group = _host_group(app, name)
        sql.insert_many(HostMembership, [{"group": group.id, "user": uid, "source_app": app.id, "reason": reason}
                                              for uid in user_ids], ignore_conflicts=True)
        _record(app, f"added to host group '{name}' ({because})", user_ids, names)
    for (group_id, name, why), user_ids in removes.items():
        HostMembership.delete().where(
            (HostMembership.group == group_id) & HostMembership.user.in_(user_ids)).execute()
        _record(app, f"removed from host group '{name}' ({why})", user_ids, names)


def _record(app, what, user_ids, names):
    """One event per user, so a user's history shows every host group it gained or lost."""
    audit.record_each(app, "host-membership", "applied", "{subject} " + what,
                      [(uid, names.get(uid, uid)) for uid in user_ids], resource_type="User")


def _host_group(app, name):
    """The host group called name in the app's directory, created on the fly when missing."""
    group = _HOST_GROUP.first(app.directory_id, name.lower())
    if group is None:
        group = HostGroup.create(directory=app.directory_id, name=name, name_lower=name.lower(), created_by=app.id,
                                 description=f"Created by IdP app '{app.name}'.")
        audit.record(app, "host-group", "applied", f"created host group '{name}' on the fly",
                     resource_type="Group", subject=name)
    return group


def _idp_groups(user_ids):
    """{user id: [SCIM group displayNames]} for direct SCIM memberships."""
    result = {}
    for user_id, name in _IDP_GROUPS.tuples(user_ids):
        result.setdefault(user_id, []).append(name)
    return result


def _memberships(user_ids):
    """{user id: {host group lower name: (group id, name, source app id, reason)}}."""
    result = {}
    for user_id, group_id, name, lower, source, reason in _HOST_MEMBERSHIPS.tuples(user_ids):
        result.setdefault(user_id, {})[lower] = (group_id, name, source, reason)
    return result


# Every SCIM write runs these: their SQL is generated once (store.sql).
_NAMES = Prepared(lambda ids: User.select(User.id, User.host_username).where(User.id.in_(ids)))
_HOST_GROUP = Prepared(lambda directory_id, lower: HostGroup.select().where(
    (HostGroup.directory == directory_id) & (HostGroup.name_lower == lower)).limit(1))
_IDP_GROUPS = Prepared(lambda ids: Membership.select(Membership.member_id, Group.display_name).join(Group)
                       .where(Membership.member_id.in_(ids)))
_HOST_MEMBERSHIPS = Prepared(lambda ids: HostMembership.select(
    HostMembership.user, HostGroup.id, HostGroup.name, HostGroup.name_lower, HostMembership.source_app,
    HostMembership.reason).join(HostGroup).where(HostMembership.user.in_(ids)))


def _mapped(mapping, idp_group):
    """The mapping's host groups for an IdP group (names compared case-insensitively), or None."""
    for key, host_groups in mapping.items():
        if key.lower() == idp_group.lower():
            return list(host_groups)
    return None
