"""SCIM user writes, decided by the app's provisioning options, recorded in the audit trail."""

from dataclasses import dataclass

from provisioning import host_groups
from provisioning.written import Written
from rules import patterns
from rules.options import load
from scim import errors
from scim.attributes import USER_RESOURCE
from store import transactions
from store.resources import users as store
from store.resources.user_rows import MULTI
from store.trail import audit

from .changes import diff, patched, writable


def create(app, doc):
    """POST /Users: refused when import is off; re-links a user SCIM deleted before."""
    options = load(app.options)
    if not options.import_users:
        raise errors.Forbidden("User import is disabled for this app (import_users is off); nothing was created.")
    host, rewrite = host_username(options, doc["userName"])
    # Read before the transaction (on SQLite, before the write gate): a taken name is a 409 at once, a new
    # user is inserted without asking again (the unique indexes refuse a name taken meanwhile), and only a
    # re-link reads its user again inside.
    claimed = store.unlinked(app.directory_id, doc["userName"], host)
    with transactions.atomic():
        previous = None if claimed is None else store.unlinked(app.directory_id, doc["userName"], host)
        if previous is not None:
            store.write(previous, {**doc, "active": doc.get("active", True)}, host, relink=True,
                        idp_active=doc.get("active"))
            user_id, operation, what = previous.id, "relink-user", f"re-linked and re-activated host user '{host}'"
        else:
            user_id = store.insert(app.directory_id, doc, host, app.id, checked=True)
            operation, what = "create-user", f"created host user '{host}'"
        audit.record(app, operation, "applied", what + (f"; {rewrite}" if rewrite else ""),
                     resource_type="User", resource_id=user_id, subject=doc["userName"])
        if previous is not None or options.default_groups:  # a new user is in no group yet
            host_groups.sync(app, options, [user_id], new_users=[user_id])
        return Written(user_id)


def replace(app, user_id, doc, expected_version=None):
    """PUT /Users/{id}: the IdP's full picture, filtered by update/enable/disable options.

    A PUT that leaves active out keeps the host account's status: Okta's and JumpCloud's
    partial PUTs must not re-activate anyone."""
    return _update(app, user_id, expected_version,
                   lambda current: ({"active": current.get("active"), **doc}, doc.get("active", _UNSAID)))


def patch(app, user_id, body, expected_version=None):
    """PATCH /Users/{id}: RFC 7644 §3.5.2 on the stored user, then the same options as PUT."""
    return _update(app, user_id, expected_version, _patched(body))


# An active the IdP did not send: the host's status stays, and so does what the IdP said last (User.idp_active).
_UNSAID = object()


def _patched(body):
    """current -> (the document the PatchOp makes of it, the active it sets or _UNSAID).

    The operations run on the user with a marker for active, so a patch that leaves active alone is
    told from one that sets it to the value the host already has."""
    apply = patched(USER_RESOURCE, body)

    def incoming_for(current):
        result = apply({**current, "active": _UNSAID})
        said = result.get("active")
        if said is _UNSAID:
            return {**result, "active": current.get("active")}, _UNSAID
        return result, said
    return incoming_for


def delete(app, user_id, expected_version=None):
    """DELETE /Users/{id}: deactivate and unlink (nothing lost), or delete, as on_delete says."""
    options = load(app.options)
    with transactions.atomic():
        if options.on_delete == "delete":
            row = store.locked_row(app.directory_id, user_id, expected_version)
            store.delete(row)
            host, user_name = row.host_username, row.user_name
            operation, what = "delete-user", f"deleted host user '{host}' (on_delete is delete)"
        else:
            host, user_name = store.unlink(app.directory_id, user_id, expected_version)
            operation, what = "deactivate-user", (f"deactivated host user '{host}' and unlinked it "
                                                  "from SCIM (on_delete is deactivate); nothing was deleted")
        audit.record(app, operation, "applied", what, resource_type="User", resource_id=user_id,
                     subject=user_name)


def host_username(options, user_name):
    """(host username, audit note or None): the username rule applied to the IdP's userName."""
    if not options.username_regex:
        return user_name, None
    compiled = patterns.compile_pattern(options.username_regex)
    rewritten = patterns.replace_all(compiled, options.username_replacement, user_name)
    if rewritten is None:
        raise errors.InvalidValue(f"The username rule could not be applied to '{user_name}' in time.")
    if not rewritten.strip() or len(rewritten) > 255:
        raise errors.InvalidValue(f"The username rule turns '{user_name}' into '{rewritten}', not a usable username.")
    if rewritten == user_name:
        return user_name, None
    return rewritten, f"regex rewrote {user_name} → {rewritten}"


