"""A fake Keycloak: one realm's OpenID Connect token endpoint (client credentials) and its Admin REST API.

What it imitates, and where Keycloak documents it:

- Token: ``POST {prefix}/realms/{realm}/protocol/openid-connect/token`` ("Securing applications", OIDC
  endpoints; client authentication "Client ID and secret" takes HTTP Basic or the form's client_id and
  client_secret). A wrong client or secret answers 401 ``unauthorized_client`` "Invalid client or Invalid
  client credentials" (``client_error`` sets the error, newer releases say ``invalid_client``); a client
  without "Service accounts roles" answers 400 ``unauthorized_client`` "Client not enabled to retrieve
  service account", a public client 400 "Public client not allowed to retrieve service account".
- ``prefix``: "" for Keycloak 17 and later (Quarkus), "/auth" for 16 and older (WildFly); the other prefix
  is not served (an HTML 404). ``root``: a reverse proxy's path prefix in front of both.
- A realm it does not have: 404 ``{"error": "Realm does not exist"}``, on the token path and the admin path.
- Admin REST API (Keycloak Admin REST API reference, "Users" and "Groups"), every list a bare JSON array
  paged with ``first`` (0-based offset) and ``max`` (default 100): ``GET /admin/realms/{realm}/users``
  (ordered by username; ``briefRepresentation`` leaves out attributes and ``serviceAccountClientId``),
  ``/users/count``, ``/users/{id}``, ``/groups`` (top-level groups by name), ``/groups/count``,
  ``/groups/{id}``, ``/groups/{id}/children`` (23+), ``/groups/{id}/members`` (direct members, users).
- ``version``: before 23 a list of groups inlines the whole tree in ``subGroups`` and ``children`` has no GET
  (405); from 23 ``subGroups`` is empty and ``subGroupCount`` says how many ``children`` lists. A 403 says
  ``{"error": "unknown_error"}`` before 23, ``{"error": "HTTP 403 Forbidden"}`` after.
- Roles (realm-management client roles of the service account, read from the token as Keycloak reads
  them): query-users to list users (only those view-users lets it see: none without it, inferred from
  UsersResource.searchForUser), query-groups to list groups, view-users to read one user or group, a
  group's children or members.
- Service-account users are in the realm; ``lists_service_accounts`` puts them in the plain list of users,
  as some releases do (UsersResource: ``INCLUDE_SERVICE_ACCOUNT``).

Faults: ``fail_api``/``fail_token`` answer canned responses (429 with Retry-After for throttling), and
``requests`` logs what came in. It runs in the test's process, so the directory is plain Python objects.
"""

import base64
import json
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote, unquote_plus

import pytest

from tests.fakes.serving import Canned, Seen, Server, read_body

ROLES = ("query-users", "view-users", "query-groups")
REALM_MISSING = {"error": "Realm does not exist"}
NOT_FOUND_HTML = b"<html><head><title>Error</title></head><body>Not Found</body></html>"
DEFAULT_MAX = 100


@dataclass
class Client:
    """A client of the realm: confidential with a service account unless said otherwise."""

    client_id: str
    secret: str = field(default_factory=lambda: secrets.token_urlsafe(24), repr=False)
    public: bool = False
    service_accounts: bool = True
    roles: set = field(default_factory=lambda: set(ROLES))


