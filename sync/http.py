"""One httpx.Client with timeouts, and bounded retries with backoff on 429, 5xx and dropped connections."""

import email.utils
import functools
import logging
import random
import ssl
import time

import certifi
import httpx

from .errors import unreachable

log = logging.getLogger("usersync.sync")

RETRY_STATUSES = (429, 500, 502, 503, 504)
RETRY_NETWORK = ("refused", "timeout", "network")  # DNS and TLS failures do not heal in seconds
MAX_BACKOFF = 30.0
MAX_RETRY_AFTER = 60.0
USER_AGENT = "usersync-sync/1"


class Http:
    """Requests to one source: the same client, headers and retry policy for the token endpoint and the API."""

    def __init__(self, *, timeout=10.0, verify=True, retries=3, sleep=None, transport=None):
        if verify is True:
            verify = _trusted()
        self.client = httpx.Client(timeout=timeout, verify=verify, transport=transport, follow_redirects=False,
                                   headers={"User-Agent": USER_AGENT})
        self.retries = retries
        self.sleep = time.sleep if sleep is None else sleep

    def send(self, method, url, *, stage, **kwargs):
        """The response to METHOD url, retried while it is 429/5xx or the connection failed (at most ``retries``)."""
        for attempt in range(self.retries + 1):
            last = attempt == self.retries
            try:
                response = self.client.request(method, url, **kwargs)
            except httpx.TransportError as exc:
                error = unreachable(exc, url, stage)
                if last or error.code not in RETRY_NETWORK:
                    raise error from exc
                self._wait(attempt, None, f"{error.code} calling {url}")
                continue
            if last or response.status_code not in RETRY_STATUSES:
                return response
            self._wait(attempt, response.headers.get("Retry-After"), f"{response.status_code} from {url}")
        raise AssertionError("unreachable")  # pragma: no cover

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
