"""SCIM groups as host-directory groups, and their memberships."""

import peewee

from .base import BaseModel, new_id, utcnow
from .directory import Directory


class Group(BaseModel):
    id = peewee.CharField(max_length=64, primary_key=True, default=new_id)
    directory = peewee.ForeignKeyField(Directory, backref="groups", on_delete="CASCADE")
    display_name = peewee.CharField(max_length=255)
    display_name_lower = peewee.CharField(max_length=255)
    external_id = peewee.CharField(max_length=255, null=True, index=True)
    created = peewee.DateTimeField(default=utcnow)
    last_modified = peewee.DateTimeField(default=utcnow, index=True)
    version = peewee.IntegerField(default=1)

    class Meta:
        indexes = ((("directory", "display_name_lower"), True),
                   (("directory", "created", "id"), False))  # pages in order


class Membership(BaseModel):
    """A direct member (User or Group) of a group."""

    group = peewee.ForeignKeyField(Group, backref="memberships", on_delete="CASCADE")
    member_id = peewee.CharField(max_length=64)
    member_type = peewee.CharField(max_length=8, default="User")
    display = peewee.CharField(max_length=255, null=True)  # as the IdP sent it

    class Meta:
        primary_key = peewee.CompositeKey("group", "member_id")
        indexes = ((("member_id",), False),)
