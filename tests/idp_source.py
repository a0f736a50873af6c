"""A test identity provider to pull from: scim2-server's in-memory SCIM service behind an IDCS-like front.

``IdpSource`` serves, with waitress on a free loopback port in a thread:

- ``POST /oauth2/v1/token``: OAuth2 client credentials (HTTP Basic client auth, form body, scope
  ``urn:opc:idm:__myscopes__``), issuing random tokens with ``expires_in``;
- ``/admin/v1/…``: scim2-server's Users and Groups, for ``Authorization: Bearer <issued token>`` only;
- anything else: an HTML 404, as a web server in front of the wrong path would.

With ``idcs=True`` (the default) it answers like Oracle IDCS does: Group ``members`` only when asked
for (``attributes=members``, paged with ``members[startIndex=N&count=M]``), ``displayName`` always,
``itemsPerPage`` echoing the requested count, the draft ListResponse URN, ``count`` capped at 1000.

Helpers fill it through scim2-server's SCIM API (in process, unlogged), set the clock that stamps
``meta.lastModified``, and make the front misbehave (``fail_api``, ``fail_token``, ``expire_tokens``,
``refuse_filters``, ``max_results``, ``member_paging``); ``requests`` logs what the front received.
It runs in the test's process, not a subprocess, so that the clock and the faults are plain Python
objects; the HTTP is real. Other tests import the ``idp_source`` fixture into their conftest.
"""

import base64
import functools
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, unquote_plus, urlencode

import pytest

from tests.fakes.serving import Canned, Seen, Server, read_body

ORACLE_USER = "urn:ietf:params:scim:schemas:oracle:idcs:extension:user:User"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
IDCS_LIST = "urn:scim:api:messages:2.0:ListResponse"  # what Oracle's documented example answers
SCOPE = "urn:opc:idm:__myscopes__"
TOKEN_PATH = "/oauth2/v1/token"
SCIM_PREFIX = "/admin/v1"
IDCS_MAX_COUNT = 1000
IDCS_DEFAULT_COUNT = 50


@functools.cache
def _provider():
    """RFC 7643's schemas plus Oracle's user extension (isFederatedUser); built once, it takes ~1 s."""
    from scim2_models import ResourceType, Schema, ScimProvider
    from scim2_server import utils

    schemas = utils.load_json_resource("default-schemas.json") + [{
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"], "id": ORACLE_USER, "name": "OracleUser",
        "description": "Oracle IDCS user extension",
        "attributes": [{"name": "isFederatedUser", "type": "boolean", "multiValued": False, "required": False,
                        "caseExact": False, "mutability": "readWrite", "returned": "default",
                        "uniqueness": "none"}],
    }]
    types = utils.load_json_resource("default-resource-types.json")
    types[0]["schemaExtensions"].append({"schema": ORACLE_USER, "required": False})
    return ScimProvider.from_discovery([Schema.model_validate(s) for s in schemas],
                                       [ResourceType.model_validate(t) for t in types],
                                       config=utils.load_default_service_provider_config())


def _scim_app(clock):
    """scim2-server's WSGI app on an in-memory store, its URLs under the mount point (no /v2)."""
    from wsgiref.util import application_uri

    from scim2_server.applications.wsgi import WSGIApplication
    from scim2_server.memory import InMemoryStorage

    class Mounted(WSGIApplication):
        @staticmethod
        def get_base_url(environ):
            return application_uri(environ).rstrip("/")

    return Mounted(InMemoryStorage(clock=clock), _provider())


class Clock:
    """What scim2-server stamps meta.created/lastModified with: the real time, or a time the test set."""

    def __init__(self):
        self.now = None

    def __call__(self):
        return self.now or datetime.now(UTC)

    def set(self, moment):
        self.now = moment

    def advance(self, **delta):
        self.now = self() + timedelta(**delta)

    def real(self):
        self.now = None


