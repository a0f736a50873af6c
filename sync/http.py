"""One httpx.Client with timeouts, bounded retries with backoff on 429, 5xx and dropped connections, and the
probe telling an https:// URL served by plain HTTP from a firewall."""

import email.utils
import functools
import logging
import random
import socket
import ssl
import time

import certifi
import httpx

from .errors import caused_by, plain_http, unreachable

log = logging.getLogger("usersync.sync")

RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_NETWORK = ("refused", "timeout", "network")  # DNS and TLS failures do not heal in seconds
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0
USER_AGENT = "usersync-sync/1"
# A TLS server answers a ClientHello within a round trip; a plain-HTTP server may wait for the rest of a request
# that never comes, until the client's whole timeout, which then reads like a firewall dropping the traffic.
HANDSHAKE_WAIT = 1.5


class Http:
    """Requests to one source: the same client, headers and retry policy for the token endpoint and the API."""

    def __init__(self, *, timeout=10.0, verify=True, retries=3, sleep=None, transport=None, retry_also=None):
        if verify is True:
            verify = _trusted()
        self.client = httpx.Client(timeout=timeout, verify=verify, transport=transport, follow_redirects=False,
                                   headers={"User-Agent": USER_AGENT})
        self.retries = retries
        self.sleep = time.sleep if sleep is None else sleep
        self.before_send = None  # called before every request: a pull commits its open writes then
        self.retry_also = retry_also  # response -> whether to retry it too (an API's own way of saying "slow down")


    def send(self, method, url, *, stage, **kwargs):
        """The response to METHOD url, retried while it is 429/5xx (or retry_also says so) or the connection failed
        (at most ``retries``)."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            if self.before_send is not None:
                self.before_send()
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                error = unreachable(exc, url, stage)
                if last or error.code not in RETRY_NETWORK:
                    raise _explained(error, exc, url, self._probe_wait()) from exc
                self._wait(attempt, None, f"{error.code} calling {url}")
                continue
            if last or not self._retryable(response):
                return response
            self._wait(attempt, response.headers.get("Retry-After"), f"{response.status_code} from {url}")
        raise AssertionError("unreachable")  # pragma: no cover

    def _probe_wait(self):
        """How long a plain-HTTP probe after a failure may wait: HANDSHAKE_WAIT, at most the connect timeout."""
        return min(HANDSHAKE_WAIT, self.client.timeout.connect or HANDSHAKE_WAIT)

    def _retryable(self, response):
        return response.status_code in RETRY_STATUSES or (self.retry_also is not None and self.retry_also(response))

    def _wait(self, attempt, retry_after, why):
        """Sleep before the next attempt: RFC 9110 §10.2.3 Retry-After when given, else exponential backoff."""
        delay = _retry_after(retry_after)
        if delay is None:
            delay = min(MAX_BACKOFF, 0.5 * 2 ** attempt) + random.uniform(0, 0.25)
        log.info("source answered %s; retrying in %.1f s", why, delay)
        self.sleep(delay)

    def close(self):
        self.client.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check_https(url, *, timeout, stage):
    """Raise Unreachable (plain_http) if url is https:// and its server speaks plain HTTP, known within about
    HANDSHAKE_WAIT seconds (at most the timeout) instead of a whole timeout. A TCP connection that fails, or a
    server silent both to a handshake and to plain HTTP, raises what the request would (so nothing is waited for
    twice); every other outcome is left to the request, which names it."""
    target = httpx.URL(url)
    if target.scheme != "https":
        return
    address, wait = (target.host, target.port or 443), min(HANDSHAKE_WAIT, timeout)
    try:
        connection = socket.create_connection(address, timeout=timeout)
    except OSError as exc:
        raise unreachable(_as_httpx(exc), url, stage) from exc
    with connection:
        outcome = _handshake(connection, target.host, wait)
    if outcome == "done":
        return
    answer = _plain_answer(target, wait)
    if _is_plain_http(answer):
        raise plain_http(url)
    if outcome == "silent" and not answer:
        raise unreachable(httpx.ConnectTimeout(f"no TLS handshake in {wait} s"), url, stage)


def _explained(error, exc, url, wait):
    """A failed TLS handshake, or a connection timing out, told as plain HTTP when that is what the server speaks
    (a certificate refused came from a TLS server: nothing to explain)."""
    handshake = error.code == "tls" and not caused_by(exc, ssl.SSLCertVerificationError)
    timed_out = error.code == "timeout" and error.stage == "connect"
    target = httpx.URL(url)
    if (handshake or timed_out) and target.scheme == "https" and _is_plain_http(_plain_answer(target, wait)):
        return plain_http(url)
    return error


def _handshake(connection, host, wait):
    """How a TLS handshake within wait seconds went: done, failed, or silent (no answer in time); the server's
    certificate is not checked here."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    connection.settimeout(wait)
    try:
        with context.wrap_socket(connection, server_hostname=host):
            return "done"
    except TimeoutError:
        return "silent"
    except (ssl.SSLError, OSError):
        return "failed"


# What TLS servers answer a plain HTTP request with (nginx; Apache): they speak HTTPS, only not this way.
_TLS_PORT_ANSWERS = (b"sent to HTTPS port", b"SSL-enabled server port")


def _plain_answer(target, wait):
    """What the server at the URL's host and port answers a plain HTTP request with in wait seconds (b"": nothing)."""
    answer = b""
    try:
        with socket.create_connection((target.host, target.port or 443), timeout=wait) as connection:
            connection.sendall(b"GET / HTTP/1.0\r\nHost: " + target.netloc + b"\r\nConnection: close\r\n\r\n")
            while len(answer) < 1024 and (chunk := connection.recv(1024)):
                answer += chunk
    except OSError:  # refused, or quiet: whatever came before the timeout still counts
        pass
    return answer


def _is_plain_http(answer):
    """Whether an answer to plain HTTP came from a plain HTTP server (not a TLS port saying it wants TLS)."""
    return answer.startswith(b"HTTP/") and not any(words in answer for words in _TLS_PORT_ANSWERS)


def _as_httpx(exc):
    """A socket's failure to connect as the httpx error the request would have raised (for errors.unreachable)."""
    error = (httpx.ConnectTimeout if isinstance(exc, TimeoutError) else httpx.ConnectError)(str(exc))
    error.__cause__ = exc
    return error


@functools.cache
def _trusted():
    """httpx's default trust (certifi's CAs), built once: loading the bundle costs ~60 ms per client."""
    return ssl.create_default_context(cafile=certifi.where())


def _retry_after(value):
    """Seconds to wait from a Retry-After header (delta-seconds or an HTTP-date), capped; None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, min(when.timestamp() - time.time(), MAX_RETRY_AFTER))
