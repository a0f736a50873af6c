"""IdP apps and their bearer tokens: 256-bit random, shown once, stored as SHA-256 hashes."""

import hashlib
import hmac
import secrets
from datetime import timedelta

import peewee

from models import Directory, IdpApp, db, utcnow

PROVIDERS = {
    "oracle": "Oracle Identity Cloud Service (OCI IAM)",
    "entra": "Microsoft Entra ID",
    "okta": "Okta",
    "onelogin": "OneLogin",
    "keycloak": "Keycloak",
    "jumpcloud": "JumpCloud",
    "ping": "Ping Identity",
    "google": "Google Workspace",
    "miniorange": "miniOrange",
    "custom": "Custom SCIM",
}
METHODS = ("scim", "rest")
_LAST_USED_EVERY = timedelta(seconds=60)


class AppError(ValueError):
    """A refused app operation, with a message for the admin."""


def token_hash(token):
    """The stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token():
    """A fresh bearer token: 32 random bytes, URL-safe."""
    return secrets.token_urlsafe(32)


def create(name, provider, method="scim", directory=None):
    """Create an app; returns (app, token). The token is never stored or shown again."""
    name = (name or "").strip()
    if not name or len(name) > 120:
        raise AppError("The app name must be 1 to 120 characters.")
    if provider not in PROVIDERS:
        raise AppError(f"Unknown provider '{provider}'; choose one of {', '.join(PROVIDERS)}.")
    if method not in METHODS:
        raise AppError(f"Unknown sync method '{method}'; choose scim or rest.")
    token = new_token()
    try:
        with db.atomic():
            app = IdpApp.create(name=name, provider=provider, method=method,
                                directory=directory or Directory.default(), token_hash=token_hash(token))
    except peewee.IntegrityError:
        raise AppError(f"An app named '{name}' already exists.") from None
    return app, token


def rotate(name):
    """Replace an app's token; the old one stops working at once. Returns (app, token)."""
    app = _named(name)
    token = new_token()
    with db.atomic():
        IdpApp.update(token_hash=token_hash(token)).where(IdpApp.id == app.id).execute()
    return app, token


def delete(name):
    """Delete an app (its directory and users stay)."""
    app = _named(name)
    with db.atomic():
        app.delete_instance()


def authenticate(token):
    """The enabled app this token belongs to, or None (compared in constant time)."""
    if not token:
        return None
    digest = token_hash(token)
    app = IdpApp.get_or_none(IdpApp.token_hash == digest)
    if app is None or not app.enabled or not hmac.compare_digest(app.token_hash, digest):
        return None
    _touch(app)
    return app


def _touch(app):
    """Record last use at most once a minute, so reads stay reads."""
    now = utcnow()
    if app.last_used is None or now - app.last_used > _LAST_USED_EVERY:
        with db.atomic():
            IdpApp.update(last_used=now).where(IdpApp.id == app.id).execute()


def _named(name):
    app = IdpApp.by_name(name)
    if app is None:
        raise AppError(f"No app named '{name}'.")
    return app
