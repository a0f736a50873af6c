"""The users in the app's directory: host usernames, status and host groups as the options want them now."""

from dataclasses import dataclass, field

from provisioning import host_groups
from provisioning.reconcile.plan import Change
from provisioning.users import host_username
from scim import errors
from store import host
from store.resources import provisioned
from store.trail import audit


@dataclass
class _Batch:
    """A batch's planned writes, in the order they are applied."""

    renames: list = field(default_factory=list)  # (row, new host username, why)
    status: dict = field(default_factory=dict)  # True | False -> [rows]
    memberships: host_groups.Plan = None
    names: dict = field(default_factory=dict)  # user id -> host username, the membership events' subjects
    conflicts: list = field(default_factory=list)  # (row, Change)


def run(state):
    """Every user the app provisioned, batch by batch; a stranded user the move phase left behind is skipped."""
    after = ""
    while True:
        with state.batch() as changes:
            # Applying: the batch's users are locked as read, so a SCIM write cannot land between this plan
            # and its writes (a rename from a stale userName, a status from a stale idp_active).
            rows = provisioned.chunk(state.app.id, after, state.batch_size, lock=not state.dry_run)
            if not rows:
                break
            after = rows[-1].id
            state.batches += 1
            rows = [row for row in rows if row.directory == state.directory_id or row.id in state.moved]
            state.counts.users += len(rows)
            batch = _plan(state, rows, changes)
            if not state.dry_run:
                _apply(state, batch)


def _plan(state, rows, changes):
    batch = _Batch()
    _plan_renames(state, rows, batch, changes)
    for row in rows:
        wanted = _status(state.options, row)
        if wanted is not None:
            batch.status.setdefault(wanted, []).append(row)
            changes.append(Change("activate" if wanted else "deactivate", row.host_username,
                                  _label(row.active is not False), _label(wanted), _why_status(wanted),
                                  resource_id=row.id))
    _plan_memberships(state, rows, batch, changes)
    return batch


def _plan_renames(state, rows, batch, changes):
    wanted = {}
    for row in rows:
        try:
            name, _note = host_username(state.options, row.user_name)
        except errors.ScimError as error:
            _conflict(batch, changes, row, row.host_username, None, error.detail)
            continue
        if name != row.host_username:
            wanted[row.id] = name
    holders = provisioned.holders(state.directory_id, {name.lower() for name in wanted.values()})
    for row in rows:
        name = wanted.get(row.id)
        if name is None:
            continue
        lower = name.lower()
        holder = holders.get(lower)
        if holder is not None and holder[0] != row.id and state.released.get(lower) != holder[0]:
            _conflict(batch, changes, row, row.host_username, name, _held_by(name, holder))
        elif state.claimed.get(lower, row.id) != row.id:
            _conflict(batch, changes, row, row.host_username, name,
                      f"another user of this app, '{state.claimants[lower]}', is renamed to '{name}' first")
        else:
            state.claimed[lower] = row.id
            state.claimants[lower] = row.host_username
            state.released[row.host_username.lower()] = row.id
            batch.renames.append((row, name))
            changes.append(Change("rename", row.host_username, row.host_username, name,
                                  f"username rule on the IdP's userName '{row.user_name}'", resource_id=row.id))


def _held_by(name, holder):
    _id, host_name, user_name, app_name = holder
    whose = f"provisioned by '{app_name}'" if app_name else "not provisioned by an app"
    return f"host username '{name}' is held by host user '{host_name}' (userName '{user_name}', {whose})"


def _conflict(batch, changes, row, before, after, why, about="rename"):
    change = Change("conflict", row.host_username, before, after, why, resource_id=row.id, about=about)
    batch.conflicts.append((row, change))
    changes.append(change)


def _status(options, row):
    """True or False when the host's status should change to what the IdP last sent; None when it stays."""
    if row.idp_active is None:
        return None
    is_active = row.active is not False
    if row.idp_active and not is_active and options.enable_users:
        return True
    if not row.idp_active and is_active and options.disable_users:
        return False
    return None


def _label(active):
    return "active" if active else "inactive"


def _why_status(active):
    return ("the IdP last sent active=true and enable_users is on" if active
            else "the IdP last sent active=false and disable_users is on")


def _plan_memberships(state, rows, batch, changes):
    ids = [row.id for row in rows]
    held = host.memberships(ids)
    for user_id in state.moved & set(ids):  # moved in this dry run: what it held stays behind
        held.pop(user_id, None)
    batch.memberships = planned = host_groups.plan(state.app, state.options, ids, held=held)
    batch.names = names = {row.id: row.host_username for row in rows}
    missing = {name.lower(): name for name, _reason, _because in planned.adds}
    existing = host.existing(state.directory_id, set(missing) - state.created)
    for lower, name in missing.items():
        if lower not in existing and lower not in state.created:
            state.created.add(lower)
            changes.append(Change("create-group", name, None, name, "a host group the options give",
                                  resource_type="Group"))
    for (name, _reason, because), user_ids in planned.adds.items():
        changes.extend(Change("join", names[uid], None, name, because, resource_id=uid) for uid in user_ids)
    for (_group_id, name, why), user_ids in planned.removes.items():
        changes.extend(Change("leave", names[uid], name, None, why, resource_id=uid) for uid in user_ids)


def _apply(state, batch):
    app, note = state.app, state.trail.note
    for row, name in batch.renames:
        provisioned.rename(row.id, name)
    audit.record_many(app, "reconcile", "applied", [
        (row.id, row.user_name, f"renamed host user '{row.host_username}' to '{name}' (username rule){note}",
         {"host_username": [row.host_username, name]}) for row, name in batch.renames], resource_type="User")
    for active, rows in batch.status.items():
        provisioned.set_active([row.id for row in rows], active)
        audit.record_each(app, "reconcile", "applied",
                          f"{'re-activated' if active else 'deactivated'} host user '{{subject}}' "
                          f"({_why_status(active)}){note}", [(row.id, row.host_username) for row in rows],
                          resource_type="User")
    if batch.memberships:
        names = {**batch.names, **{row.id: name for row, name in batch.renames}}
        host_groups.apply(app, batch.memberships, names, state.trail)
    for row, change in batch.conflicts:
        audit.record(app, "reconcile", "ignored", f"{change.about} of host user '{row.host_username}' left alone: "
                     f"{change.detail}{note}", resource_type="User", resource_id=row.id, subject=row.user_name)
