"""Test Connection: try a source once, without retries, and say in admin words what worked or what failed.

A source's client ``check()`` reads one small page of users and of groups (a Check of what the source
reports), raising a SourceError whose stage and code say where it stopped, in an admin's words."""

from dataclasses import dataclass
from urllib.parse import urlsplit

from .errors import SourceError
from .http import check_https

STAGES = ("dns", "connect", "tls", "token", "api")


@dataclass(frozen=True)
class Result:
    """One outcome: ``stage`` is where it stopped (dns, connect, tls, token, api), ``code`` what happened."""

    ok: bool
    stage: str
    code: str
    message: str
    detail: str | None = None
    users: int | None = None
    groups: int | None = None


def test_connection(source, *, timeout=10.0, verify=True, transport=None):
    """Fetch a token if the source needs one, then read one user and one group; a Result either way."""
    try:
        if transport is None:  # a real network: an https:// URL served by plain HTTP is told at once
            for url, stage in _https_urls(source):
                check_https(url, timeout=timeout, stage=stage)
        with source.client(timeout=timeout, verify=verify, retries=0, transport=transport) as client:
            found = client.check()
    except SourceError as error:
        return Result(False, error.stage, error.code, str(error), error.detail)
    return Result(True, "api", "ok", _found(source, found), users=found.users, groups=found.groups)


test_connection.__test__ = False  # a library function, not a pytest test


def _https_urls(source):
    """(url, stage) of each server the test calls over https://, once each: the token endpoint first."""
    token_url = source.destination if source.destination != source.endpoint else None
    seen, urls = set(), []
    for url, stage in ((token_url, "token"), (source.endpoint, "api")):
        origin = urlsplit(url or "").netloc.lower()
        if url and url.startswith("https://") and origin not in seen:
            seen.add(origin)
            urls.append((url, stage))
    return urls


def _found(source, found):
    """The success message: where, and how many users and groups the source reports."""
    counts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((found.users, "user"), (found.groups, "group"))
              if n is not None]
    listed = f": the source reports {' and '.join(counts)}" if counts else ""
    return f"Connected to {found.endpoint or source.endpoint}{listed}."
