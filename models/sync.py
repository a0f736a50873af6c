"""Pulling from an IdP (the REST API sync method): where from, each run, and which source ids are which local ones."""

import peewee

from .base import BaseModel, utcnow
from .idp_app import IdpApp


class SyncSource(BaseModel):
    """An app's source: its settings (sync.sources to_dict(), no secrets), its secrets encrypted, its schedule."""

    app = peewee.ForeignKeyField(IdpApp, unique=True, backref="sync_sources", on_delete="CASCADE")
    kind = peewee.CharField(max_length=16)  # oracle | scim | entra | okta | keycloak | google
    settings = peewee.TextField(default="{}")  # JSON
    secret = peewee.TextField(null=True)  # a Fernet token of the JSON object of the secrets (store.tenancy.secrets)
    schedule = peewee.CharField(max_length=16, default="off")  # off | hourly | twice-daily | daily | weekly
    next_run = peewee.DateTimeField(null=True, index=True)
    # Where the next incremental run starts: the newest meta.lastModified a complete run saw, or a delta link.
    watermark = peewee.TextField(null=True)
    group_watermark = peewee.TextField(null=True)  # the same for groups, for sources that read changed groups only
    created = peewee.DateTimeField(default=utcnow)
    updated = peewee.DateTimeField(default=utcnow)


class SyncRun(BaseModel):
    """One pull: requested, claimed by one process, checkpointed page by page, finished."""

    app = peewee.ForeignKeyField(IdpApp, backref="sync_runs", on_delete="CASCADE")
    trigger = peewee.CharField(max_length=16, default="manual")  # manual | schedule | cli
    full = peewee.BooleanField(default=False)
    # queued | running | succeeded | failed | interrupted
    status = peewee.CharField(max_length=16, default="queued", index=True)
    phase = peewee.CharField(max_length=16, default="users")  # users | groups | vanished | done
    done = peewee.IntegerField(default=0)
    total = peewee.IntegerField(null=True)
    counts = peewee.TextField(default="{}")  # JSON {created: n, ...}
    error = peewee.TextField(null=True)  # in an admin's words; never a secret or a traceback
    cursor = peewee.TextField(default="{}")  # JSON: where a rerun resumes (provisioning.pull_cursor)
    owner = peewee.CharField(max_length=255, null=True)  # host:pid:thread of the process running it
    heartbeat = peewee.DateTimeField(null=True)
    requested = peewee.DateTimeField(default=utcnow)
    started = peewee.DateTimeField(null=True)
    finished = peewee.DateTimeField(null=True)

    class Meta:
        indexes = ((("app", "id"), False),)  # an app's runs, newest first


class SyncLink(BaseModel):
    """A source id and the local user or group it became; local_id None: seen, but the options kept it out."""

    app = peewee.ForeignKeyField(IdpApp, backref="sync_links", on_delete="CASCADE")
    kind = peewee.CharField(max_length=8)  # User | Group
    source_id = peewee.CharField(max_length=255)
    local_id = peewee.CharField(max_length=64, null=True, index=True)
    seen_run = peewee.IntegerField(null=True)  # the last run that listed it
    digest = peewee.CharField(max_length=64, null=True)  # of what was last applied: unchanged since means no write

    class Meta:
        indexes = ((("app", "kind", "source_id"), True),
                   (("app", "kind", "seen_run"), False))  # vanished: an app's links not seen by a run