class FakeKeycloak:
    """The running fake; see the module docstring. Use as a context manager or call close()."""

    def __init__(self, *, realm="acme", prefix="", version=26, root="", client_id="usersync"):
        self.realm, self.prefix, self.version, self.root = realm, prefix, version, root
        self.client_error = "unauthorized_client"
        self.lists_service_accounts = False
        self.token_lifetime = 300
        self.users, self.groups, self.clients = {}, {}, {}
        self.tokens = {}  # token -> (client_id, roles, expiry)
        self.requests, self.api_faults, self.token_faults = [], [], []
        self._clock = 0
        self._lock = threading.Lock()
        self.client = self.add_client(client_id)
        self._server = Server(self._app, "fake-keycloak")
        self.url = f"http://127.0.0.1:{self._server.port}"

    # --- where it is --------------------------------------------------------------------------------

    @property
    def base_url(self):
        """What an admin types as the base URL: the server root, a proxy's prefix included, without /auth."""
        return self.url + self.root

    @property
    def admin_base(self):
        return f"{self.base_url}{self.prefix}/admin/realms/{self.realm}"

    def source(self, **overrides):
        """A KeycloakSource for this realm and its default client."""
        from sync.keycloak import KeycloakSource

        settings = {"base_url": self.base_url, "realm": self.realm, "client_id": self.client.client_id,
                    "client_secret": self.client.secret}
        return KeycloakSource(**{**settings, **overrides})

    def api_calls(self, path=""):
        """The requests to the Admin REST API under /admin/realms/{realm} + path, in order."""
        start = f"{self.root}{self.prefix}/admin/realms/{self.realm}{path}"
        return [seen for seen in self.requests if seen.path.startswith(start)]

    def token_calls(self):
        return [seen for seen in self.requests if seen.path.endswith("/protocol/openid-connect/token")]

    # --- filling it -----------------------------------------------------------------------------------

    def add_client(self, client_id, **options):
        """A client and (with service accounts on) its service-account user, as Keycloak creates it."""
        client = Client(client_id, **options)
        self.clients[client_id] = client
        self._add(self.users, {"username": f"service-account-{client_id}", "enabled": True,
                               "serviceAccountClientId": client_id})
        return client

    def add_user(self, username, *, first=None, last=None, email=None, enabled=True):
        """A user (Keycloak lowercases usernames); the stored record."""
        return self._add(self.users, {"username": username.lower(), "firstName": first, "lastName": last,
                                      "email": email, "enabled": enabled})

    def update_user(self, user_id, **fields):
        self.users[user_id].update(fields)
        return self.users[user_id]

    def set_enabled(self, user_id, enabled):
        return self.update_user(user_id, enabled=enabled)

    def delete_user(self, user_id):
        """Gone, and out of every group (Keycloak deletes the memberships with the user)."""
        del self.users[user_id]
        for group in self.groups.values():
            if user_id in group["members"]:
                group["members"].remove(user_id)

    def add_group(self, name, members=(), *, parent=None):
        """A group (a sub-group of ``parent``, a group record or id) with these members (records or ids)."""
        parent_id = parent["id"] if isinstance(parent, dict) else parent
        return self._add(self.groups, {"name": name, "parent": parent_id,
                                       "members": [_id(member) for member in members]})

    def rename_group(self, group_id, name):
        self.groups[group_id]["name"] = name

    def add_member(self, group_id, user):
        self.groups[group_id]["members"].append(_id(user))

    def remove_member(self, group_id, user):
        self.groups[group_id]["members"].remove(_id(user))

    def delete_group(self, group_id):
        """Gone with all its sub-groups, as in Keycloak."""
        for child in [g["id"] for g in self.groups.values() if g["parent"] == group_id]:
            self.delete_group(child)
        del self.groups[group_id]

    def path_of(self, group_id):
        group = self.groups[group_id]
        parent = self.path_of(group["parent"]) if group["parent"] else ""
        return f"{parent}/{group['name']}"

    # --- making it misbehave ----------------------------------------------------------------------------

    def fail_api(self, status, *, times=1, body=None, headers=None, path=None):
        """Answer the next ``times`` admin requests under /admin/realms/{realm} + path (None: any) with this."""
        self.api_faults.append(_canned(status, body, headers, times, path))

    def fail_token(self, status, *, times=1, body=None, headers=None):
        self.token_faults.append(_canned(status, body, headers, times, None))

    def throttle_once(self, path=None, retry_after="1"):
        """One 429 Too Many Requests with Retry-After (as a proxy or rate limiter in front of Keycloak sends)."""
        self.fail_api(429, body={"error": "Too Many Requests"}, headers={"Retry-After": retry_after}, path=path)

    def expire_tokens(self):
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

    # --- internals: the directory --------------------------------------------------------------------

    def _add(self, table, record):
        self._clock += 1
        record = {"id": str(uuid.uuid4()), "createdTimestamp": 1_767_600_000_000 + self._clock, **record}
        table[record["id"]] = record
        return record

    def _user_rep(self, record, brief):
        rep = {key: record.get(key) for key in ("id", "createdTimestamp", "username", "enabled", "firstName",
                                                 "lastName", "email")}
        rep["emailVerified"] = False
        if not brief:
            rep.update(totp=False, disableableCredentialTypes=[], requiredActions=[], notBefore=0,
                       access={"manageGroupMembership": True, "view": True, "mapRoles": False,
                               "impersonate": False, "manage": False})
            if record.get("serviceAccountClientId"):
                rep["serviceAccountClientId"] = record["serviceAccountClientId"]
        return {key: value for key, value in rep.items() if value is not None}  # JsonInclude NON_NULL

    def _group_rep(self, record, brief, inline):
        children = self._children(record["id"])
        rep = {"id": record["id"], "name": record["name"], "path": self.path_of(record["id"])}
        if self.version >= 23:
            if record["parent"]:
                rep["parentId"] = record["parent"]
            rep.update(subGroupCount=len(children), subGroups=[])
        else:
            rep["subGroups"] = [self._group_rep(c, brief, inline) for c in children] if inline else []
        if not brief:
            rep.update(attributes={}, realmRoles=[], clientRoles={},
                       access={"view": True, "viewMembers": True, "manageMembers": False, "manage": False,
                               "manageMembership": False})
        return rep

    def _children(self, group_id):
        return sorted((g for g in self.groups.values() if g["parent"] == group_id), key=lambda g: g["name"])

    def _people(self):
        """The users a plain list shows, by username."""
        return sorted((u for u in self.users.values()
                       if self.lists_service_accounts or not u.get("serviceAccountClientId")),
                      key=lambda u: u["username"])

    # --- internals: HTTP -----------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        scheme = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0] or None
        self.requests.append(Seen(environ["REQUEST_METHOD"], path, query, scheme))
        status, body, headers = self._route(environ, path, query)
        return _send(start_response, status, body, headers)

    def _route(self, environ, path, query):
        served = self.root + self.prefix
        if not path.startswith(served + "/") or (not self.prefix and path.startswith(self.root + "/auth/")):
            return _html_404()
        parts = [unquote(p) for p in path[len(served):].split("/")[1:]]
        if parts[:1] == ["realms"] and len(parts) >= 2:
            if parts[1] != self.realm:
                return _json(404, REALM_MISSING)
            if parts[2:] == ["protocol", "openid-connect", "token"]:
                return self._token(environ)
        if parts[:2] == ["admin", "realms"] and len(parts) >= 3:
            if parts[2] != self.realm:
                return _json(404, REALM_MISSING)
            return self._admin(environ, "/" + "/".join(parts[3:]) if parts[3:] else "", query)
        return _html_404()

    def _token(self, environ):
        """Client credentials for the client's service account, with Keycloak's refusals."""
        if (canned := self._canned(self.token_faults, "")) is not None:
            return canned
        if environ["REQUEST_METHOD"] != "POST":
            return _json(405, {"error": "HTTP 405 Method Not Allowed"})
        form = dict(parse_qsl(read_body(environ).decode()))
        client_id, secret = _basic(environ) or (form.get("client_id"), form.get("client_secret"))
        client = self.clients.get(client_id)
        if form.get("grant_type") != "client_credentials":
            return _json(400, {"error": "unsupported_grant_type", "error_description": "Unsupported grant_type"})
        if client is None or (not client.public and secret != client.secret):
            return _json(401, {"error": self.client_error,
                               "error_description": "Invalid client or Invalid client credentials"})
        if client.public:
            return _json(400, {"error": "unauthorized_client",
                               "error_description": "Public client not allowed to retrieve service account"})
        if not client.service_accounts:
            return _json(400, {"error": "unauthorized_client",
                               "error_description": "Client not enabled to retrieve service account"})
        token = "eyJ" + secrets.token_urlsafe(32)
        self.tokens[token] = (client.client_id, frozenset(client.roles), time.monotonic() + self.token_lifetime)
        return _json(200, {"access_token": token, "expires_in": self.token_lifetime, "refresh_expires_in": 0,
                           "token_type": "Bearer", "not-before-policy": 0, "scope": "profile email"})

    def _admin(self, environ, rest, query):
        if (canned := self._canned(self.api_faults, rest)) is not None:
            return canned
        roles = self._roles(environ)
        if roles is None:
            return _json(401, {"error": "HTTP 401 Unauthorized"})
        if environ["REQUEST_METHOD"] != "GET":
            return _json(405, {"error": "HTTP 405 Method Not Allowed"})
        parts = rest.split("/")[1:]
        handler = {"users": self._users, "groups": self._groups}.get(parts[0] if parts else None)
        if handler is None:
            return _json(404, {"error": "Unable to find matching target resource method"})
        return handler(parts[1:], query, roles)

    def _users(self, rest, query, roles):
        if not rest or rest == ["count"]:
            if "query-users" not in roles:
                return self._forbidden()
            visible = self._people() if "view-users" in roles else []
            if rest == ["count"]:
                return _json(200, len([u for u in visible if not u.get("serviceAccountClientId")]))
            brief = query.get("briefRepresentation") == "true"
            return _json(200, [self._user_rep(u, brief) for u in _paged(visible, query)])
        if "view-users" not in roles:
            return self._forbidden()
        record = self.users.get(rest[0])
        if record is None or len(rest) > 1:
            return _json(404, {"error": "User not found"})
        return _json(200, self._user_rep(record, brief=False))

    def _groups(self, rest, query, roles):
        brief = query.get("briefRepresentation", "true") == "true"  # GroupsResource: default true
        if not rest or rest == ["count"]:
            if "query-groups" not in roles:
                return self._forbidden()
            top = self._children(None)
            if rest == ["count"]:
                counted = top if query.get("top") == "true" else self.groups.values()
                return _json(200, {"count": len(counted)})
            return _json(200, [self._group_rep(g, brief, inline=True) for g in _paged(top, query)])
        if "view-users" not in roles:
            return self._forbidden()
        record = self.groups.get(rest[0])
        if record is None:
            return _json(404, {"error": "Could not find group by id"})
        if rest[1:] == []:
            return _json(200, self._group_rep(record, brief=False, inline=True))
        if rest[1:] == ["children"]:
            if self.version < 23:
                return _json(405, {"error": "HTTP 405 Method Not Allowed"})
            return _json(200, [self._group_rep(g, brief, inline=False)
                               for g in _paged(self._children(record["id"]), query)])
        if rest[1:] == ["members"]:
            members = sorted((self.users[m] for m in record["members"] if m in self.users),
                             key=lambda u: u["username"])
            return _json(200, [self._user_rep(u, query.get("briefRepresentation") == "true")
                               for u in _paged(members, query)])
        return _json(404, {"error": "Unable to find matching target resource method"})

    def _roles(self, environ):
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        granted = self.tokens.get(token) if scheme.lower() == "bearer" else None
        if granted is None or time.monotonic() >= granted[2]:
            return None
        return granted[1]

    def _forbidden(self):
        return _json(403, {"error": "HTTP 403 Forbidden" if self.version >= 23 else "unknown_error"})

    def _canned(self, faults, path):
        with self._lock:
            for canned in faults:
                if canned.matches(path):
                    if canned.times is not None:
                        canned.times -= 1
                    return canned.status, canned.body, canned.headers
        return None


