"""A real `usersync serve` process (waitress, 4 threads) on a store of its own (a temp SQLite file, or a new
PostgreSQL database), and a stdlib HTTP helper."""

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
import traceback
from pathlib import Path

import pytest

from tests.conftest import separate_database_url

REPO = Path(__file__).resolve().parents[2]
PREFIX = "/plugins/servlet/usersync/scim"
SCIM_JSON = "application/scim+json"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
START_TIMEOUT = 15
STOP_TIMEOUT = 10
_DEFAULT = object()


def usersync(*args):
    """argv running this checkout's `usersync` (entry point `cli:main`) with this interpreter, in any venv."""
    return [sys.executable, "-c", "from cli import main; main(prog_name='usersync')", *args]


def free_port():
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Response:
    """What came back over the wire: status, headers, raw body, and the body as JSON."""

    def __init__(self, raw):
        self.status = raw.status
        self.headers = raw.headers
        self.body = raw.read()

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return f"<{self.status} {dict(self.headers)} {self.body[:2000]!r}>"


class Server:
    """One `usersync serve` subprocess with its own database (or database_url's) and IdP app."""

    def __init__(self, workdir, threads=4, database_url=None):
        self.workdir = Path(workdir)
        self.database_url = database_url or separate_database_url(self.workdir, "e2e.db")
        self.env = {**os.environ, "USERSYNC_DATABASE_URL": self.database_url,
                    "USERSYNC_SECRET_KEY": "e2e-only", "USERSYNC_ADMIN_PASSWORD": "e2e-admin-password",
                    "PYTHONUNBUFFERED": "1"}
        self.threads = threads
        self.port = None
        self.process = None
        self.app = None  # the `apps create --json` record, token included

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self):
        return self.url + PREFIX

    @property
    def token(self):
        return self.app["token"]

    def cli(self, *args):
        """Run `usersync ARGS` against this server's database."""
        return subprocess.run(usersync(*args), cwd=REPO, env=self.env, capture_output=True, text=True, timeout=60)

    def start(self, app_name="e2e"):
        """Create an IdP app, start serving, and wait until the SCIM endpoint answers."""
        created = self.cli_here("apps", "create", "--name", app_name, "--provider", "oracle", "--json")
        assert created.returncode == 0, f"apps create failed ({created.returncode}):\n{created.stderr}"
        self.app = json.loads(created.stdout)
        return self.serve()

    def cli_here(self, *args):
        """cli(ARGS) in this process (click's CliRunner, this server's environment), without the second a
        `usersync` process takes to start: for commands that only change the store. No connection is left open."""
        from click.testing import CliRunner

        from cli import main
        from models import db

        env = {key: value for key, value in self.env.items() if key.startswith("USERSYNC_")}
        try:
            result = CliRunner().invoke(main, list(args), env=env, prog_name="usersync")
        finally:
            if db.obj is not None:
                db.obj.close_all()
        stderr = result.stderr
        if result.exception is not None and not isinstance(result.exception, SystemExit):
            stderr += "".join(traceback.format_exception(*result.exc_info))  # as a process would have printed it
        return subprocess.CompletedProcess(args, result.exit_code, result.stdout, stderr)

    def serve(self, wait=True):
        """Start serving the database as it is (self.app: an app it holds) and wait until the SCIM endpoint
        answers (wait=False: return at once; then wait_until_ready())."""
        self.port = free_port()
        self._stdout = open(self.workdir / "serve.stdout", "wb")
        self._stderr = open(self.workdir / "serve.stderr", "wb")
        self.process = subprocess.Popen(
            usersync("serve", "--host", "127.0.0.1", "--port", str(self.port), "--threads", str(self.threads)),
            cwd=REPO, env=self.env, stdout=self._stdout, stderr=self._stderr)
        if wait:
            self.wait_until_ready()
        return self

    def wait_until_ready(self):
        """Until the server answers: /ready when it has no app yet, else the SCIM endpoint."""
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                self._abort(f"usersync serve exited with {self.process.returncode} before answering")
            try:
                if self.app is None:
                    if self.request("GET", "/ready", raw_path=True, token=None, timeout=2).status == 200:
                        return
                else:
                    self.request("GET", "/ServiceProviderConfig", timeout=2)
                    return
            except OSError:
                pass
            time.sleep(0.05)
        self._abort(f"usersync serve did not answer on {self.base_url} within {START_TIMEOUT} s")

    def _abort(self, message):
        self.kill()
        pytest.fail(f"{message}; stderr:\n{self.stderr_text()}", pytrace=False)

    def stop(self, sig=signal.SIGTERM):
        """Signal the server and return its exit code; None if it outlived STOP_TIMEOUT (then it is killed)."""
        self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            return None
        finally:
            self._close_logs()

    def kill(self):
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self._close_logs()

    def _close_logs(self):
        for handle in (self._stdout, self._stderr):
            if not handle.closed:
                handle.close()

    def stderr_text(self):
        return (self.workdir / "serve.stderr").read_text(errors="replace")

    def connection(self, timeout=10):
        """A fresh HTTP/1.1 connection to the server (keep-alive by default)."""
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)

    def request(self, method, path, body=None, headers=None, token=_DEFAULT, conn=None, raw_path=False,
                timeout=10):
        """Send one request under the SCIM prefix (or raw_path) and read the whole response.

        body: a dict/list (sent as application/scim+json), bytes, or None. token: None for no Authorization.
        """
        all_headers = {"Accept": SCIM_JSON}
        token = self.token if token is _DEFAULT else token
        if token is not None:
            all_headers["Authorization"] = f"Bearer {token}"
        if isinstance(body, (dict, list)):
            body = json.dumps(body).encode()
            all_headers["Content-Type"] = SCIM_JSON
        all_headers.update(headers or {})
        own = conn is None
        conn = conn or self.connection(timeout)
        try:
            conn.request(method, path if raw_path else PREFIX + path, body=body, headers=all_headers)
            return Response(conn.getresponse())
        finally:
            if own:
                conn.close()


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """The shared server; on teardown SIGTERM must stop it with exit code 0 within 10 s."""
    instance = Server(tmp_path_factory.mktemp("e2e-server")).start()
    yield instance
    code = instance.stop()
    assert code == 0, f"usersync serve exited with {code} after SIGTERM; stderr:\n{instance.stderr_text()}"


