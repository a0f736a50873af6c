"""SIGTERM while a request runs: the listener closes, the request is answered in full, the process exits 0."""

import json
import signal
import socket
import threading
import time

import pytest
from playhouse.db_url import connect

from models import User

from .conftest import Server

pytestmark = pytest.mark.e2e

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
OPERATIONS = 300  # a few hundred ms of real work: signalled once the first is stored, well inside the 10 s drain


def bulk_of_creates(count):
    return {"schemas": [BULK], "Operations": [
        {"method": "POST", "path": "/Users", "bulkId": f"u{number}",
         "data": {"schemas": [USER], "userName": f"drain-{number}",
                  "emails": [{"value": f"drain-{number}@example.com", "type": "work"}]}}
        for number in range(count)]}


def refused_within(port, seconds):
    """When a new connection was first refused (the listener is closed), or None."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except ConnectionRefusedError:
            return time.monotonic()
        time.sleep(0.02)
    return None


def first_user_stored(server, seconds):
    """Whether the Bulk's first user is committed within seconds: the request is then mid-way.
    A fixed pause was not enough once 300 creates took under 0.3 s."""
    store = connect(server.database_url)
    deadline = time.monotonic() + seconds
    try:
        with store.bind_ctx([User]):
            while time.monotonic() < deadline:
                if User.select().where(User.user_name.startswith("drain-")).exists():
                    return True
                time.sleep(0.005)
    finally:
        store.close()
    return False


def test_sigterm_lets_a_request_in_flight_finish_then_exits_0(tmp_path):
    server = Server(tmp_path).start()
    sent, outcome = threading.Event(), {}

    def bulk():
        conn = server.connection(timeout=30)
        try:
            conn.request("POST", "/plugins/servlet/usersync/scim/Bulk", body=json.dumps(bulk_of_creates(OPERATIONS)),
                         headers={"Authorization": f"Bearer {server.token}", "Content-Type": "application/scim+json",
                                  "X-Request-Id": "drain-bulk"})
            sent.set()
            response = conn.getresponse()
            outcome.update(status=response.status, body=response.read(), at=time.monotonic())
        except OSError as exc:
            outcome.update(error=exc, at=time.monotonic())
        finally:
            sent.set()
            conn.close()

    worker = threading.Thread(target=bulk)
    try:
        worker.start()
        assert sent.wait(10)
        assert first_user_stored(server, 10), "the Bulk never began to write"  # it is being processed now
        server.process.send_signal(signal.SIGTERM)
        signalled = time.monotonic()
        refused = refused_within(server.port, 2)
        worker.join(15)
        code = server.process.wait(15)
    finally:
        server.kill()
    stderr = server.stderr_text()
    assert "error" not in outcome, f"{outcome}\n{stderr}"
    assert outcome["at"] > signalled, "the Bulk finished before SIGTERM: nothing was in flight"
    assert refused is not None and refused < outcome["at"], "new connections were accepted while draining"
    assert outcome["status"] == 200, outcome
    results = json.loads(outcome["body"])["Operations"]
    assert len(results) == OPERATIONS and {each["status"] for each in results} == {"201"}
    assert code == 0, stderr
    assert "usersync stopped" in stderr and "Traceback" not in stderr and "cut off" not in stderr, stderr
    store = connect(server.database_url)
    with store.bind_ctx([User]):
        assert User.select().where(User.user_name.startswith("drain-")).count() == OPERATIONS
    store.close()
    # `usersync serve` logs each request as one JSON line on stderr, the token nowhere.
    logged = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    bulk_line = next(line for line in logged if line["request_id"] == "drain-bulk")
    assert (bulk_line["path"], bulk_line["status"], bulk_line["app"]) == (
        "/plugins/servlet/usersync/scim/Bulk", 200, "e2e")
    assert server.token not in stderr
