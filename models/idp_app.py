"""Identity-provider apps: who may provision, into which directory, with which token."""

import peewee

from .base import BaseModel, utcnow
from .directory import Directory


class IdpApp(BaseModel):
    name = peewee.CharField(max_length=120, unique=True)
    provider = peewee.CharField(max_length=40)
    method = peewee.CharField(max_length=20, default="scim")
    directory = peewee.ForeignKeyField(Directory, backref="apps", on_delete="RESTRICT")
    token_hash = peewee.CharField(max_length=64, unique=True)
    enabled = peewee.BooleanField(default=True)
    created = peewee.DateTimeField(default=utcnow)
    last_used = peewee.DateTimeField(null=True)
    options = peewee.TextField(default="{}")  # JSON, validated by rules.options

    @classmethod
    def by_name(cls, name):
        """The app with this name, or None."""
        return cls.get_or_none(cls.name == name)
