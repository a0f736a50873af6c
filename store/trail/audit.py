"""The audit trail: every provisioning decision, when, by which app, why, and what it changed."""

import contextlib
import csv
import io
import json
import logging
from datetime import datetime, timedelta, timezone

from peewee import fn

from models import IdpApp, db, utcnow
from models.audit import AuditEvent
from store import sql
from store.trail import redaction

log = logging.getLogger(__name__)

OUTCOMES = ("applied", "refused", "ignored", "failed")
CSV_FIELDS = ("at", "app", "operation", "resource_type", "resource_id", "subject", "outcome", "reason", "changes")
# Spreadsheets run cells starting with these as formulas (OWASP "CSV injection").
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class AuditError(ValueError):
    """An audit record that cannot be stored as asked (a programming error, not an IdP's)."""


def record(app, operation, outcome, reason, *, resource_type=None, resource_id=None, subject=None, changes=None):
    """Store one decision; inside an open transaction it commits (or rolls back) with the write it describes.

    app is an IdpApp, or None for CLI and admin actions; changes is a JSON-able dict such as
    {"displayName": ["old", "new"]}, stored with secrets redacted.
    """
    if outcome not in OUTCOMES:
        raise AuditError(f"Unknown outcome '{outcome}'; use one of {', '.join(OUTCOMES)}.")
    if not isinstance(operation, str) or not 0 < len(operation) <= AuditEvent.operation.max_length:
        raise AuditError(f"The operation must be 1 to {AuditEvent.operation.max_length} characters.")
    with _within_transaction():
        return sql.create(
            AuditEvent,
            app=app.id if app is not None else None,
            app_name=app.name if app is not None else None,
            operation=operation,
            resource_type=_clip(resource_type, AuditEvent.resource_type),
            resource_id=_clip(resource_id, AuditEvent.resource_id),
            subject=_clip(subject, AuditEvent.subject),
            outcome=outcome,
            reason=storable(reason or ""),
            changes=None if changes is None else json.dumps(redaction.redact(changes), ensure_ascii=False,
                                                            sort_keys=True, default=str),
        )


def record_each(app, operation, outcome, reason, subjects, *, resource_type=None):
    """One event per (resource id, subject), inserted together: a group push touching 10,000 users
    stays one statement per 500 events, and each user still finds its own line.
    "{subject}" in reason is replaced by each event's subject."""
    rows = [{"app": app.id if app is not None else None, "app_name": app.name if app is not None else None,
             "operation": operation, "resource_type": resource_type, "outcome": outcome,
             "reason": storable(str(reason).replace("{subject}", str(subject))),
             "resource_id": _clip(resource_id, AuditEvent.resource_id), "subject": _clip(subject, AuditEvent.subject),
             "at": utcnow()}
            for resource_id, subject in subjects]
    with _within_transaction():
        sql.insert_many(AuditEvent, rows)


def record_many(app, operation, outcome, events, *, resource_type=None):
    """One event per (resource id, subject, reason, changes), inserted together as record_each's are."""
    rows = [{"app": app.id if app is not None else None, "app_name": app.name if app is not None else None,
             "operation": operation, "resource_type": resource_type, "outcome": outcome, "reason": storable(reason),
             "resource_id": _clip(resource_id, AuditEvent.resource_id), "subject": _clip(subject, AuditEvent.subject),
             "changes": None if changes is None else json.dumps(redaction.redact(changes), ensure_ascii=False,
                                                                sort_keys=True, default=str),
             "at": utcnow()}
            for resource_id, subject, reason, changes in events]
    with _within_transaction():
        sql.insert_many(AuditEvent, rows)


def _within_transaction():
    """The write's own transaction when there is one (a savepoint would cost two more statements
    per event); else a transaction of its own."""
    return contextlib.nullcontext() if db.in_transaction() else db.atomic()


def _clip(value, field):
    """An IdP's value cut to the column (PostgreSQL refuses longer; the event matters more)."""
    return None if value is None else storable(value)[:field.max_length]


def storable(value):
    """Text any store accepts: NUL and lone surrogates (from an IdP's id or path) replaced."""
    return str(value).replace("\x00", "\ufffd").encode("utf-8", "surrogatepass").decode("utf-8", "replace")


