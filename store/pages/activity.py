"""The audit trail and an app's traffic log as the admin pages show them, and the store's clock."""

import json

from models import Group, User, utcnow
from models.audit import TrafficEntry
from store.pages.paging import PAGE_SIZE, Page, clamped
from store.trail import audit
from store.trail import traffic as traffic_log

_CHANGE_WIDTH = 60


def activity(filters, number=1, size=PAGE_SIZE):
    """A page of audit events matching store.trail.audit filters, newest first; extra: the ids of the users
    and SCIM groups they name that are still there (to link to)."""
    total = audit.count(**filters)
    number, notice = clamped(number, total, size)
    events = audit.query(**filters, limit=size, offset=(number - 1) * size)
    return Page(events, number, total, size, notice,
                {"users": _still_there(User, events, "User"), "groups": _still_there(Group, events, "Group")})


def _still_there(model, events, resource_type):
    """The ids of model's rows that events about resource_type name and that still exist, in one query."""
    ids = {event.resource_id for event in events if event.resource_type == resource_type and event.resource_id}
    return {row[0] for row in model.select(model.id).where(model.id.in_(list(ids))).tuples()} if ids else set()


def compact_changes(changes):
    """An event's changes (stored JSON) as short 'key: old → new' lines; long values are cut."""
    if not changes:
        return []
    try:
        parsed = json.loads(changes)
    except ValueError:
        return [_shortened(changes)]
    if not isinstance(parsed, dict):
        return [_shortened(json.dumps(parsed, ensure_ascii=False))]
    lines = []
    for key, value in parsed.items():
        label = str(key).rsplit(":", 1)[-1]  # the enterprise extension's URN prefix says little here
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            lines.append(f"{label}: {_shown(value)}")
    return lines


def _shown(value):
    return _shortened(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _shortened(text):
    return text if len(text) <= _CHANGE_WIDTH else text[:_CHANGE_WIDTH - 1] + "…"


def pretty_body(text):
    """A stored body for reading: JSON indented, anything else (a truncated body too) as stored."""
    if not text:
        return text
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except ValueError:
        return text


def traffic(app, number=1, size=PAGE_SIZE):
    """A page of an app's traffic log, newest first."""
    total = TrafficEntry.select().where(TrafficEntry.app == app.id).count()
    number, notice = clamped(number, total, size)
    return Page(traffic_log.recent(app, limit=size, offset=(number - 1) * size), number, total, size, notice)


def now():
    """The store's clock (naive UTC), to say how long ago a stored time was."""
    return utcnow()
