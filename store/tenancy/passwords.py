"""Salted password hashes for host accounts; SCIM never returns them (RFC 7643 §4.1.1)."""

import hashlib
import hmac
import secrets

_N, _R, _P = 2**12, 8, 1


def hash_or_none(password):
    """An scrypt hash of password, or None when no password was sent."""
    if not password:
        return None
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P)
    return f"scrypt${_N}${_R}${_P}${salt.hex()}${digest.hex()}"


def verify(stored, password):
    """Whether password matches the stored hash, in constant time."""
    try:
        _, n, r, p, salt, digest = stored.split("$")
    except (AttributeError, ValueError):
        return False
    candidate = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt), n=int(n), r=int(r), p=int(p))
    return hmac.compare_digest(candidate.hex(), digest)
