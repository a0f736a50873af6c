"""SIGKILL `usersync serve` in the middle of a write load, twice: every write it acknowledged survives,
and the store opens cleanly on restart (SQLite: the files pass integrity_check; PostgreSQL: the dead
server's sessions end, their transactions rolled back and their locks released)."""

import http.client
import random
import shutil
import signal
import sqlite3
import subprocess
import threading
import time
import uuid
from urllib.parse import urlparse

import pytest
from playhouse.db_url import connect

from tests.postgres import DATABASES

from .conftest import REPO, Server, free_port, usersync

pytestmark = pytest.mark.e2e

WRITERS = 4
GROUPS_PER_WRITER = 2
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class RestartableServer(Server):
    """A Server that can be started again on the same database file, with the same app and token."""

    def restart(self):
        """Serve the existing database on a new port (logs appended) and wait until it answers."""
        self.port = free_port()
        # Closed by kill() or stop(), like the logs of start().
        self._stdout = open(self.workdir / "serve.stdout", "ab")  # noqa: SIM115
        self._stderr = open(self.workdir / "serve.stderr", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            usersync("serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(self.threads)),
            cwd=REPO, env=self.env, stdout=self._stdout, stderr=self._stderr)
        self.wait_until_ready()
        return self

    @property
    def on_sqlite(self):
        return self.database_url.startswith("sqlite")

    @property
    def database_path(self):
        return self.workdir / "e2e.db"


class Ledger:
    """What the server acknowledged (a 2xx and its body), kept client-side across kills."""

    def __init__(self):
        self.lock = threading.Lock()
        self.users = {}  # id -> the 201 body
        self.groups = {}  # id -> the 201 body
        self.members = set()  # (group id, user id) of every acknowledged add
        self.refused = []  # a write the live server refused, or answered without applying
        self.requests = 0

    def count(self):
        with self.lock:
            self.requests += 1

    def add(self, kind, key, value=None):
        with self.lock:
            if kind == "members":
                self.members.add(key)
            else:
                getattr(self, kind)[key] = value


def unique(prefix):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_user(user_name, rng):
    return {"schemas": [USER], "userName": user_name, "externalId": f"ext-{user_name}",
            "displayName": f"Durable {rng.randrange(10**6)}", "title": rng.choice(["Ops", "Dev", "QA"]),
            "name": {"givenName": "Dura", "familyName": f"Ble{rng.randrange(1000)}"},
            "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}]}


def writer(server, ledger, index, stop):
    """Create users and add them to this writer's groups until the server dies or stop is set."""
    rng = random.Random()
    conn = server.connection(timeout=10)
    groups, mine = [], []
    try:
        while not stop.is_set():
            if len(groups) < GROUPS_PER_WRITER:
                method, path = "POST", "/Groups"
                body = {"schemas": [GROUP], "displayName": unique(f"durable-w{index}"),
                        "members": [{"value": mid} for mid in mine[-2:]]}
            elif mine and rng.random() < 0.5:
                # attributes=members: a group PATCH answers 204 unless asked for the group
                method, path = "PATCH", f"/Groups/{rng.choice(groups)}?attributes=members"
                body = {"schemas": [PATCH_OP], "Operations": [
                    {"op": "add", "path": "members", "value": [{"value": rng.choice(mine)}]}]}
            else:
                method, path, body = "POST", "/Users", new_user(unique(f"durable-w{index}"), rng)
            response = server.request(method, path, body, conn=conn)
            ledger.count()
            if not 200 <= response.status < 300:
                ledger.refused.append((method, path, body, response))
                continue
            answer = response.json()
            if path == "/Users":
                ledger.add("users", answer["id"], answer)
                mine.append(answer["id"])
            elif path == "/Groups":
                ledger.add("groups", answer["id"], answer)
                groups.append(answer["id"])
            if path.startswith("/Groups"):
                added = body["members"] if method == "POST" else body["Operations"][0]["value"]
                answered = {member["value"] for member in answer.get("members", [])}
                if not {member["value"] for member in added} <= answered:
                    ledger.refused.append((method, path, body, response))  # acknowledged, yet not applied
                for member in added:
                    ledger.add("members", (answer["id"], member["value"]))
    except (OSError, http.client.HTTPException):
        pass  # the server was killed: this request was never acknowledged
    finally:
        conn.close()


def load_then_kill(server, ledger):
    """WRITERS writers for 1-2 s, then SIGKILL mid-load; returns how many requests were made."""
    stop = threading.Event()
    before = ledger.requests
    threads = [threading.Thread(target=writer, args=(server, ledger, index, stop), daemon=True)
               for index in range(WRITERS)]
    for thread in threads:
        thread.start()
    time.sleep(random.uniform(1.0, 2.0))
    server.process.send_signal(signal.SIGKILL)
    server.process.wait(10)
    stop.set()
    for thread in threads:
        thread.join(15)
    assert not any(thread.is_alive() for thread in threads), "a writer hung after the kill"
    server.kill()  # closes the log files
    return ledger.requests - before


def integrity(path):
    with sqlite3.connect(path) as conn:
        return conn.execute("PRAGMA integrity_check").fetchall()


def crash_snapshot(server, target):
    """The database as the kill left it (main file, WAL and shared memory), copied aside."""
    target.mkdir()
    for suffix in ("", "-wal", "-shm"):
        source = server.database_path.with_name(server.database_path.name + suffix)
        if source.exists():
            shutil.copy(source, target / source.name)
    return target / server.database_path.name


def sessions_left(server):
    """PostgreSQL: how many sessions are still open on the server's database."""
    admin = connect(DATABASES.url)  # the suite's database: the server's own is under watch
    try:
        return admin.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = %s",
                                 (urlparse(server.database_url).path.lstrip("/"),)).fetchone()[0]
    finally:
        admin.close()


def assert_the_crash_left_a_clean_store(server, target):
    """SQLite: the files as the kill left them pass integrity_check. PostgreSQL: the dead server's
    sessions end within seconds (the server rolls their open transactions back, releasing their locks)."""
    if server.on_sqlite:
        assert integrity(crash_snapshot(server, target)) == [("ok",)]
        return
    deadline = time.monotonic() + 10
    while (left := sessions_left(server)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == 0, f"{left} session(s) of the killed server still open"


def as_created(user):
    """A user as its create was answered: group adds change only its groups, a restart only the port in
    meta.location."""
    return {**{key: value for key, value in user.items() if key != "groups"},
            "meta": {key: value for key, value in user["meta"].items() if key != "location"}}


def assert_acknowledged_writes_survived(server, ledger):
    """Every acknowledged create, with the attributes it was acknowledged with; every acknowledged add."""
    conn = server.connection()
    try:
        for user_id, acked in ledger.users.items():
            got = server.request("GET", f"/Users/{user_id}", conn=conn)
            assert got.status == 200, f"acknowledged user {acked['userName']} lost: {got!r}"
            assert as_created(got.json()) == as_created(acked), (acked, got)
        listed = {}
        for group_id, acked in ledger.groups.items():
            got = server.request("GET", f"/Groups/{group_id}", conn=conn)
            assert got.status == 200, f"acknowledged group {acked['displayName']} lost: {got!r}"
            body = got.json()
            assert (body["displayName"], body["meta"]["created"]) == \
                   (acked["displayName"], acked["meta"]["created"]), (acked, got)
            listed[group_id] = {member["value"] for member in body.get("members", [])}
        lost = sorted(pair for pair in ledger.members if pair[1] not in listed.get(pair[0], set()))
        assert not lost, f"{len(lost)} acknowledged member adds lost: {lost[:5]}"
    finally:
        conn.close()


def test_sigkill_mid_load_loses_no_acknowledged_write(tmp_path):
    server = RestartableServer(tmp_path, threads=4).start()
    ledger = Ledger()
    try:
        for kill in (1, 2):
            made = load_then_kill(server, ledger)
            assert made > 20, f"kill {kill}: only {made} requests before the kill"
            assert not ledger.refused, f"writes refused while the server was up: {ledger.refused[:3]}"
            assert_the_crash_left_a_clean_store(server, tmp_path / f"crash-{kill}")

            server.restart()
            config = server.request("GET", "/ServiceProviderConfig")
            assert config.status == 200, config
            assert_acknowledged_writes_survived(server, ledger)
            if server.on_sqlite:
                assert integrity(server.database_path) == [("ok",)]
        assert ledger.users and ledger.groups and ledger.members, "the load acknowledged nothing"
        code = server.stop()
        assert code == 0, f"usersync serve exited with {code} after SIGTERM; stderr:\n{server.stderr_text()}"
        if server.on_sqlite:
            assert integrity(server.database_path) == [("ok",)]
    finally:
        server.kill()
    assert "database is locked" not in server.stderr_text()