def _update(app, user_id, expected_version, incoming_for):
    """Planned from the user as read before the transaction (on SQLite, before the write gate, which writers
    queue on), written only if no other write changed the user meanwhile; else planned again from a locked read."""
    options = load(app.options)
    planned = _plan(options, *store.current(app.directory_id, user_id, expected_version), incoming_for)
    with transactions.atomic():
        if not _write(app, planned, guarded=True):
            _write(app, _plan(options, *store.locked(app.directory_id, user_id, expected_version), incoming_for))
        host_groups.sync(app, options, [user_id])  # every user this app touches is reconciled
        return Written(user_id)


@dataclass(frozen=True)
class _Planned:
    """An update worked out from one read of the user: what to store, and what to record."""

    row: object
    current: dict
    decided: dict
    notes: list
    changes: dict
    idp_active: object
    host: str
    rewrite: str | None


def _plan(options, row, current, incoming_for):
    """The _Planned update of a user (row, its document) by the request's incoming_for."""
    incoming, said = incoming_for(current)
    idp_active = row.idp_active if said is _UNSAID else said
    decided, notes = decide(options, writable(current), incoming)
    changes = diff(writable(current), decided)
    # The username rule runs on a new userName only: an unrelated change (say active=false)
    # must never rename the host account, nor fail because today's rule dislikes the old name.
    if decided["userName"] == current["userName"]:
        host, rewrite = row.host_username, None
    else:
        host, rewrite = host_username(options, decided["userName"])
    return _Planned(row, current, decided, notes, changes, idp_active, host, rewrite)


def _write(app, planned, guarded=False):
    """Store a _Planned update and record it; False, with nothing done, when guarded and the user changed."""
    row, changes, decided = planned.row, planned.changes, planned.decided
    writes = bool(changes or decided.get("password"))
    if writes:
        if not store.write(row, decided, planned.host, values_changed=any(name in changes for name in MULTI),
                           idp_active=planned.idp_active, guarded=guarded):
            return False
    elif planned.idp_active != row.idp_active and not store.note_idp_active(row, planned.idp_active, guarded):
        return False
    for note in planned.notes:
        audit.record(app, "update-user", "ignored", note, resource_type="User", resource_id=row.id,
                     subject=planned.current["userName"])
    if writes:
        rewrite = planned.rewrite if planned.rewrite and planned.host != row.host_username else None
        what = _update_summary(planned.host, changes) + (f"; {rewrite}" if rewrite else "")
        audit.record(app, "update-user", "applied", what, resource_type="User", resource_id=row.id,
                     subject=decided["userName"], changes=changes)
    return True


def _update_summary(host, changes):
    """'deactivated host user 'x'; updated displayName, emails' in an admin's words."""
    parts = []
    if "active" in changes:
        parts.append(f"{'deactivated' if changes['active'][1] is False else 're-activated'} host user '{host}'")
    others = [key.rsplit(":", 1)[-1] for key in changes if key != "active"]
    if others:
        parts.append(f"updated {', '.join(others)} of host user '{host}'")
    return "; ".join(parts) or f"updated host user '{host}'"


def decide(options, current, incoming):
    """(document to store, notes on what the options held back) for an update."""
    notes = []
    decided = dict(incoming)
    if not options.update_users:
        decided = dict(current)
        if diff(current, {**incoming, "active": current.get("active")}):
            notes.append("attribute changes ignored: update_users is off")
    decided["active"] = _active(options, current.get("active"), incoming.get("active"), notes)
    if decided["active"] is None:
        del decided["active"]
    return decided, notes


def _active(options, now, wanted, notes):
    """Enable/disable users: whether the IdP's active flag may change the host account."""
    is_active = now is not False
    if wanted is True and not is_active and not options.enable_users:
        notes.append("re-activation ignored: enable_users is off")
        return now
    if wanted is False and is_active and not options.disable_users:
        notes.append("deactivation ignored: disable_users is off")
        return now
    return wanted
