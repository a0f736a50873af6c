"""Secrets at rest (a pull source's client secret or bearer token): Fernet with a key from configuration.

The key is ``SYNC_SECRET_KEY`` when set: a Fernet key (``Fernet.generate_key()``, 44 URL-safe base64
characters) is used as it is, any other value of at least 16 characters is stretched into one with
HKDF-SHA256. When unset it is derived the same way from ``SECRET_KEY`` (the one that signs admin
sessions), so every instance sharing that key can read the secrets. Changing the key makes the stored
secrets unreadable: the admin types them again.
"""

import base64
import binascii
import json

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

_INFO = b"usersync sync secrets v1"  # HKDF context: this key is for nothing else
_MIN_LENGTH = 16


class SecretKeyError(ValueError):
    """The configured key cannot be used (a deployment mistake); the message names the setting."""


class SecretUnreadable(ValueError):
    """A stored secret does not decrypt with the configured key."""

    def __init__(self):
        super().__init__("the sync secret key changed; enter the client secret again")


def key_from(config):
    """The Fernet key for a mapping of settings (Flask's app.config, or the CLI's): SYNC_SECRET_KEY, else SECRET_KEY."""
    configured = config.get("SYNC_SECRET_KEY")
    if configured:
        return _key("SYNC_SECRET_KEY", configured)
    secret = config.get("SECRET_KEY")
    if not secret:
        raise SecretKeyError("Set SYNC_SECRET_KEY or SECRET_KEY: pull sources' secrets are encrypted with it.")
    return _derived(secret)


def encrypt(config_key, secrets):
    """The Fernet token (text) of a dict of secrets."""
    return Fernet(config_key).encrypt(json.dumps(secrets, sort_keys=True).encode()).decode("ascii")


def decrypt(config_key, token):
    """The dict of secrets in a token; SecretUnreadable when another key encrypted it (or it is damaged)."""
    try:
        return json.loads(Fernet(config_key).decrypt(token.encode("ascii")))
    except (InvalidToken, ValueError, TypeError, UnicodeError):
        raise SecretUnreadable() from None


def _key(name, value):
    """A Fernet key as given, or one derived from a passphrase."""
    value = value.strip()
    try:
        if len(base64.urlsafe_b64decode(value.encode("ascii"))) == 32 and len(value) == 44:
            return value.encode("ascii")
    except (binascii.Error, ValueError, UnicodeError):
        pass
    if len(value) < _MIN_LENGTH:
        raise SecretKeyError(f"{name} must be a Fernet key or at least {_MIN_LENGTH} characters.")
    return _derived(value)


def _derived(text):
    """RFC 5869 HKDF-SHA256 of text, without salt (the input is already a secret key), as a Fernet key."""
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(text.encode())
    return base64.urlsafe_b64encode(material)
