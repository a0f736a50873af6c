"""Where an app pulls users and groups from: the source's settings, its secrets (encrypted), its schedule."""

import json
from datetime import timedelta

import peewee

from models import IdpApp, SyncSource, db, utcnow
from store.tenancy import secrets as secret_store
from store.trail import audit
from sync.sources import SourceConfigError, from_dict, source_class

# What the admin picks, in the order the page lists them, with the words it shows.
SCHEDULES = {
    "off": "Only when asked",
    "hourly": "Every hour",
    "twice-daily": "Twice a day",
    "daily": "Once a day",
    "weekly": "Once a week",
}
INTERVALS = {"hourly": timedelta(hours=1), "twice-daily": timedelta(hours=12), "daily": timedelta(days=1),
             "weekly": timedelta(days=7)}
SECRET_LABELS = {"client_secret": "client secret", "bearer_token": "bearer token", "api_token": "API token",
                 "service_account": "service account key"}


class StoredSecretUnreadable(SourceConfigError):
    """The stored secret was encrypted with another key; .name is the secret's setting, to be typed again."""

    def __init__(self, name):
        super().__init__(name, f"the sync secret key changed; enter the {SECRET_LABELS.get(name, name)} again")


def configure(app, kind, settings, secrets, key):
    """Save (validated) where the app pulls from; an empty secrets dict keeps the stored secret.

    Raises SourceConfigError naming the setting; audited without any secret.
    """
    app = _app(app)
    if app.method != "rest":
        raise SourceConfigError("app", f"'{app.name}' uses SCIM: its IdP pushes changes, so there is nothing to pull")
    given = {name: value for name, value in (secrets or {}).items() if value}
    with db.atomic():
        row = _row(app, for_update=True)
        kept = {} if given or row is None or not row.secret else _kept_secrets(row, kind, settings, key)
        source = from_dict({**settings, "kind": kind}, {**kept, **given})
        if kept:
            _same_destination(row, source, key)
        before = json.loads(row.settings) if row else {}
        after = source.to_dict()
        if row is not None and before == after and not given:
            return row
        values = {"kind": source.kind, "settings": json.dumps(after, sort_keys=True), "updated": utcnow(),
                  "secret": secret_store.encrypt(key, source.secrets())}
        if before != after:  # where the last run stopped reading another source means nothing to this one
            values.update(watermark=None, group_watermark=None)
        if row is None:
            row = SyncSource.create(app=app.id, **values)
        else:
            SyncSource.update(**values).where(SyncSource.id == row.id).execute()
            row = SyncSource.get_by_id(row.id)
        _audit_configured(app, source, before, after, bool(given))
    return row


def source_for(app, key):
    """The app's sync.sources object with its secrets, or None when none is configured.

    Raises StoredSecretUnreadable when the key changed since the secret was stored."""
    row = _row(_app(app))
    if row is None:
        return None
    settings = json.loads(row.settings)
    try:
        stored = secret_store.decrypt(key, row.secret) if row.secret else {}
    except secret_store.SecretUnreadable:
        raise StoredSecretUnreadable(_secret_name(row.kind, settings)) from None
    return from_dict(settings, stored)


def settings_of(app):
    """The app's source without its secret, or None:
    {"kind", "settings", "has_secret", "schedule", "next_run", "watermark"}."""
    row = _row(_app(app))
    if row is None:
        return None
    settings = {name: value for name, value in json.loads(row.settings).items() if name != "kind"}
    return {"kind": row.kind, "settings": settings, "has_secret": bool(row.secret), "schedule": row.schedule,
            "next_run": audit.iso(row.next_run), "watermark": row.watermark}


def set_schedule(app, schedule):
    """How often the app pulls by itself; the first scheduled run is one interval from now. Audited."""
    app = _app(app)
    if schedule not in SCHEDULES:
        raise SourceConfigError("schedule", f"must be one of {', '.join(SCHEDULES)}, got {schedule!r}")
    with db.atomic():
        row = _row(app, for_update=True)
        if row is None:
            raise SourceConfigError("schedule", "save the source's connection settings first")
        if row.schedule == schedule:
            return row
        next_run = utcnow() + INTERVALS[schedule] if schedule in INTERVALS else None
        SyncSource.update(schedule=schedule, next_run=next_run, updated=utcnow()).where(
            SyncSource.id == row.id).execute()
        when = f"; next run at {audit.iso(next_run)}" if next_run else ""
        audit.record(app, "sync-schedule", "applied",
                     f"pull schedule changed from '{row.schedule}' to '{schedule}'{when}",
                     changes={"schedule": [row.schedule, schedule]})
        return SyncSource.get_by_id(row.id)


