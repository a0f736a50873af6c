"""The three servers under test, each a subprocess on a free port of 127.0.0.1 with the same thread count."""

import ctypes
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from .client import Target

REPO = Path(__file__).resolve().parents[1]
USERSYNC_PREFIX = "/plugins/servlet/usersync/scim"
PEER_PREFIX = "/v2"  # scim2-server serves its endpoints under /v2
SCIM_JSON = "application/scim+json"
START_TIMEOUT = 30
STOP_TIMEOUT = 10


def free_port():
    """A port nobody listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def usersync_argv(*args):
    """argv running this checkout's `usersync` with this interpreter (as tests/e2e does)."""
    return [sys.executable, "-c", "from cli import main; main(prog_name='usersync')", *args]


@dataclass
class Server:
    """One server subprocess: its name, how to reach it, and its process once started."""

    name: str
    argv: list
    ready_path: str  # answers 200 once the server serves
    target: Target
    env: dict = field(default_factory=lambda: dict(os.environ))
    log_path: Path = None
    process: subprocess.Popen = None
    workers: int = 1  # processes serving (usersync serve --workers): the first answer may come before all run

    @property
    def pid(self):
        return self.process.pid

    def start(self, timeout=START_TIMEOUT):
        """Start the process and wait (at most timeout seconds) until ready_path answers 200."""
        with open(self.log_path, "wb") as log:
            # preexec_fn is unsafe once threads run: the servers start before the load threads do.
            self.process = subprocess.Popen(self.argv, cwd=REPO, env=self.env, stdout=log, stderr=log,
                                            preexec_fn=_die_with_parent)  # noqa: PLW1509
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited with {self.process.returncode}:\n{self.log_tail()}")
            if _answers(self.target.port, self.ready_path) and self._workers_started():
                return self
            time.sleep(0.05)
        raise RuntimeError(f"{self.name} did not answer within {timeout} s:\n{self.log_tail()}")

    def _workers_started(self):
        if self.workers == 1:
            return True
        return self.log_tail(size=1 << 20).count("usersync: worker ") >= self.workers

    def stop(self):
        """SIGTERM, then SIGKILL if it lingers; safe to call twice or before start."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def log_tail(self, size=4000):
        """The end of the server's stdout and stderr."""
        return Path(self.log_path).read_text(errors="replace")[-size:]


def _die_with_parent():
    """In the child: have Linux SIGTERM it if the bench dies without stopping it (SIGKILL, a crash)."""
    ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG


def _answers(port, path):
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
        conn.request("GET", path)
        return conn.getresponse().status == 200
    except OSError:
        return False
    finally:
        conn.close()


def usersync(workdir, threads, workers=1):
    """usersync serve (--workers) on a fresh SQLite file in workdir, with an IdP app whose token the target carries.

    With workers > 1 the server is named `usersync×N`, beside the single-process `usersync` on a store of its own."""
    name = "usersync" if workers == 1 else f"usersync×{workers}"
    suffix = "" if workers == 1 else f"-{workers}w"
    env = {**os.environ, "USERSYNC_DATABASE_URL": f"sqlite:///{Path(workdir) / f'bench{suffix}.db'}",
           "USERSYNC_SECRET_KEY": "bench", "USERSYNC_ADMIN_PASSWORD": "bench-admin-pw", "PYTHONUNBUFFERED": "1"}
    created = subprocess.run(usersync_argv("apps", "create", "--name", "bench", "--provider", "okta", "--json"),
                             check=False, cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    if created.returncode != 0:
        raise RuntimeError(f"usersync apps create failed ({created.returncode}):\n{created.stderr}")
    token = json.loads(created.stdout)["token"]
    port = free_port()
    headers = {"Authorization": f"Bearer {token}", "Accept": SCIM_JSON, "Content-Type": SCIM_JSON}
    argv = usersync_argv("serve", "--host", "127.0.0.1", "--port", str(port), "--threads", str(threads),
                         "--workers", str(workers))
    return Server(name, argv, "/health", Target(port, USERSYNC_PREFIX, headers), env,
                  Path(workdir) / f"usersync{suffix}.log", workers=workers)


def ceiling(workdir, threads):
    """The bare Flask /hello app (bench.ceiling)."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.ceiling", "--port", str(port), "--threads", str(threads)]
    headers = {"Accept": "application/json", "Content-Type": "application/json"}
    return Server("ceiling", argv, "/hello", Target(port, "", headers), log_path=Path(workdir) / "ceiling.log")


def peer(workdir, threads):
    """scim2-server in memory (bench.peer)."""
    port = free_port()
    argv = [sys.executable, "-m", "bench.peer", "--port", str(port), "--threads", str(threads)]
    headers = {"Accept": SCIM_JSON, "Content-Type": SCIM_JSON}
    return Server("peer", argv, PEER_PREFIX + "/ServiceProviderConfig", Target(port, PEER_PREFIX, headers),
                  log_path=Path(workdir) / "peer.log")