@dataclass
class IdpSource:
    """The running test IdP; see the module docstring. Use as a context manager or call close()."""

    idcs: bool = True
    client_id: str = "usersync-test-client"
    client_secret: str = field(default_factory=lambda: "secret-" + secrets.token_urlsafe(16), repr=False)
    scope: str | None = SCOPE
    token_lifetime: int = 3600
    max_results: int | None = None  # a smaller page cap than asked: short pages
    refuse_filters: bool = False  # 400 invalidFilter to any filter, as a source without filtering answers
    member_paging: bool = True  # False: members[startIndex=N&count=M] is accepted but every member answered

    def __post_init__(self):
        self.clock = Clock()
        self.app = _scim_app(self.clock)
        self.static_token = "static-" + secrets.token_urlsafe(24)  # the bearer token of scim_source(auth="bearer")
        self.tokens = {}  # live token -> expiry (monotonic)
        self.issued = []  # every token ever issued, expired ones too
        self.token_requests = 0
        self.requests = []
        self.api_faults, self.token_faults = [], []
        self._lock = threading.Lock()
        self._server = Server(_Front(self), "idp-source", threads=4)
        self.url = f"http://127.0.0.1:{self._server.port}"

    # --- where it is -----------------------------------------------------------------------

    @property
    def scim_base(self):
        return self.url + SCIM_PREFIX

    @property
    def token_url(self):
        return self.url + TOKEN_PATH

    def oracle_source(self, client_secret=None):
        """An OracleSource for this IdP (a wrong ``client_secret`` makes the token endpoint refuse it)."""
        from sync.sources import OracleSource

        return OracleSource(self.url, self.client_id, client_secret or self.client_secret)

    def scim_source(self, auth="oauth", **overrides):
        """A ScimSource for this IdP, with OAuth2 client credentials or (``auth="bearer"``) a static token."""
        from sync.sources import ScimSource

        if auth == "bearer":
            settings = {"bearer_token": self.static_token}
        else:
            settings = {"token_url": self.token_url, "client_id": self.client_id,
                        "client_secret": self.client_secret, "scope": self.scope}
        return ScimSource(self.scim_base, **{**settings, **overrides})

    def api_calls(self, path=""):
        """The requests to the SCIM API under ``/admin/v1`` + path, in order."""
        return [s for s in self.requests if s.path.startswith(SCIM_PREFIX + path)]

    # --- filling it (through scim2-server's SCIM API, in process) -----------------------------

    def add_user(self, user_name, *, given=None, family=None, email=None, active=True, external_id=None,
                 federated=False, **extra):
        """Create a user; the resource scim2-server stored."""
        body = {"schemas": [USER, ORACLE_USER], "userName": user_name, "active": active,
                "name": {"givenName": given or user_name.split("@")[0], "familyName": family or "Tester"},
                "emails": [{"value": email or (user_name if "@" in user_name else f"{user_name}@example.com"),
                            "type": "work", "primary": True}],
                ORACLE_USER: {"isFederatedUser": federated}, **extra}
        if external_id:
            body["externalId"] = external_id
        return self._call("POST", "/Users", body, (201,))

    def add_users(self, count, prefix="user", **options):
        """``count`` users named prefix01@example.com, prefix02@example.com, …"""
        return [self.add_user(f"{prefix}{n:02d}@example.com", **options) for n in range(1, count + 1)]

    def add_group(self, name, members=(), *, external_id=None):
        """Create a group with these members (user resources or ids)."""
        body = {"schemas": [GROUP], "displayName": name, "members": [self._member(m) for m in members]}
        if external_id:
            body["externalId"] = external_id
        return self._call("POST", "/Groups", body, (201,))

    def get(self, path):
        """A stored resource, e.g. get(f"/Users/{id}"), or None."""
        response = self._client().get(path)
        return response.json if response.status_code == 200 else None

    def set_active(self, user_id, active):
        return self._patch(f"/Users/{user_id}", [{"op": "replace", "path": "active", "value": active}])

    def deactivate(self, user_id):
        return self.set_active(user_id, False)

    def update_user(self, user_id, **attributes):
        """Replace top-level attributes, e.g. update_user(id, displayName="B. Jensen")."""
        return self._patch(f"/Users/{user_id}", [{"op": "replace", "value": attributes}])

    def rename_group(self, group_id, name):
        return self._patch(f"/Groups/{group_id}", [{"op": "replace", "path": "displayName", "value": name}])

    def add_members(self, group_id, members):
        return self._patch(f"/Groups/{group_id}", [{"op": "add", "path": "members",
                                                    "value": [self._member(m) for m in members]}])

    def remove_member(self, group_id, user_id):
        return self._patch(f"/Groups/{group_id}", [{"op": "remove", "path": f'members[value eq "{user_id}"]'}])

    def delete_user(self, user_id):
        self._call("DELETE", f"/Users/{user_id}", None, (204,))

    def delete_group(self, group_id):
        self._call("DELETE", f"/Groups/{group_id}", None, (204,))

    def last_modified(self, path):
        """meta.lastModified of a stored resource as scim2-server set it, e.g. last_modified(f"/Users/{id}")."""
        return datetime.fromisoformat(self.get(path)["meta"]["lastModified"])

    def set_time(self, moment):
        """Stamp later writes with this time (an aware datetime) until advance() or real_time()."""
        self.clock.set(moment)

    def advance(self, **delta):
        """Move the clock on, e.g. advance(minutes=5)."""
        self.clock.advance(**delta)

    def real_time(self):
        self.clock.real()

    # --- making it misbehave -------------------------------------------------------------------

    def fail_api(self, status, *, times=1, body=None, headers=None, content_type=None, path=None):
        """Answer the next ``times`` SCIM requests (under ``/admin/v1`` + path) with this instead."""
        self.api_faults.append(_canned(status, body, headers, content_type, times, path and SCIM_PREFIX + path))

    def fail_token(self, status, *, times=1, body=None, headers=None, content_type=None):
        """Answer the next ``times`` token requests with this instead."""
        self.token_faults.append(_canned(status, body, headers, content_type, times, None))

    def expire_tokens(self):
        """Every issued token stops working (the API answers 401 to it)."""
        self.tokens.clear()

    def clear_faults(self):
        self.api_faults.clear()
        self.token_faults.clear()

    def close(self):
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- internals -------------------------------------------------------------------------------

    def _client(self):
        from werkzeug.test import Client

        return Client(self.app)

    def _call(self, method, path, body, expected):
        data = json.dumps(body) if body is not None else None
        response = self._client().open(path, method=method, data=data,
                                       headers={"Content-Type": "application/scim+json"})
        assert response.status_code in expected, f"{method} {path}: {response.get_data(as_text=True)}"
        return response.json if response.status_code != 204 else None

    def _patch(self, path, operations):
        """RFC 7644 §3.5.2 PATCH (scim2-server may answer 204); the resource as now stored."""
        self._call("PATCH", path, {"schemas": [PATCH], "Operations": operations}, (200, 204))
        return self.get(path)

    def _member(self, member):
        if isinstance(member, dict):
            return {"value": member["id"], "type": "User", "display": member.get("userName")}
        return {"value": member, "type": "User"}


