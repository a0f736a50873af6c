"""Host group memberships that follow a user's IdP groups, the app's mapping and its default groups.

One plan step (wanted versus held, for a chunk of users) and one apply step: the SCIM writes run both at
once (sync), a reconcile (provisioning/reconcile) plans first, shows the plan, and applies it later.
"""

from dataclasses import dataclass, field

from rules.targets import targets_of
from store import host
from store.trail import audit

CHUNK = 500


@dataclass(frozen=True)
class Target:
    """A host group a user should be in, and why."""

    name: str
    reason: str  # idp-group | default
    because: str  # for the audit trail


@dataclass
class Plan:
    """The memberships to add and remove for a chunk of users.

    adds: {(host group name, reason, because): [user ids]}; removes: {(host group id, name, why): [user ids]}."""

    adds: dict = field(default_factory=dict)
    removes: dict = field(default_factory=dict)

    def __bool__(self):
        return bool(self.adds or self.removes)


@dataclass(frozen=True)
class Trail:
    """How apply() records what it did: the operation, and what each reason ends with."""

    operation: str = "host-membership"
    group_operation: str = "host-group"
    note: str = ""


SCIM_WRITE = Trail()


def sync(app, options, user_ids, new_users=()):
    """Bring these users' host groups in line with this app's IdP groups and default groups."""
    user_ids, new_users = list(user_ids), set(new_users)
    for start in range(0, len(user_ids), CHUNK):
        chunk = user_ids[start:start + CHUNK]
        planned = plan(app, options, chunk, new_users)
        if planned:  # the audit's subjects are read only when there is something to record
            apply(app, planned, host.usernames(chunk))


def plan(app, options, user_ids, new_users=(), held=None):
    """The Plan bringing a chunk of users (at most CHUNK) in line; reads their IdP groups and, unless given as
    held ({user id: host.memberships()'s value}), their host memberships: one query, or two when held is given."""
    gives_defaults = options.default_groups and (new_users or options.default_groups_for == "all")
    if not options.import_groups and not gives_defaults:
        return Plan()  # no IdP groups to follow and no default group to give: nothing to read
    if held is None and options.import_groups:
        idp_groups, current = host.holdings(user_ids)
    else:
        idp_groups = host.idp_groups(user_ids) if options.import_groups else {}
        current = host.memberships(user_ids) if held is None else held
    planned = Plan()
    for user_id in user_ids:
        wanted = _wanted(options, idp_groups.get(user_id, ()), user_id in new_users)
        keep = set(wanted) | {name.lower() for name in options.default_groups}
        owned = current.get(user_id, {})
        for key, target in wanted.items():
            if key not in owned:
                planned.adds.setdefault((target.name, target.reason, target.because), []).append(user_id)
        for key, (group_id, name, source, reason) in owned.items():
            why = None if key in keep else _revoked_because(app, options, source, reason)
            if why:
                planned.removes.setdefault((group_id, name, why), []).append(user_id)
    return planned


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


def apply(app, planned, names, trail=SCIM_WRITE):
    """Write a Plan: adds (a missing host group is created), then removes; one audit event per user and host
    group. names: {user id: host username}, the events' subjects."""
    for (name, reason, because), user_ids in planned.adds.items():
        host.add_members(_host_group(app, name, trail).id, user_ids, app.id, reason)
        _record(app, trail, f"added to host group '{name}' ({because})", user_ids, names)
    for (group_id, name, why), user_ids in planned.removes.items():
        host.remove_members(group_id, user_ids)
        _record(app, trail, f"removed from host group '{name}' ({why})", user_ids, names)


def _record(app, trail, what, user_ids, names):
    """One event per user, so a user's history shows every host group it gained or lost."""
    audit.record_each(app, trail.operation, "applied", "{subject} " + what + trail.note,
                      [(uid, names.get(uid, uid)) for uid in user_ids], resource_type="User")


def _host_group(app, name, trail):
    """The host group called name in the app's directory, created on the fly when missing."""
    group = host.group_named(app.directory_id, name)
    if group is None:
        group = host.create_group(app.directory_id, name, app)
        audit.record(app, trail.group_operation, "applied", f"created host group '{name}' on the fly" + trail.note,
                     resource_type="Group", subject=name)
    return group
