"""Per-token request rate limiting: one token bucket per IdP app, off unless configured."""

import math
import threading
import time


class Buckets:
    """`rate` requests a second on average with bursts of up to `burst`, counted per key."""

    def __init__(self, rate, burst, clock=time.monotonic):
        self.rate = float(rate)
        self.burst = float(burst)
        self.clock = clock
        self._levels = {}  # key -> (tokens left, when they were counted)
        self._lock = threading.Lock()

    def take(self, key):
        """0 if the request may go ahead (one token is spent), else whole seconds until it may."""
        now = self.clock()
        with self._lock:
            tokens, then = self._levels.get(key, (self.burst, now))
            tokens = min(self.burst, tokens + (now - then) * self.rate)
            if tokens >= 1:
                self._levels[key] = (tokens - 1, now)
                return 0
            self._levels[key] = (tokens, now)
        return max(1, math.ceil((1 - tokens) / self.rate))


def from_config(rate, burst):
    """The buckets for SCIM_RATE_LIMIT and SCIM_RATE_BURST, or None when rate limiting is off."""
    if not rate or rate <= 0:
        return None
    return Buckets(rate, burst if burst and burst >= 1 else max(1.0, 2 * rate))