@pytest.fixture
def keycloak():
    """A running FakeKeycloak (Keycloak 26, modern paths, realm "acme"), stopped after the test."""
    with FakeKeycloak() as fake:
        yield fake


def _id(member):
    return member["id"] if isinstance(member, dict) else member


def _paged(items, query):
    """Keycloak's first/max: a 0-based offset and a page size (default 100)."""
    first, size = int(query.get("first") or 0), int(query.get("max") or DEFAULT_MAX)
    return list(items)[first:first + size]


def _json(status, document, headers=()):
    return status, json.dumps(document).encode(), [("Content-Type", "application/json"), *headers]


def _html_404():
    return 404, NOT_FOUND_HTML, [("Content-Type", "text/html;charset=UTF-8")]


def _canned(status, body, headers, times, path):
    if body is None:
        body = {"error": HTTPStatus(status).phrase}
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else str(body).encode()
    return Canned(status, data, [("Content-Type", "application/json"), *(headers or {}).items()], times, path)


def _basic(environ):
    """(client_id, secret) from HTTP Basic, form-decoded (RFC 6749 §2.3.1), or None."""
    scheme, _, value = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, _, password = base64.b64decode(value).decode().partition(":")
    except ValueError:
        return None
    return unquote_plus(user), unquote_plus(password)


def _send(start_response, status, body, headers):
    headers = [*headers, ("Content-Length", str(len(body)))]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]