def due(now=None):
    """The sources whose scheduled run has come, of enabled apps."""
    now = now or utcnow()
    return list(SyncSource.select().join(IdpApp).where(
        (SyncSource.schedule != "off") & (SyncSource.next_run <= now) & (IdpApp.enabled == True)))  # noqa: E712


def advance(row, now=None):
    """Move a due source's next_run to its first slot after now (missed slots are not made up)."""
    now = now or utcnow()
    interval = INTERVALS.get(row.schedule)
    if interval is None:
        return
    next_run = row.next_run or now
    while next_run <= now:
        next_run += interval
    SyncSource.update(next_run=next_run).where(SyncSource.id == row.id).execute()


def watermarks(app_id):
    """(users, groups): where the app's next incremental run starts; SyncSource.DoesNotExist without a source."""
    row = SyncSource.get(SyncSource.app == app_id)
    return row.watermark, row.group_watermark


def set_watermarks(app_id, users, groups):
    """Remember where a complete run ended: the newest meta.lastModified it saw, or the source's delta link."""
    SyncSource.update(watermark=users, group_watermark=groups).where(SyncSource.app == app_id).execute()


def describe(source):
    """A source in an admin's words, for the audit trail and the CLI."""
    return source.describe()


def _audit_configured(app, source, before, after, replaced):
    secret = SECRET_LABELS.get(source.secret_name, source.secret_name.replace("_", " "))
    if not before:
        what = f"pull source set to {describe(source)}; {secret} stored encrypted"
    else:
        what = f"pull source changed to {describe(source)}; {secret} {'replaced' if replaced else 'kept'}"
    changes = {name: [before.get(name), after.get(name)] for name in sorted(set(before) | set(after))
               if before.get(name) != after.get(name)} if before else None
    audit.record(app, "sync-source", "applied", what, changes=changes or None)


def _same_destination(row, source, key):
    """A stored secret goes only where it went when it was typed: changing the URL must not send it to a server
    of someone else's choosing (the wizard's form and the CLI alike)."""
    stored = from_dict(json.loads(row.settings), secret_store.decrypt(key, row.secret))
    if stored.destination != source.destination:
        label = SECRET_LABELS.get(source.secret_name, source.secret_name)
        raise SourceConfigError(source.secret_name, f"must be given again: the {label} would now be sent to "
                                                    f"{source.destination}, and a stored secret is only sent where "
                                                    "it was saved for")


def _kept_secrets(row, kind, settings, key):
    """The stored secret that fits the new settings (a bearer token is no use to OAuth2 settings)."""
    try:
        stored = secret_store.decrypt(key, row.secret)
    except secret_store.SecretUnreadable:
        raise StoredSecretUnreadable(_secret_name(kind, settings)) from None
    name = _secret_name(kind, settings)
    return {name: stored[name]} if name in stored else {}


def _secret_name(kind, settings):
    """Which secret these settings need: a bearer token, or the client secret of OAuth2 client credentials."""
    if kind == "scim":
        oauth = settings.get("auth") == "oauth" or (settings.get("auth") is None
                                                      and (settings.get("token_url") or settings.get("client_id")))
        return "client_secret" if oauth else "bearer_token"
    try:
        return source_class(kind).secret_names[0]
    except SourceConfigError:
        return "client_secret"


def _row(app, for_update=False):
    query = SyncSource.select().where(SyncSource.app == app.id)
    if for_update and not isinstance(db.obj, peewee.SqliteDatabase):
        query = query.for_update()  # read-modify-write: lock the row on PostgreSQL (SQLite's writes are IMMEDIATE)
    return query.first()


def _app(app):
    """An IdpApp from an IdpApp or its id."""
    if isinstance(app, IdpApp):
        return app
    found = IdpApp.get_or_none(IdpApp.id == app)
    if found is None:
        raise SourceConfigError("app", f"there is no app {app!r}")
    return found
