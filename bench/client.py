"""The load client: keep-alive http.client connections, one per thread, checking every status it gets."""

import http.client
import json
import threading
import time
from dataclasses import dataclass, field
from typing import NamedTuple

TIMEOUT = 120  # seconds; a 100,000-user scan on the peer may be slow, and is still an answer
MAX_SAMPLES = 5  # failed exchanges kept per run, to print


@dataclass(frozen=True)
class Target:
    """Where a server listens: its port on 127.0.0.1, the path prefix of its endpoints, the headers it needs."""

    port: int
    prefix: str
    headers: dict


class Request(NamedTuple):
    """One request to send, and what it must get back."""

    method: str
    path: str  # below the target's prefix
    body: bytes = None
    expect: tuple = (200,)  # the statuses that prove it worked


@dataclass
class Run:
    """What one load or latency pass did."""

    requests: int = 0
    errors: int = 0
    elapsed: float = 0.0
    latencies: list = field(default_factory=list)
    samples: list = field(default_factory=list)  # (method, path, status, body) of the first failures

    @property
    def rate(self):
        return self.requests / self.elapsed if self.elapsed else 0.0

    def add(self, other):
        """Fold another worker's counts into this run."""
        self.requests += other.requests
        self.errors += other.errors
        self.latencies += other.latencies
        self.samples += other.samples[:MAX_SAMPLES - len(self.samples)]


class Session:
    """Seeding and probing calls, each on a fresh connection (a kept one may time out between phases)."""

    def __init__(self, target):
        self.target = target

    def call(self, method, path, body=None):
        """Send one request; the body is a JSON-able object or None. Returns (status, JSON or text)."""
        data = None if body is None else json.dumps(body).encode()
        conn = http.client.HTTPConnection("127.0.0.1", self.target.port, timeout=TIMEOUT)
        try:
            status, raw = exchange(conn, self.target, Request(method, path, data))
        finally:
            conn.close()
        try:
            return status, json.loads(raw) if raw else None
        except ValueError:
            return status, raw.decode(errors="replace")


def exchange(conn, target, request):
    """Send a request on a keep-alive connection and read the whole response: (status, body bytes)."""
    conn.request(request.method, target.prefix + request.path, body=request.body, headers=target.headers)
    response = conn.getresponse()
    return response.status, response.read()


class _Window:
    """The measured interval, shared by the workers: set just before they are released."""

    deadline = 0.0


def _drive(target, stream, window, run, timed, start):
    """Send requests from stream until the deadline or its end, counting failures."""
    conn = http.client.HTTPConnection("127.0.0.1", target.port, timeout=TIMEOUT)
    try:
        conn.connect()  # outside the measured interval
    except OSError:
        pass  # the first request reconnects, and counts the failure if the server is gone
    start.wait()
    try:
        for request in stream:
            began = time.perf_counter()
            try:
                status, body = exchange(conn, target, request)
            except (OSError, http.client.HTTPException) as exc:
                status, body = None, repr(exc).encode()
                conn.close()  # http.client reconnects on the next request
            if timed:
                run.latencies.append(time.perf_counter() - began)
            run.requests += 1
            if status not in request.expect:
                run.errors += 1
                if len(run.samples) < MAX_SAMPLES:
                    run.samples.append((request.method, request.path, status, body[:500].decode(errors="replace")))
            if time.monotonic() >= window.deadline:
                break
    finally:
        conn.close()


def load(target, streams, duration, timed=False):
    """Drive one connection per stream concurrently for duration seconds (or until a stream ends).

    timed keeps each request's latency (a list append: no cost the rate would notice).
    """
    window, runs = _Window(), [Run() for _ in streams]
    start = threading.Barrier(len(streams) + 1, timeout=60)
    threads = [threading.Thread(target=_drive, args=(target, stream, window, run, timed, start), daemon=True)
               for stream, run in zip(streams, runs)]
    for thread in threads:
        thread.start()
    window.deadline = time.monotonic() + duration
    began = time.perf_counter()
    start.wait()
    for thread in threads:
        thread.join()
    total = Run(elapsed=time.perf_counter() - began)
    for run in runs:
        total.add(run)
    return total