def assert_scim_json(response):
    """The response is application/scim+json."""
    content_type = response.headers.get("Content-Type", "")
    assert content_type.split(";")[0].strip() == SCIM_JSON, response


def assert_scim_error(response, status, scim_type=None):
    """An RFC 7644 §3.12 Error with this status (and scimType), as application/scim+json."""
    assert response.status == status, response
    assert_scim_json(response)
    body = response.json()
    assert body["schemas"] == [ERROR_URN], response
    assert body["status"] == str(status), response
    if scim_type is not None:
        assert body.get("scimType") == scim_type, response
    assert "Traceback" not in body.get("detail", ""), response
    return body


class CliRunnerOn:
    """`usersync` in-process (click's CliRunner) against one database, as an admin's shell would run it."""

    ADMIN_PASSWORD = "e2e-admin-password"

    def __init__(self, database_url, admin_password=None):
        from click.testing import CliRunner

        self.database_url = database_url
        self.env = {"USERSYNC_DATABASE_URL": database_url, "USERSYNC_SECRET_KEY": "e2e-only",
                    "USERSYNC_ADMIN_PASSWORD": admin_password or self.ADMIN_PASSWORD}
        self.runner = CliRunner()

    def invoke(self, *args, input=None):
        """The click Result of `usersync ARGS`."""
        from cli import main

        return self.runner.invoke(main, [str(arg) for arg in args], input=input, env=self.env, prog_name="usersync")

    def ok(self, *args):
        """stdout of a command that must succeed."""
        result = self.invoke(*args)
        assert result.exit_code == 0, result.output
        return result.stdout

    def refused(self, *args, exit_code=None):
        """stderr of a command that must fail cleanly: a message, no stdout, no traceback."""
        result = self.invoke(*args)
        assert result.exit_code != 0 if exit_code is None else result.exit_code == exit_code, result.output
        assert result.stdout == "" and "Traceback" not in result.output, result.output
        return result.stderr
