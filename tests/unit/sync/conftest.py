"""The test IdP (tests/idp_source.py), and local servers that fail the way real ones do: TLS, plain HTTP, silence."""

import http.server
import socket
import ssl
import subprocess
import threading

import pytest

from tests.fakes.google import fake_google, google_account  # noqa: F401  (the fake Google Workspace)
from tests.idp_source import idp_source  # noqa: F401  (the fixture, for every test here)


def make_certificate(directory, name, san):
    """A self-signed EC certificate and its key, by the openssl command (no Python dependency needed)."""
    cert, key = directory / f"{name}.pem", directory / f"{name}.key"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", f"/CN={name}", "-addext", f"subjectAltName={san}",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
    return cert, key


class TlsServer:
    """Accepts TLS handshakes on 127.0.0.1 with one certificate, and answers nothing else."""

    def __init__(self, cert, key):
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.05)
        self.port = self.listener.getsockname()[1]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            self._handshake(connection)

    def _handshake(self, connection):
        connection.settimeout(2)
        try:
            with self.context.wrap_socket(connection, server_side=True):
                pass
        except (ssl.SSLError, OSError):
            pass  # the client refused the certificate, which is what the test wants
        finally:
            connection.close()

    def close(self):
        self._stop.set()
        self._thread.join(timeout=5)
        self.listener.close()


@pytest.fixture(scope="session")
def certificates(tmp_path_factory):
    """{"self_signed": (cert, key) for 127.0.0.1, "other_host": (cert, key) for other.example}."""
    directory = tmp_path_factory.mktemp("tls")
    return {"self_signed": make_certificate(directory, "self-signed", "IP:127.0.0.1"),
            "other_host": make_certificate(directory, "other-host", "DNS:other.example")}


@pytest.fixture
def tls_server(certificates):
    """A factory: tls_server("self_signed") is a running TlsServer with that certificate."""
    servers = []

    def start(name):
        servers.append(TlsServer(*certificates[name]))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # noqa: N802  (http.server's naming)
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"hello")

    do_HEAD = do_GET  # noqa: N815

    def log_message(self, *args):
        pass


class PlainHttpServer:
    """Plain HTTP (no TLS) on 127.0.0.1, in a thread: how it meets a TLS ClientHello depends on ``kind``.

    "http.server": Python's own; it reads a request line up to a newline, so a ClientHello either gets a 400 at
    once or waits (its random bytes decide). "waits": reads until the blank line ending a request's headers, as
    waitress and nginx do, so a ClientHello waits until the client gives up. "at once": answers any first bytes
    with a 400 and hangs up. "nginx's TLS port": the same, in the words nginx's HTTPS port answers plain HTTP with
    (it speaks TLS, only not a version this client offers).
    """

    def __init__(self, kind):
        self.kind = kind
        if kind == "http.server":
            self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
            self.port = self.server.server_address[1]
            self._thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05},
                                            daemon=True)
        else:
            self.server = None
            self.listener = socket.create_server(("127.0.0.1", 0))
            self.listener.settimeout(0.05)
            self.port = self.listener.getsockname()[1]
            self._stop = threading.Event()
            self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    @property
    def https_url(self):
        return f"https://127.0.0.1:{self.port}"

    def _run(self):
        while not self._stop.is_set():
            try:
                connection, _ = self.listener.accept()
            except TimeoutError:
                continue
            threading.Thread(target=self._answer, args=(connection,), daemon=True).start()

    def _answer(self, connection):
        connection.settimeout(5)
        try:
            received = b""
            while chunk := connection.recv(4096):
                received += chunk
                if self.kind != "waits" or b"\r\n\r\n" in received:
                    connection.sendall(self._answer_to(received))
                    break
        except OSError:
            pass
        finally:
            connection.close()

    def _answer_to(self, received):
        if self.kind == "nginx's TLS port":
            body = b"<html><center>The plain HTTP request was sent to HTTPS port</center></html>"
            return b"HTTP/1.1 400 Bad Request\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)
        status = b"200 OK" if received.startswith((b"GET ", b"HEAD ")) else b"400 Bad Request"
        return b"HTTP/1.1 " + status + b"\r\nContent-Length: 0\r\n\r\n"

    def close(self):
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()
        else:
            self._stop.set()
            self._thread.join(timeout=5)
            self.listener.close()


@pytest.fixture
def plain_http_server():
    """A factory: plain_http_server("waits") is a running PlainHttpServer of that kind."""
    servers = []

    def start(kind):
        servers.append(PlainHttpServer(kind))
        return servers[-1]

    yield start
    for server in servers:
        server.close()


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def silent_port():
    """A loopback port that accepts connections (the kernel's backlog) and never answers."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        yield listener.getsockname()[1]


class Sleeps(list):
    """A stand-in for time.sleep that records the delays instead of waiting."""

    def __call__(self, seconds):
        self.append(seconds)


@pytest.fixture
def sleeps():
    return Sleeps()
