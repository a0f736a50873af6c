"""SCIM users as host-directory accounts, with their multi-valued attributes."""

import peewee

from .base import BaseModel, new_id, utcnow
from .directory import Directory
from .idp_app import IdpApp


class User(BaseModel):
    id = peewee.CharField(max_length=64, primary_key=True, default=new_id)
    directory = peewee.ForeignKeyField(Directory, backref="users", on_delete="CASCADE")
    user_name = peewee.CharField(max_length=255)
    user_name_lower = peewee.CharField(max_length=255)
    host_username = peewee.CharField(max_length=255)  # userName after the app's regex
    host_username_lower = peewee.CharField(max_length=255)
    scim_linked = peewee.BooleanField(default=True)  # False: deleted by SCIM, kept (inactive) on the host
    provisioned_by = peewee.ForeignKeyField(IdpApp, null=True, backref="users", on_delete="SET NULL")
    external_id = peewee.CharField(max_length=255, null=True, index=True)
    display_name = peewee.CharField(max_length=255, null=True)
    nick_name = peewee.CharField(max_length=255, null=True)
    profile_url = peewee.CharField(max_length=1024, null=True)
    title = peewee.CharField(max_length=255, null=True)
    user_type = peewee.CharField(max_length=255, null=True)
    preferred_language = peewee.CharField(max_length=255, null=True)
    locale = peewee.CharField(max_length=255, null=True)
    timezone = peewee.CharField(max_length=255, null=True)
    active = peewee.BooleanField(null=True)  # unassigned counts as active on the host
    # What the IdP last sent as active (None: never said), which the enable/disable options may have
    # kept from the host's active: a reconcile under changed options reads the IdP's wish here.
    idp_active = peewee.BooleanField(null=True)
    password_hash = peewee.CharField(max_length=255, null=True)
    name_formatted = peewee.CharField(max_length=1024, null=True)
    name_family = peewee.CharField(max_length=255, null=True)
    name_given = peewee.CharField(max_length=255, null=True)
    name_middle = peewee.CharField(max_length=255, null=True)
    name_prefix = peewee.CharField(max_length=255, null=True)
    name_suffix = peewee.CharField(max_length=255, null=True)
    employee_number = peewee.CharField(max_length=255, null=True)
    cost_center = peewee.CharField(max_length=255, null=True)
    organization = peewee.CharField(max_length=255, null=True)
    division = peewee.CharField(max_length=255, null=True)
    department = peewee.CharField(max_length=255, null=True)
    manager_id = peewee.CharField(max_length=255, null=True)
    manager_ref = peewee.CharField(max_length=1024, null=True)
    created = peewee.DateTimeField(default=utcnow)
    last_modified = peewee.DateTimeField(default=utcnow, index=True)
    version = peewee.IntegerField(default=1)

    class Meta:
        indexes = (
            (("directory", "user_name_lower"), True),
            (("directory", "host_username_lower"), True),
            (("directory", "scim_linked", "created", "id"), False),  # pages in order, counts from the index
        )


class UserValue(BaseModel):
    """One entry of a multi-valued attribute (emails, phoneNumbers, addresses, ...)."""

    user = peewee.ForeignKeyField(User, backref="values", on_delete="CASCADE")
    attribute = peewee.CharField(max_length=32)
    position = peewee.IntegerField(default=0)
    value = peewee.TextField(null=True)
    value_lower = peewee.CharField(max_length=255, null=True)
    display = peewee.CharField(max_length=255, null=True)
    type = peewee.CharField(max_length=255, null=True)
    primary = peewee.BooleanField(null=True)
    formatted = peewee.CharField(max_length=1024, null=True)
    street_address = peewee.CharField(max_length=1024, null=True)
    locality = peewee.CharField(max_length=255, null=True)
    region = peewee.CharField(max_length=255, null=True)
    postal_code = peewee.CharField(max_length=255, null=True)
    country = peewee.CharField(max_length=255, null=True)

    class Meta:
        indexes = (
            (("user", "attribute", "position"), False),
            (("attribute", "value_lower"), False),
        )
