"""What every fake API server shares: waitress on a free loopback port in a thread, a canned answer, a seen
request, a request body read from WSGI."""

import threading
from dataclasses import dataclass


@dataclass
class Canned:
    """A response served instead of the real one, ``times`` times (None: until cleared)."""

    status: int
    body: bytes
    headers: list
    times: int | None
    path: str | None

    def matches(self, path):
        return self.times != 0 and (self.path is None or path.startswith(self.path))


@dataclass
class Seen:
    """One request the server received: method, path (as sent), query, and the Authorization scheme it carried."""

    method: str
    path: str
    query: dict
    auth: str | None


class Server:
    """waitress on 127.0.0.1:<free port>, its loop in a daemon thread until close()."""

    TICK = 0.05

    def __init__(self, app, name="fake", threads=2):
        from waitress import create_server

        self.sockets = {}
        self.server = create_server(app, map=self.sockets, host="127.0.0.1", port=0, threads=threads)
        self.port = self.server.effective_port
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"{name}-{self.port}", daemon=True)
        self._thread.start()

    def _run(self):
        from waitress import wasyncore

        while not self._stop.is_set():
            wasyncore.loop(timeout=self.TICK, map=self.sockets, use_poll=self.server.adj.asyncore_use_poll, count=1)
        wasyncore.close_all(self.sockets, ignore_all=True)
        self.server.task_dispatcher.shutdown(timeout=1)

    def close(self):
        self._stop.set()
        self.server.pull_trigger()  # wake the loop now rather than at its next tick
        self._thread.join(timeout=5)


def read_body(environ):
    """The request's body (empty without a Content-Length)."""
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return environ["wsgi.input"].read(length) if length else b""
