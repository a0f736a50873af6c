"""Identity-provider apps: who may provision, into which directory, with which token."""

import peewee

from .base import BaseModel, utcnow
from .directory import Directory


class IdpApp(BaseModel):
    name = peewee.CharField(max_length=120, unique=True)
    # Names are unique regardless of case. Nullable, like token_created, only because SQLite adds a NOT NULL
    # column to a table with rows by rebuilding it; save() always sets it.
    name_lower = peewee.CharField(max_length=120, unique=True, null=True)
    provider = peewee.CharField(max_length=40)
    method = peewee.CharField(max_length=20, default="scim")
    directory = peewee.ForeignKeyField(Directory, backref="apps", on_delete="RESTRICT")
    token_hash = peewee.CharField(max_length=64, unique=True)
    enabled = peewee.BooleanField(default=True)
    created = peewee.DateTimeField(default=utcnow)
    last_used = peewee.DateTimeField(null=True)
    token_created = peewee.DateTimeField(default=utcnow, null=True)  # when the current token was made
    last_request = peewee.DateTimeField(null=True)  # the IdP's last request: when, what, and the answer
    last_request_method = peewee.CharField(max_length=10, null=True)
    last_request_status = peewee.IntegerField(null=True)
    options = peewee.TextField(default="{}")  # JSON, validated by rules.options

    @classmethod
    def by_name(cls, name):
        """The app with this name (regardless of case), or None."""
        return cls.get_or_none(cls.name_lower == name.lower())

    def save(self, *args, **kwargs):
        """name_lower follows name."""
        self.name_lower = self.name.lower()
        return super().save(*args, **kwargs)
