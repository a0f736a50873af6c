"""The audit trail of provisioning decisions and the per-app SCIM traffic log."""

import peewee

from .base import BaseModel, utcnow
from .idp_app import IdpApp


class AuditEvent(BaseModel):
    at = peewee.DateTimeField(default=utcnow, index=True)
    app = peewee.ForeignKeyField(IdpApp, null=True, backref="audit_events", on_delete="SET NULL")
    app_name = peewee.CharField(max_length=120, null=True)  # kept when the app is deleted
    operation = peewee.CharField(max_length=40)  # create-user, update-user, settings, ...
    resource_type = peewee.CharField(max_length=16, null=True)
    resource_id = peewee.CharField(max_length=64, null=True, index=True)
    subject = peewee.CharField(max_length=255, null=True, index=True)  # userName / displayName
    outcome = peewee.CharField(max_length=16, index=True)  # applied | refused | ignored | failed
    reason = peewee.TextField(default="")
    changes = peewee.TextField(null=True)  # JSON


class TrafficEntry(BaseModel):
    at = peewee.DateTimeField(default=utcnow)
    app = peewee.ForeignKeyField(IdpApp, backref="traffic", on_delete="CASCADE")
    request_id = peewee.CharField(max_length=64)  # ours are uuid4; an IdP's X-Request-Id may be longer
    method = peewee.CharField(max_length=10)
    path = peewee.CharField(max_length=2048)
    status = peewee.IntegerField()
    latency_ms = peewee.FloatField()
    request_body = peewee.TextField(null=True)
    response_body = peewee.TextField(null=True)

    class Meta:
        indexes = ((("app", "at"), False),)
