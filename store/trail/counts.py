"""The Activity chart's numbers: audit events per hour or per day, counted by the database in buckets.

Three series, each a count of audit events (the trail is the one record kept of every write; the traffic
log is optional per app and keeps only an app's newest exchanges):

- writes: decisions about one user or group (a SCIM request's write, a Bulk operation's, a pull sync's),
  applied, refused or failed. Reads, and writes that changed nothing, leave no event and are not counted.
- applied: changes made on the host: users and groups written, host groups made, memberships given or taken.
- refused: events refused (4xx) or failed (5xx), writes and pull runs alike.
"""

from dataclasses import dataclass, field
from datetime import timedelta

import peewee
from peewee import SQL, fn

from models import db, utcnow
from models.audit import AuditEvent
from store.trail import audit, operations

SERIES = ("writes", "applied", "refused")
_WRITES, _CHANGES = frozenset(operations.WRITES), frozenset(operations.CHANGES)
_REFUSED = frozenset(("refused", "failed"))


@dataclass(frozen=True)
class Span:
    """A chart's window: how many buckets of one step, ending with the current one."""

    name: str
    step: timedelta
    buckets: int
    label: str  # "the last 24 hours"

    def starts(self, now):
        """The start of each bucket, oldest first; the last one holds now."""
        current = now.replace(minute=0, second=0, microsecond=0)
        if self.step == DAY:
            current = current.replace(hour=0)
        return [current - self.step * (self.buckets - 1 - i) for i in range(self.buckets)]

    def key(self, moment):
        """A bucket's key as the database writes it: '2026-12-06 23' for an hour, '2026-12-06' for a day."""
        return moment.strftime("%Y-%m-%d %H" if self.step == HOUR else "%Y-%m-%d")


HOUR, DAY = timedelta(hours=1), timedelta(days=1)
SPANS = {"24h": Span("24h", HOUR, 24, "the last 24 hours, per hour"),
         "30d": Span("30d", DAY, 30, "the last 30 days, per day")}


@dataclass
class Counts:
    """One chart's numbers: the start of each bucket and, per series, one count per bucket."""

    span: Span
    starts: list
    series: dict = field(default_factory=dict)  # name → [count per bucket]

    def total(self, name):
        return sum(self.series[name])

    @property
    def empty(self):
        return not any(self.total(name) for name in SERIES)


def over_time(span, app_name=None, now=None):
    """Counts of one app's events (by name, so a deleted app's stay countable), or of every app's."""
    counts, index = _blank(span, now)
    rows = _grouped(span, counts.starts[0], index, () if app_name is None else (audit.of_app_named(app_name),))
    for _app, bucket, operation, outcome, number in rows:
        _add(counts, index[bucket], operation, outcome, number)
    return counts


def per_app(span, now=None):
    """{app id: Counts} for every app with events in the span, in one query."""
    now = now or utcnow()
    found = {}
    first, index = _blank(span, now)
    for app_id, bucket, operation, outcome, number in _grouped(span, first.starts[0], index,
                                                               (AuditEvent.app.is_null(False),), by_app=True):
        counts = found.get(app_id) or found.setdefault(app_id, _blank(span, now)[0])
        _add(counts, index[bucket], operation, outcome, number)
    return found


def blank(span, now=None):
    """Counts of nothing (an app without events in the span)."""
    return _blank(span, now)[0]


def _blank(span, now):
    starts = span.starts(now or utcnow())
    counts = Counts(span, starts, {name: [0] * len(starts) for name in SERIES})
    return counts, {span.key(start): i for i, start in enumerate(starts)}


def _grouped(span, start, index, conditions, by_app=False):
    """(app id or None, bucket key, operation, outcome, count) rows from start on, grouped by the database
    (GROUP BY 2 is the bucket, the select's second column, in SQLite and PostgreSQL alike)."""
    app = AuditEvent.app if by_app else SQL("NULL")
    query = (AuditEvent.select(app, _bucket(span), AuditEvent.operation, AuditEvent.outcome, fn.COUNT(SQL("*")))
             .where(AuditEvent.at >= start, *conditions)
             .group_by(*((AuditEvent.app,) if by_app else ()), SQL("2"), AuditEvent.operation, AuditEvent.outcome))
    return [row for row in query.tuples() if row[1] in index]  # an event stamped ahead of the clock waits


def _bucket(span):
    """The bucket of an event's time as text, in the store's dialect; never read back as a datetime."""
    if isinstance(db.obj, peewee.PostgresqlDatabase):
        return fn.to_char(AuditEvent.at, "YYYY-MM-DD HH24" if span.step == HOUR else "YYYY-MM-DD").coerce(False)
    # SQLite keeps a time as ISO 8601 text ("2026-12-06 23:54:01.123456"): its first characters are the bucket.
    return fn.substr(AuditEvent.at, 1, 13 if span.step == HOUR else 10).coerce(False)


def _add(counts, i, operation, outcome, number):
    if operation in _WRITES and outcome != "ignored":
        counts.series["writes"][i] += number
    if operation in _CHANGES and outcome == "applied":
        counts.series["applied"][i] += number
    if outcome in _REFUSED:
        counts.series["refused"][i] += number
