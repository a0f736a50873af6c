"""A fake IdP API (tests/fakes) in a process of its own, filled and changed on command through a pipe.

The fake answers from its own interpreter, so serving JSON does not take the GIL from the pull it is
measured against (on two cores, the fake and the pull each get one when the machine is otherwise idle).
"""

import multiprocessing
import os

from . import pull_source

KINDS = ("entra", "okta")
NAMES = {"entra": "Microsoft Graph (Entra ID)", "okta": "Okta"}


class FakeProcess:
    """A running fake of ``kind`` holding a directory of ``shape``; ``source`` reads it. Use as a context manager."""

    def __init__(self, kind, shape):
        context = multiprocessing.get_context("spawn")
        self.kind, self.shape = kind, shape
        self._pipe, child = context.Pipe()
        self._process = context.Process(target=_serve, args=(kind, shape, child), name=f"fake-{kind}", daemon=True)
        self._process.start()
        child.close()
        self.settings = self._answer()  # the source's settings, once the directory is loaded

    def source(self):
        """A source (sync.sources) configured for the fake."""
        from sync.sources import source_class

        return source_class(self.kind)(**self.settings)

    def change(self):
        """Make pull_source's 100 changes at the source."""
        return self._ask("change")

    def requests(self):
        """The requests the fake received since the last call."""
        return self._ask("requests")

    def _ask(self, command):
        self._pipe.send(command)
        return self._answer()

    def _answer(self):
        reply = self._pipe.recv()
        if isinstance(reply, BaseException):
            raise reply
        return reply

    def close(self):
        if self._process.is_alive():
            self._pipe.send("stop")
            self._process.join(timeout=10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join()
        self._pipe.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _serve(kind, shape, pipe):
    """The child: build and fill the fake, send its settings, then obey commands until "stop"."""
    os.environ.setdefault("USERSYNC_SECRET_KEY", "bench-only")
    try:
        fake, settings, change = _start(kind, shape)
    except Exception as error:  # noqa: BLE001 (sent to the parent, which raises it)
        pipe.send(error)
        return
    pipe.send(settings)
    counted = 0
    with fake:
        while (command := pipe.recv()) != "stop":
            if command == "change":
                change()
                pipe.send(None)
            elif command == "requests":
                total = len(fake.requests)
                pipe.send(total - counted)
                counted = total


def _start(kind, shape):
    """(the fake, the settings a source needs, change()) of a fake loaded with shape."""
    if kind == "entra":
        from tests.fakes.graph import FakeGraph

        fake = FakeGraph()
        ids = pull_source.fill_graph(fake, shape)
        settings = {"tenant_id": fake.tenant_id, "client_id": fake.client_id, "client_secret": fake.client_secret,
                    "login_url": fake.url, "graph_url": fake.url}
        return fake, settings, lambda: pull_source.change_graph(fake, ids, shape)
    from tests.fakes.okta import OktaOrg

    fake = OktaOrg()
    # Okta's per-minute limits are not what is measured: the bench reads the same org several times a minute.
    fake.rate_limit = 10**9
    ids = pull_source.fill_okta(fake, shape)
    return fake, {"org_url": fake.url, "api_token": fake.token}, lambda: pull_source.change_okta(fake, ids, shape)
