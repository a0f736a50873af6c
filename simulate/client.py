"""A small SCIM client on http.client: one keep-alive connection, JSON, bearer auth, timeouts.

Every call names the step it belongs to, so an unexpected answer becomes an error that says
which step, which request and what the server said. The bearer token never appears in one.
"""

import http.client
import json
import socket
import ssl
from urllib.parse import urlsplit

from scim.constants import CONTENT_TYPE

MAX_SHOWN = 600  # characters of a request or response body quoted in an error
SECRET_KEYS = ("password", "secret", "token")


class SimulateError(Exception):
    """A simulation stopped; the message is written for the terminal."""

    def __init__(self, message, step=None, **details):
        super().__init__(message)
        self.step = step
        self.details = details

    def record(self):
        """The failure as the JSON summary lists it."""
        return {"step": self.step, **self.details, "message": str(self)}


class StepError(SimulateError):
    """The server answered a step with a status the IdP would not have accepted."""

    def __init__(self, step, method, target, response, sent=None, expected=None):
        body = response.body if isinstance(response.body, dict) else {}
        detail = body.get("detail") or _shorten(response.text) or response.reason
        scim_type = f" ({body['scimType']})" if body.get("scimType") else ""
        message = f"{step}: {method} {target} answered {response.status} {response.reason}{scim_type}: {detail}"
        if expected:
            message += f"\n  expected: {' or '.join(map(str, expected))}"
        if sent is not None:
            message += f"\n  sent: {_shorten(json.dumps(_redacted(sent), ensure_ascii=False))}"
        super().__init__(message, step, method=method, path=target, status=response.status,
                         scim_type=body.get("scimType"), detail=detail)


class Response:
    """A status, its reason, the headers, and the body: parsed JSON, or None when there is none."""

    def __init__(self, status, reason, headers, raw):
        self.status, self.reason, self.headers = status, reason, headers
        self.text = raw.decode("utf-8", "replace")
        try:
            self.body = json.loads(self.text) if self.text.strip() else None
        except ValueError:
            self.body = None


class HttpTransport:
    """One persistent HTTP/1.1 connection to the origin of the base URL."""

    def __init__(self, scheme, host, port, timeout=30.0, insecure=False):
        self.scheme, self.host, self.port, self.timeout = scheme, host, port, timeout
        self.context = None
        if scheme == "https":
            self.context = ssl.create_default_context()
            if insecure:
                self.context.check_hostname = False
                self.context.verify_mode = ssl.CERT_NONE
        self.connection = None
        self.used = False  # whether the open connection has carried a full exchange

    def _connect(self):
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, timeout=self.timeout, context=self.context)
        return http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def send(self, method, target, headers, body):
        """(status, reason, headers, raw body); reconnects once if an idle keep-alive connection was dropped."""
        for attempt in (1, 2):
            if self.connection is None:
                self.connection, self.used = self._connect(), False
            try:
                self.connection.request(method, target, body=body, headers=headers)
                raw = self.connection.getresponse()
                answer = raw.status, raw.reason, {k.lower(): v for k, v in raw.getheaders()}, raw.read()
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                reused = self.used
                self.close()
                # A server may close an idle connection just as a request goes out; nothing reached
                # the application then, so one retry on a fresh connection is safe (as urllib3 does).
                if attempt == 1 and reused:
                    continue
                raise
            except BaseException:
                self.close()
                raise
            self.used = True
            if answer[2].get("connection", "").lower() == "close":
                self.close()
            return answer

    def close(self):
        if self.connection is not None:
            self.connection.close()
            self.connection = None


class Client:
    """SCIM requests under a base URL, as one IdP sends them (its fixed headers on each)."""

    def __init__(self, base_url, token, headers=None, timeout=30.0, insecure=False, transport=None):
        parts = urlsplit(base_url.strip())
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise SimulateError(f"--base-url must be an http:// or https:// URL, got {base_url!r}")
        if parts.query or parts.fragment:
            raise SimulateError(f"--base-url must not have a query or fragment, got {base_url!r}")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            raise SimulateError(f"--base-url has an invalid port: {base_url!r}") from None
        self.origin = f"{parts.scheme}://{parts.netloc}"
        self.base_url = self.origin + parts.path.rstrip("/")
        self.base_path = parts.path.rstrip("/")
        self.token = token
        self.headers = {"Accept": CONTENT_TYPE, "User-Agent": "usersync-simulate", **(headers or {})}
        self.transport = transport or HttpTransport(parts.scheme, parts.hostname, port, timeout, insecure)

    def request(self, step, method, path, body=None, expect=(200,)):
        """Send METHOD base+path with a JSON body; the Response, or StepError if its status is not expected."""
        target = self.base_path + path
        headers = {**self.headers, "Authorization": f"Bearer {self.token}"}
        payload = None
        if body is not None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            headers.setdefault("Content-Type", CONTENT_TYPE)
        else:
            headers.pop("Content-Type", None)
        try:
            response = Response(*self.transport.send(method, target, headers, payload))
        except OSError as exc:
            raise self._unreachable(step, method, target, exc) from None
        except http.client.HTTPException as exc:
            raise SimulateError(f"{step}: {method} {target}: the server broke the HTTP exchange "
                                f"({type(exc).__name__}: {exc}).", step, method=method, path=target) from None
        if response.status not in expect:
            raise StepError(step, method, target, response, body, expect)
        if response.status != 204 and method != "DELETE" and not isinstance(response.body, dict):
            raise SimulateError(f"{step}: {method} {target} answered {response.status} without a JSON object "
                                f"({response.headers.get('content-type', 'no Content-Type')}): "
                                f"{_shorten(response.text) or '(empty body)'}",
                                step, method=method, path=target, status=response.status)
        return response

    def _unreachable(self, step, method, target, exc):
        where = f"{method} {self.origin}{target}"
        if isinstance(exc, ConnectionRefusedError):
            reason = f"connection refused. Is usersync serve running on {self.origin}?"
        elif isinstance(exc, ssl.SSLCertVerificationError):
            reason = (f"the TLS certificate was not accepted ({exc.verify_message}). "
                      "For a self-signed test server only, add --insecure.")
        elif isinstance(exc, ssl.SSLError):
            reason = f"the TLS handshake failed ({exc.reason or exc}). Does {self.origin} speak https?"
        elif isinstance(exc, (socket.timeout, TimeoutError)):
            reason = "no answer within the timeout."
        elif isinstance(exc, socket.gaierror):
            reason = f"the host name does not resolve ({exc.strerror})."
        else:
            reason = f"{type(exc).__name__}: {exc}"
        return SimulateError(f"{step}: {where} failed: {reason}", step, method=method, path=target)

    def close(self):
        self.transport.close()


def _shorten(text):
    text = " ".join(str(text).split())
    return text if len(text) <= MAX_SHOWN else text[:MAX_SHOWN] + "…"


def _redacted(value):
    """A request body as it may be printed: secret-looking values replaced."""
    if isinstance(value, dict):
        return {k: "[redacted]" if any(s in k.lower() for s in SECRET_KEYS) else _redacted(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v) for v in value]
    return value
