"""Checking a source's settings as an admin typed them: URLs, required values; errors name the setting."""

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class SourceConfigError(ValueError):
    """A source setting is missing or malformed; the message names the setting."""

    def __init__(self, name, message):
        super().__init__(f"{name}: {message}")
        self.name = name


def url(name, value):
    """A URL without its trailing slash: https, or http only on this machine (tests, a local gateway)."""
    value = require(name, value).strip().rstrip("/")
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SourceConfigError(name, f"must be an https:// URL, got {value!r}")
    if parts.username or parts.password:
        raise SourceConfigError(name, "must not carry a user name or password; give the credentials separately")
    if parts.query or parts.fragment:
        raise SourceConfigError(name, f"must not have a query or fragment, got {value!r}")
    try:
        if parts.port == 0:
            raise ValueError
    except ValueError:
        raise SourceConfigError(name, f"has an invalid port: {value!r}") from None
    if parts.scheme == "http" and not loopback(parts.hostname):
        raise SourceConfigError(name, f"must use https:// (http:// only for localhost), got {value!r}")
    return value


def origin(name, value, what="the identity domain URL"):
    """A URL that must be scheme://host[:port] only, as an identity domain URL is."""
    value = url(name, value)
    parts = urlsplit(value)
    if parts.path:
        raise SourceConfigError(name, f"is {what} only, like {parts.scheme}://{parts.netloc} "
                                      f"(no path), got {value!r}")
    return value


def require(name, value, why="is required"):
    """The value, or SourceConfigError when it is empty."""
    if not isinstance(value, str) or not value.strip():
        raise SourceConfigError(name, why)
    return value


def choice(name, value, allowed):
    """One of ``allowed`` (the first when empty), or SourceConfigError listing them."""
    if not value:
        return allowed[0]
    if value not in allowed:
        raise SourceConfigError(name, f"must be one of {', '.join(allowed)}, got {value!r}")
    return value


def loopback(host):
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class Field:
    """One setting as the wizard's Connect step asks for it (and the CLI's flags name it).

    ``kind``: text, secret (a password box; stored encrypted), file (an upload, e.g. Google's service-account
    JSON; stored encrypted), choice (``choices`` are (value, label) pairs; the first is the default) or list
    (comma-separated values). ``advanced``: shown folded (URLs that only national clouds and tests change).
    """

    name: str
    label: str
    help: str
    kind: str = "text"
    required: bool = True
    placeholder: str = ""
    choices: tuple = ()
    advanced: bool = False