@pytest.fixture
def idp_source():
    """A running IDCS-like IdpSource, stopped after the test."""
    with IdpSource() as source:
        yield source


class _Front:
    """The WSGI app waitress serves: token endpoint, bearer check, IDCS answers, faults, request log."""

    def __init__(self, source):
        self.source = source

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        scheme = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0] or None
        self.source.requests.append(Seen(environ["REQUEST_METHOD"], path, query, scheme))
        if path == TOKEN_PATH:
            return self._token(environ, start_response)
        if path == SCIM_PREFIX or path.startswith(SCIM_PREFIX + "/"):
            return self._scim(environ, start_response, path, query)
        return _send(start_response, 404, b"<html><body><h1>404 Not Found</h1></body></html>",
                     "text/html; charset=utf-8")

    def _token(self, environ, start_response):
        """RFC 6749 §4.4 client credentials with §2.3.1 HTTP Basic client authentication."""
        source = self.source
        source.token_requests += 1
        canned = self._canned(source.token_faults, TOKEN_PATH)
        if canned:
            return _send(start_response, canned.status, canned.body, None, canned.headers)
        if environ["REQUEST_METHOD"] != "POST":
            return _oauth(start_response, 405, {"error": "invalid_request"})
        form = dict(parse_qsl(read_body(environ).decode()))
        if _basic(environ) != (source.client_id, source.client_secret):
            return _oauth(start_response, 401, {"error": "invalid_client",
                                                "error_description": "Client authentication failed."},
                          [("WWW-Authenticate", 'Basic realm="token"')])
        if form.get("grant_type") != "client_credentials":
            return _oauth(start_response, 400, {"error": "unsupported_grant_type"})
        if source.scope and form.get("scope") != source.scope:
            return _oauth(start_response, 400, {"error": "invalid_scope",
                                                "error_description": f"Scope {form.get('scope')!r} is not allowed."})
        token = secrets.token_urlsafe(32)
        source.tokens[token] = time.monotonic() + source.token_lifetime
        source.issued.append(token)
        return _oauth(start_response, 200, {"access_token": token, "token_type": "Bearer",
                                            "expires_in": source.token_lifetime})

    def _scim(self, environ, start_response, path, query):
        source = self.source
        canned = self._canned(source.api_faults, path)
        if canned:
            return _send(start_response, canned.status, canned.body, None, canned.headers)
        if not self._authorized(environ):
            return _scim_error(start_response, 401, "Authorization failure: the access token is missing, "
                                                    "invalid or expired.")
        if source.refuse_filters and "filter" in query:
            return _scim_error(start_response, 400, "Filtering is not supported.", "invalidFilter")
        rest = path[len(SCIM_PREFIX):] or "/"
        query, member_page = self._rewrite(rest, query)
        inner = {**environ, "SCRIPT_NAME": SCIM_PREFIX, "PATH_INFO": rest, "QUERY_STRING": urlencode(query)}
        status, headers, body = _capture(source.app, inner)
        if source.idcs or member_page:
            body = self._idcs_answer(body, query, member_page)
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        return _send(start_response, status, body, None, headers)

    def _authorized(self, environ):
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer":
            return False
        if token == self.source.static_token:
            return True
        expiry = self.source.tokens.get(token)
        return expiry is not None and time.monotonic() < expiry

    def _rewrite(self, rest, query):
        """The query scim2-server gets: the page cap, and IDCS's Group attribute rules applied."""
        query = dict(query)
        cap = self.source.max_results or (IDCS_MAX_COUNT if self.source.idcs else None)
        if cap and "count" in query and query["count"].isdigit():
            query["count"] = str(min(int(query["count"]), cap))
        if self.source.idcs and "count" not in query and rest in ("/Users", "/Groups"):
            query["count"] = str(min(IDCS_DEFAULT_COUNT, cap))
        member_page = None
        if self.source.idcs and rest.startswith("/Groups"):
            attributes, member_page = _member_paging(query.get("attributes"))
            if attributes is None:
                query.setdefault("excludedAttributes", "members")  # IDCS: members is returned=request
            else:
                query["attributes"] = ",".join(dict.fromkeys(["displayName", *attributes]))  # returned=always
        return query, member_page

    def _idcs_answer(self, body, query, member_page):
        """IDCS's ListResponse (draft URN, itemsPerPage = the requested count) and one page of members."""
        try:
            document = json.loads(body)
        except ValueError:
            return body
        if document.get("schemas") == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"] and self.source.idcs:
            document["schemas"] = [IDCS_LIST]
            document["itemsPerPage"] = int(query.get("count", IDCS_DEFAULT_COUNT))
        if member_page and self.source.member_paging:
            start, count = member_page
            for group in document.get("Resources", [document]):
                if "members" in group:
                    group["members"] = group["members"][start - 1:start - 1 + count]
        return json.dumps(document).encode()

    def _canned(self, faults, path):
        with self.source._lock:
            for canned in faults:
                if canned.matches(path):
                    if canned.times is not None:
                        canned.times -= 1
                    return canned
        return None


