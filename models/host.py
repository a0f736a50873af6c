"""Host (emulated Atlassian) groups and group memberships, which provisioning maintains."""

import peewee

from .base import BaseModel, utcnow
from .directory import Directory
from .idp_app import IdpApp
from .user import User


class HostGroup(BaseModel):
    directory = peewee.ForeignKeyField(Directory, backref="host_groups", on_delete="CASCADE")
    name = peewee.CharField(max_length=255)
    name_lower = peewee.CharField(max_length=255)
    description = peewee.TextField(default="")
    created_by = peewee.ForeignKeyField(IdpApp, null=True, on_delete="SET NULL")
    created = peewee.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("directory", "name_lower"), True),)


class HostMembership(BaseModel):
    """A user in a host group; source_app None means an admin (or the host) put it there."""

    group = peewee.ForeignKeyField(HostGroup, backref="memberships", on_delete="CASCADE")
    user = peewee.ForeignKeyField(User, backref="host_memberships", on_delete="CASCADE")
    source_app = peewee.ForeignKeyField(IdpApp, null=True, on_delete="SET NULL")
    reason = peewee.CharField(max_length=16, default="manual")  # manual | idp-group | default
    created = peewee.DateTimeField(default=utcnow)

    class Meta:
        primary_key = peewee.CompositeKey("group", "user")
        indexes = ((("user",), False),)
