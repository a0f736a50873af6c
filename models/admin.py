"""The admin account of the configuration pages, and sign-in attempts for throttling."""

import peewee

from .base import BaseModel, utcnow


class AdminAccount(BaseModel):
    username = peewee.CharField(max_length=64, unique=True)
    password_hash = peewee.CharField(max_length=255)
    created = peewee.DateTimeField(default=utcnow)
    password_changed = peewee.DateTimeField(default=utcnow)
    session_epoch = peewee.IntegerField(default=0)  # sessions carry it; bumping it ends them all


class LoginFailure(BaseModel):
    """One failed sign-in for a key (client address + username); kept in the store so every instance sees it."""

    key = peewee.CharField(max_length=255, index=True)
    at = peewee.DateTimeField(default=utcnow)