def _member_paging(attributes):
    """(attribute names, (startIndex, count) or None) from IDCS's ``members[startIndex=N&count=M]``."""
    if attributes is None:
        return None, None
    names, page = [], None
    for name in attributes.split(","):
        name = name.strip()
        if name.startswith("members[") and name.endswith("]"):
            arguments = dict(parse_qsl(name[len("members["):-1]))
            page = (max(1, int(arguments.get("startIndex", 1))), int(arguments.get("count", 10_000)))
            name = "members"
        if name:
            names.append(name)
    return names, page


def _canned(status, body, headers, content_type, times, path):
    """A Canned response: a JSON body by default (an RFC 7644 §3.12 Error for 4xx/5xx)."""
    if body is None and status >= 400:
        body = {"schemas": [ERROR], "status": str(status), "detail": f"Injected {status} by the test."}
    if isinstance(body, (dict, list)):
        body, content_type = json.dumps(body), content_type or "application/scim+json"
    data = (body or "").encode() if isinstance(body, str) else (body or b"")
    all_headers = [("Content-Type", content_type or "application/scim+json"), *(headers or {}).items()]
    return Canned(status, data, all_headers, times, path)


def _basic(environ):
    """(client_id, client_secret) from HTTP Basic, each form-decoded (RFC 6749 §2.3.1), or None."""
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(user), unquote_plus(password)


def _capture(app, environ):
    """(status code, headers, body) of a WSGI app's answer."""
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    body = b"".join(app(environ, start_response))
    return answer["status"], answer["headers"], body


def _oauth(start_response, status, document, headers=()):
    return _send(start_response, status, json.dumps(document).encode(), "application/json;charset=UTF-8",
                 [("Cache-Control", "no-store"), *headers])


def _scim_error(start_response, status, detail, scim_type=None):
    document = {"schemas": [ERROR], "status": str(status), "detail": detail}
    if scim_type:
        document["scimType"] = scim_type
    return _send(start_response, status, json.dumps(document).encode(), "application/scim+json")


def _send(start_response, status, body, content_type=None, headers=()):
    from http import HTTPStatus

    headers = list(headers)
    if content_type:
        headers.append(("Content-Type", content_type))
    headers.append(("Content-Length", str(len(body))))
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]


