"""What can go wrong when pulling from a source, each failure with its stage, a code and admin words.

Messages name URLs and statuses, never a client secret or a token: every text quoted from a
response goes through ``scrub`` with the source's secrets first.
"""

import socket
import ssl

import httpx

MAX_QUOTED = 300  # characters of a response body quoted in a message


class SourceError(Exception):
    """A pull from a source failed; the message is written for an admin."""

    stage = "api"
    code = "error"

    def __init__(self, message, *, code=None, stage=None, status=None, detail=None):
        super().__init__(message)
        self.code = code or self.code
        self.stage = stage or self.stage
        self.status = status
        self.detail = detail


class Unreachable(SourceError):
    """No HTTP answer at all: DNS, TCP, TLS or a timeout (stages dns, connect, tls)."""

    stage = "connect"


class TokenError(SourceError):
    """The OAuth2 token endpoint did not issue a token."""

    stage = "token"


class ApiError(SourceError):
    """The SCIM API answered, but not with what was asked for."""


class FilterRefused(ApiError):
    """RFC 7644 §3.4.2.2: the source refused a filter (400 invalidFilter); run a full pull instead."""

    code = "filter_refused"


def unreachable(exc, url, stage):
    """The Unreachable error for an httpx transport failure while calling ``url`` during ``stage``."""
    target = httpx.URL(url)
    host, port = target.host, target.port or (443 if target.scheme == "https" else 80)
    if (refused := _find(exc, ssl.SSLCertVerificationError)) is not None:
        reason = refused.verify_message or str(refused)
        return Unreachable(f"The TLS certificate of {host} was not accepted: {reason}.", code="tls", stage="tls",
                           detail=_tls_advice(reason))
    if (failed := _find(exc, ssl.SSLError)) is not None:
        return Unreachable(f"The TLS handshake with {host} failed ({failed.reason or failed}). "
                           f"Does {url} speak HTTPS?", code="tls", stage="tls")
    if (unknown := _find(exc, socket.gaierror)) is not None:
        return Unreachable(f"The host name {host} was not found (DNS). Check the spelling of the URL.",
                           code="dns", stage="dns", detail=unknown.strerror)
    if _find(exc, ConnectionRefusedError) is not None:
        return Unreachable(f"{host} refused the connection on port {port}: nothing listens there, or a "
                           "firewall rejects it.", code="refused")
    if isinstance(exc, httpx.ConnectTimeout):
        return Unreachable(f"Connecting to {host} port {port} timed out: a firewall may drop the traffic, "
                           "or the host is down.", code="timeout")
    if isinstance(exc, httpx.TimeoutException):
        return Unreachable(f"{url} accepted the connection but did not answer in time.", code="timeout",
                           stage=stage)
    return Unreachable(f"Calling {url} failed: {type(exc).__name__}: {exc}", code="network")


def plain_http(url):
    """The Unreachable error for an https:// URL whose server answered plain HTTP (no TLS at all)."""
    target = httpx.URL(url)
    plain = str(target.copy_with(scheme="http", port=target.port or 443))
    return Unreachable("TLS handshake failed: the server answered plain HTTP — use http://", code="plain_http",
                       stage="tls", detail=f"{target.host} port {target.port or 443} speaks HTTP without TLS. On "
                                           f"this machine, use {plain}; any other host needs TLS in front of it "
                                           "(a reverse proxy with a certificate), since usersync sends its "
                                           "secrets to other hosts over HTTPS only.")


def scrub(text, secrets):
    """``text`` shortened to one line, with every secret replaced."""
    text = " ".join(str(text or "").split())
    for secret in secrets:
        if secret:
            text = text.replace(secret, "[redacted]")
    return text if len(text) <= MAX_QUOTED else text[:MAX_QUOTED] + "…"


def caused_by(exc, kind):
    """Whether an exception of ``kind`` is in the chain of causes of ``exc``."""
    return _find(exc, kind) is not None


def _find(exc, kind):
    """The first exception of ``kind`` in the chain of causes of ``exc`` (httpx wraps httpcore wraps ssl)."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, kind):
            return exc
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return None


def _tls_advice(reason):
    """What an admin can do about a certificate that was refused."""
    if "self-signed" in reason or "self signed" in reason:
        return "The server presents a self-signed certificate; give it one from a public CA."
    if "mismatch" in reason:
        return "The certificate is for another host name; use the host name it was issued for."
    if "expired" in reason:
        return "The certificate has expired; the source's admin must renew it."
    return "The certificate chain is not trusted by this server."

