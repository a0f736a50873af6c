"""The simulate HTTP client: base URLs, headers, errors that name the step, keep-alive over a real socket."""

import http.server
import json
import socket
import ssl
import threading
from typing import ClassVar

import pytest

from simulate.client import Client, HttpTransport, SimulateError

from .fake import BASE, TOKEN, FakeScim


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.parametrize("base_url", [BASE, BASE + "/", f"  {BASE}/ "])
def test_base_url_with_or_without_a_trailing_slash(base_url):
    fake = FakeScim()
    Client(base_url, TOKEN, transport=fake).request("Step", "GET", "/Users?count=1")
    assert fake.requests[0].path == "/Users?count=1"


@pytest.mark.parametrize("base_url, problem", [
    ("ftp://example.com/scim", "must be an http:// or https:// URL"),
    ("example.com/scim", "must be an http:// or https:// URL"),
    ("http://example.com/scim?x=1", "must not have a query"),
    ("http://example.com:99999/scim", "invalid port"),
])
def test_unusable_base_urls(base_url, problem):
    with pytest.raises(SimulateError, match=problem):
        Client(base_url, TOKEN, transport=FakeScim())


def test_headers_and_json_body():
    fake = FakeScim()
    client = Client(BASE, TOKEN, {"User-Agent": "Okta SCIM Client 1.0.0"}, transport=fake)
    created = client.request("Create", "POST", "/Users", {"userName": "zoë"}, expect=(201,))
    client.request("Read", "GET", f"/Users/{created.body['id']}")
    post, get = fake.requests
    assert post.headers == {"Accept": "application/scim+json", "User-Agent": "Okta SCIM Client 1.0.0",
                            "Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
    assert post.body == {"userName": "zoë"}
    assert "Content-Type" not in get.headers


def test_an_unexpected_status_names_step_request_and_response():
    fake = FakeScim()
    client = Client(BASE, "not-the-token", transport=fake)
    with pytest.raises(SimulateError) as caught:
        client.request("Create Account", "POST", "/Users", {"userName": "u", "password": "hunter2"}, expect=(201,))
    message = str(caught.value)
    assert message.splitlines() == [
        ("Create Account: POST /plugins/servlet/usersync/scim/Users answered 401 Unauthorized: "
         "Authorization failure: a valid bearer token is required."),
        "  expected: 201",
        '  sent: {"userName": "u", "password": "[redacted]"}',
    ]
    assert "not-the-token" not in message and "hunter2" not in message
    assert caught.value.record()["status"] == 401


def test_an_answer_that_is_not_json():
    class Html(FakeScim):
        def send(self, method, target, headers, body):
            return 200, "OK", {"content-type": "text/html"}, b"<html>a login page</html>"

    with pytest.raises(SimulateError, match=r"^Step: GET /plugins/servlet/usersync/scim/Users answered 200 "
                                            r"without a JSON object \(text/html\): <html>a login page</html>$"):
        Client(BASE, TOKEN, transport=Html()).request("Step", "GET", "/Users")


def test_connection_refused_asks_whether_the_server_runs():
    port = free_port()
    client = Client(f"http://127.0.0.1:{port}/plugins/servlet/usersync/scim", TOKEN)
    with pytest.raises(SimulateError) as caught:
        client.request("Test Connectivity", "GET", "/Users?count=1")
    assert str(caught.value) == (
        f"Test Connectivity: GET http://127.0.0.1:{port}/plugins/servlet/usersync/scim/Users?count=1 failed: "
        f"connection refused. Is usersync serve running on http://127.0.0.1:{port}?")


def test_no_answer_within_the_timeout():
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()  # accepts the connection, never answers
        client = Client(f"http://127.0.0.1:{listener.getsockname()[1]}/scim", TOKEN, timeout=0.2)
        with pytest.raises(SimulateError, match="no answer within the timeout"):
            client.request("Step", "GET", "/Users")
        client.close()


def test_insecure_skips_verification_only_when_asked():
    assert HttpTransport("https", "h", 443).context.verify_mode == ssl.CERT_REQUIRED
    insecure = HttpTransport("https", "h", 443, insecure=True).context
    assert insecure.verify_mode == ssl.CERT_NONE and insecure.check_hostname is False
    assert HttpTransport("http", "h", 80).context is None


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers {} and counts connections; ``drop`` closes each connection after one answer, silently."""

    protocol_version = "HTTP/1.1"
    connections: ClassVar[list] = []
    drop = False

    def setup(self):
        super().setup()
        self.connections.append(self.client_address)

    def do_GET(self):
        body = json.dumps({"path": self.path}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/scim+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.close_connection = self.drop

    def log_message(self, *args):
        pass


@pytest.fixture
def recorder():
    Recorder.connections = []
    Recorder.drop = False
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/scim/"
    server.shutdown()
    server.server_close()
    thread.join()


def test_requests_share_one_keep_alive_connection(recorder):
    client = Client(recorder, TOKEN)
    answers = [client.request("Step", "GET", f"/Users/{n}").body["path"] for n in range(3)]
    client.close()
    assert answers == ["/scim/Users/0", "/scim/Users/1", "/scim/Users/2"]
    assert len(Recorder.connections) == 1


def test_a_dropped_idle_connection_is_reopened_once(recorder):
    Recorder.drop = True
    client = Client(recorder, TOKEN)
    answers = [client.request("Step", "GET", f"/Users/{n}").body["path"] for n in range(3)]
    client.close()
    assert answers == ["/scim/Users/0", "/scim/Users/1", "/scim/Users/2"]
    assert len(Recorder.connections) == 3
