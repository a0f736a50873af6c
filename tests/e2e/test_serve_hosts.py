"""`usersync serve` and USERSYNC_TRUSTED_HOSTS over the wire: the address it listens on is answered besides the
defaults, other hosts get a 400, and behind USERSYNC_TRUSTED_PROXY the forwarded host is checked too."""

import http.client
import signal
import subprocess
import time

import pytest

from .conftest import PREFIX, REPO, START_TIMEOUT, STOP_TIMEOUT, Server, assert_scim_error, free_port, usersync

USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}


class BoundServer(Server):
    """A server listening on an address of its own (127.0.0.2: loopback, but not one of the default names)."""

    host = "127.0.0.2"

    @property
    def url(self):
        return f"http://{self.host}:{self.port}"

    def serve(self, wait=True):
        self.port = free_port()
        self._stdout = open(self.workdir / "serve.stdout", "wb")
        self._stderr = open(self.workdir / "serve.stderr", "wb")
        self.process = subprocess.Popen(usersync("serve", "--host", self.host, "--port", str(self.port)),
                                        cwd=REPO, env=self.env, stdout=self._stdout, stderr=self._stderr)
        if wait:
            self.wait_until_ready()
        return self

    def connection(self, timeout=10):
        return http.client.HTTPConnection(self.host, self.port, timeout=timeout)


@pytest.fixture
def started(tmp_path):
    """start(server class, environment changes): a started server, stopped after the test."""
    servers = []

    def start(kind=Server, **env):
        instance = kind(tmp_path / f"server{len(servers)}")
        instance.workdir.mkdir()
        instance.env.update(env)
        servers.append(instance.start())
        return instance
    yield start
    for instance in servers:
        assert instance.stop() == 0, instance.stderr_text()


def test_the_address_serve_listens_on_is_answered_and_another_host_is_not(started):
    server = started(BoundServer)
    assert server.request("GET", "/Users").status == 200  # Host: 127.0.0.2:port, as http.client sends it
    assert server.request("GET", "/Users", headers={"Host": f"localhost:{server.port}"}).status == 200
    body = assert_scim_error(server.request("GET", "/Users", headers={"Host": "evil.example"}), 400)
    assert "evil.example" in body["detail"] and "USERSYNC_TRUSTED_HOSTS" in body["detail"]
    page = server.request("GET", "/plugins/servlet/usersync/admin/login", raw_path=True, token=None,
                          headers={"Host": "evil.example", "Accept": "text/html"})
    assert page.status == 400 and b"USERSYNC_TRUSTED_HOSTS" in page.body and b'data-status="400"' in page.body
    assert page.headers["X-Frame-Options"] == "DENY"


def test_behind_a_trusted_proxy_the_forwarded_host_is_checked(started):
    server = started(USERSYNC_TRUSTED_PROXY="127.0.0.1", USERSYNC_TRUSTED_HOSTS="usersync.example.com")
    created = server.request("POST", "/Users", body=USER, headers={
        "X-Forwarded-Host": "usersync.example.com", "X-Forwarded-Proto": "https"})
    assert created.status == 201, created
    assert created.headers["Location"].startswith(f"https://usersync.example.com{PREFIX}/Users/")
    body = assert_scim_error(server.request("GET", "/Users", headers={"X-Forwarded-Host": "evil.example"}), 400)
    assert "evil.example" in body["detail"]


def test_without_a_trusted_proxy_a_forwarded_host_is_not_believed(started):
    server = started(USERSYNC_TRUSTED_HOSTS="usersync.example.com")
    created = server.request("POST", "/Users", body=USER, headers={"X-Forwarded-Host": "evil.example"})
    assert created.status == 201, created
    assert created.headers["Location"].startswith(f"http://127.0.0.1:{server.port}{PREFIX}/Users/")


def test_on_every_interface_serve_says_which_hosts_it_answers(tmp_path):
    instance, port = Server(tmp_path), free_port()
    log = tmp_path / "wildcard.stderr"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(usersync("serve", "--host", "0.0.0.0", "--port", str(port)), cwd=REPO,
                                   env={**instance.env, "USERSYNC_TRUSTED_HOSTS": "usersync.example.com"},
                                   stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while "Answering" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(STOP_TIMEOUT)
    text = log.read_text()
    assert ("Answering requests for 127.0.0.1, [::1], localhost, usersync.example.com only: add the names and "
            "addresses admins and IdPs use to USERSYNC_TRUSTED_HOSTS.") in text, text
