"""Pulls as the REST API sync method runs them, timed: a fresh store per app, one run at a time."""

import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from sync.paging import LinkListing, Page


@dataclass
class Ran:
    """One run: wall and CPU seconds (this process: the fake has its own), the write transactions it
    committed and how long they held the write gate, and the run's status dict (store.pull.runs.status)."""

    seconds: float
    cpu_seconds: float
    writes: int
    write_seconds: float
    status: dict


class Pulling:
    """A REST API app on a fresh SQLite store (the app factory's), its source configured; run() pulls once."""

    def __init__(self, workdir, source, label):
        from app import create_app
        from models import db
        from store.pull import sources
        from store.tenancy import apps, secrets

        path = Path(workdir) / f"pull-{label}-{uuid.uuid4().hex[:6]}.db"
        self.flask_app = create_app({"DATABASE_URL": f"sqlite:///{path}", "SECRET_KEY": "bench-only"})
        self.key = secrets.key_from(self.flask_app.config)
        with db.connection_context():
            record, _token = apps.create(f"bench {label}", source.kind, method="rest")
            settings = {k: v for k, v in source.to_dict().items() if k != "kind"}
            sources.configure(record, source.kind, settings, source.secrets(), self.key)
        self.app_id = record.id

    def run(self, full=False, client_factory=None):
        """The Ran of one run, from its request to its end."""
        from models import db
        from models.write_gate import HOLDS
        from provisioning.pull import engine
        from store.pull import runs

        with db.connection_context():
            writes, held = HOLDS.count, HOLDS.total
            started, cpu = time.perf_counter(), time.process_time()
            run_id = runs.request(self.app_id, full=full)
            engine.run(self.app_id, run_id, self.key, client_factory)
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            return Ran(seconds, cpu, HOLDS.count - writes, HOLDS.total - held, runs.status(run_id))


def read(source):
    """(users, groups, users' seconds, their CPU seconds, groups' seconds): the source's whole listing read
    through its client, nothing applied."""
    with source.client() as client:
        started, cpu = time.perf_counter(), time.process_time()
        users = list(client.iter_users())
        middle, cpu = time.perf_counter(), time.process_time() - cpu
        groups = list(client.iter_groups())
        ended = time.perf_counter()
    return users, groups, middle - started, cpu, ended - middle


class MemoryClient:
    """A source client over resources already read: the same documents and page size, no HTTP."""

    def __init__(self, users, groups, page_size):
        self.users, self.groups, self.page_size = users, groups, page_size
        self._by_id = {resource["id"]: resource for resource in users + groups}

    def iter_users(self, since=None, start=1):
        return LinkListing(self._pages(self.users), start=start)

    def iter_groups(self, since=None, start=1):
        return LinkListing(self._pages(self.groups), start=start)

    def get_user(self, user_id):
        return self._by_id.get(user_id)

    def get_group(self, group_id):
        return self._by_id.get(group_id)

    def _pages(self, resources):
        def fetch(position):
            at = position or 0
            end = at + self.page_size
            return Page(resources[at:end], next=end if end < len(resources) else None)

        return fetch

    def close(self):
        pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
