"""Okta's rate limits: wait for the window to reset before a request the limit would refuse, and make a 429's
reset time the wait before its retry.

Okta API, "Rate limits": every answer carries ``X-Rate-Limit-Limit``, ``X-Rate-Limit-Remaining`` (in the
current window of the endpoint's bucket) and ``X-Rate-Limit-Reset`` (when the window resets, in UTC epoch
seconds); past the limit it answers 429 with errorCode E0000047 and no Retry-After. The reset is compared
with the answer's own Date header, so this server's clock being off does not matter.
"""

import email.utils
import logging
import time

log = logging.getLogger("usersync.sync")

RESERVE = 2  # at fewer requests left than this, wait for the reset: others may share the token's limit
MAX_WAIT = 60.0  # seconds: Okta's windows are a minute long; a reset further off is a clock or proxy problem


class RateLimits:
    """The latest X-Rate-Limit-* an org answered, and the pause they call for before the next request."""

    def __init__(self, sleep, clock=time.monotonic):
        self._sleep = sleep
        self._clock = clock
        self.resume_at = None  # on ``clock``: when the next request may go; None: at once
        self.waits = []  # seconds waited before a request (for the sync log and tests)

    def seen(self, response):
        """httpx response hook: note the limit; a 429 without Retry-After waits until the reset."""
        delay = _until_reset(response.headers)
        if response.status_code == 429:
            if delay is not None and "Retry-After" not in response.headers:
                response.headers["Retry-After"] = str(max(1, round(delay)))
            return
        remaining = _integer(response.headers.get("X-Rate-Limit-Remaining"))
        if remaining is None or remaining >= RESERVE or delay is None:
            self.resume_at = None
            return
        self.resume_at = self._clock() + min(delay, MAX_WAIT)

    def wait(self):
        """Before a request: sleep until the window resets if the last answer said the limit is (nearly) spent."""
        if self.resume_at is None:
            return
        delay, self.resume_at = self.resume_at - self._clock(), None
        if delay > 0:
            log.info("Okta rate limit nearly spent (X-Rate-Limit-Remaining); waiting %.1f s for the reset", delay)
            self.waits.append(delay)
            self._sleep(delay)


def _until_reset(headers):
    """Seconds from the answer's Date to its X-Rate-Limit-Reset (at least 0), or None when either is missing."""
    reset = _integer(headers.get("X-Rate-Limit-Reset"))
    if reset is None:
        return None
    now = _date(headers.get("Date"))
    return max(0.0, reset - (now if now is not None else time.time()))


def _date(value):
    """RFC 9110 §6.6.1 Date as epoch seconds, or None."""
    try:
        return email.utils.parsedate_to_datetime(value).timestamp() if value else None
    except (TypeError, ValueError):
        return None


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
