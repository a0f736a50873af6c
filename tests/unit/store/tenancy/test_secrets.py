"""store.tenancy.secrets: pull sources' secrets encrypted at rest with a key from configuration."""

import base64

import pytest
from cryptography.fernet import Fernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from store.tenancy import secrets

SECRETS = {"client_secret": "s3cr3t-value-0123456789"}


def test_a_secret_round_trips_and_is_not_stored_in_clear():
    key = secrets.key_from({"SECRET_KEY": "instance-secret-key"})
    token = secrets.encrypt(key, SECRETS)
    assert SECRETS["client_secret"] not in token
    assert base64.urlsafe_b64encode(SECRETS["client_secret"].encode()).decode() not in token
    assert secrets.decrypt(key, token) == SECRETS


def test_without_sync_secret_key_the_key_is_hkdf_of_secret_key():
    """Documented: HKDF-SHA256, no salt, info 'usersync sync secrets v1', 32 bytes, as a Fernet key."""
    expected = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"usersync sync secrets v1").derive(
        b"instance-secret-key")
    assert secrets.key_from({"SECRET_KEY": "instance-secret-key"}) == base64.urlsafe_b64encode(expected)
    assert secrets.key_from({"SECRET_KEY": "instance-secret-key", "SYNC_SECRET_KEY": None}) == \
        base64.urlsafe_b64encode(expected)  # instances sharing SECRET_KEY read each other's secrets


def test_sync_secret_key_is_used_as_given_when_it_is_a_fernet_key_else_stretched():
    fernet_key = Fernet.generate_key()
    assert secrets.key_from({"SECRET_KEY": "x" * 20, "SYNC_SECRET_KEY": fernet_key.decode()}) == fernet_key
    passphrase = secrets.key_from({"SECRET_KEY": "x" * 20, "SYNC_SECRET_KEY": "a long enough passphrase"})
    assert passphrase != secrets.key_from({"SECRET_KEY": "x" * 20})
    assert secrets.decrypt(passphrase, secrets.encrypt(passphrase, SECRETS)) == SECRETS


@pytest.mark.parametrize("config, message", [
    ({"SECRET_KEY": "x" * 20, "SYNC_SECRET_KEY": "short"}, "SYNC_SECRET_KEY must be a Fernet key or at least 16"),
    ({}, "Set SYNC_SECRET_KEY or SECRET_KEY"),
])
def test_an_unusable_key_is_a_configuration_error(config, message):
    with pytest.raises(secrets.SecretKeyError, match=message):
        secrets.key_from(config)


@pytest.mark.parametrize("token", ["changed", "damaged", "not-fernet"])
def test_another_key_or_a_damaged_token_is_a_clear_error_not_a_traceback(token):
    key = secrets.key_from({"SECRET_KEY": "old-instance-secret"})
    stored = secrets.encrypt(key, SECRETS)
    other = secrets.key_from({"SECRET_KEY": "new-instance-secret"})
    cases = {"changed": (other, stored), "damaged": (key, stored[:-8] + "AAAAAAAA"), "not-fernet": (key, "é")}
    with pytest.raises(secrets.SecretUnreadable) as unreadable:
        secrets.decrypt(*cases[token])
    assert str(unreadable.value) == "the sync secret key changed; enter the client secret again"
    assert unreadable.value.__cause__ is None and unreadable.value.__suppress_context__
