"""The test IdP (tests/idp_source.py), and local servers that fail the way real ones do: TLS, silence."""

import socket
import ssl
import subprocess
import threading

import pytest

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