def of_app_named(name):
    """The condition for an app's events by its name: regardless of case (app names are unique so), kept for a
    deleted app, and with those of the app so named now from before a rename."""
    matches = fn.LOWER(AuditEvent.app_name) == name.strip().lower()
    current = IdpApp.by_name(name.strip())
    if current is not None:
        matches |= AuditEvent.app == current.id
    return matches


def _filtered(app=None, since=None, until=None, subject=None, outcome=None, operation=None):
    query = AuditEvent.select()
    if isinstance(app, IdpApp):
        query = query.where(AuditEvent.app == app.id)
    elif app is not None:
        query = query.where(of_app_named(app))
    if since is not None:
        query = query.where(AuditEvent.at >= naive_utc(since))
    if until is not None:
        query = query.where(AuditEvent.at < naive_utc(until))
    if subject:
        query = query.where(fn.LOWER(AuditEvent.subject).contains(subject.lower()))
    if outcome is not None:
        query = query.where(AuditEvent.outcome == outcome)
    if operation is not None:
        query = query.where(AuditEvent.operation == operation)
    return query


def query(*, app=None, since=None, until=None, subject=None, outcome=None, operation=None, limit=100, offset=0):
    """Matching events, newest first; app is an IdpApp or an app name, subject a case-insensitive substring.

    since is inclusive and until exclusive; limit None returns every match.
    """
    rows = _filtered(app, since, until, subject, outcome, operation).order_by(
        AuditEvent.at.desc(), AuditEvent.id.desc())
    if limit is not None:
        rows = rows.limit(limit)
    if offset:
        rows = rows.offset(offset)
    return list(rows)


def latest_option_change(app):
    """The newest change of an app's options ("settings") or of its directory (an "app" event whose changes name
    it: not a rename or a new token), or None."""
    directory = (AuditEvent.operation == "app") & AuditEvent.changes.startswith('{"directory":')
    return (AuditEvent.select().where((AuditEvent.app == app.id) & ((AuditEvent.operation == "settings") | directory))
            .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).first())


def count(**filters):
    """How many events match the filters query() takes (limit and offset aside)."""
    return _filtered(**filters).count()


def purge(retention_days):
    """Delete events older than retention_days days; returns how many went."""
    if retention_days < 0:
        raise AuditError("The retention must be zero or more days.")
    cutoff = utcnow() - timedelta(days=retention_days)
    with db.atomic():
        return AuditEvent.delete().where(AuditEvent.at < cutoff).execute()


def purge_expired(retention_days):
    """The start-up purge: apply the configured retention (0 or less keeps everything); returns the count."""
    if retention_days is None or retention_days <= 0:
        return 0
    purged = purge(retention_days)
    if purged:
        log.info("purged %d audit events older than %d days", purged, retention_days)
    return purged


def naive_utc(moment):
    """A datetime as the naive UTC the store keeps (a naive one is taken as UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
    return moment


def iso(moment):
    """ISO 8601 UTC with a Z, to the second."""
    return moment.replace(microsecond=0).isoformat() + "Z" if moment else None


def as_dict(event):
    """An event as a JSON-ready dict (changes parsed back)."""
    return {
        "at": iso(event.at),
        "app": event.app_name,
        "operation": event.operation,
        "resource_type": event.resource_type,
        "resource_id": event.resource_id,
        "subject": event.subject,
        "outcome": event.outcome,
        "reason": event.reason,
        "changes": json.loads(event.changes) if event.changes else None,
    }


def to_csv(events):
    """Events as CSV (RFC 4180, header first), every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_FIELDS)
    for event in events:
        row = as_dict(event)
        row["changes"] = event.changes
        writer.writerow([_cell(row[name]) for name in CSV_FIELDS])
    return out.getvalue()


def _cell(value):
    if value is None:
        return ""
    text = str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def parse_time(text, now=None):
    """A --since/--until value: ISO 8601 (Z or an offset; naive is UTC) or an age such as 7d, 24h, 30m."""
    text = (text or "").strip()
    units = {"d": "days", "h": "hours", "m": "minutes"}
    if len(text) > 1 and text[-1].lower() in units and text[:-1].isdigit():
        now = now or datetime.now(timezone.utc)
        return now - timedelta(**{units[text[-1].lower()]: int(text[:-1])})
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise AuditError(f"'{text}' is not a time: use ISO 8601 (2026-11-01T00:00:00Z) or an age (7d, 24h, 30m).") \
            from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
