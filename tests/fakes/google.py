"""A fake Google Workspace: the OAuth 2.0 token endpoint for service accounts and the Admin SDK Directory API.

``ServiceAccount`` is a throwaway RSA key pair and the JSON key file Google Cloud would give for it.
``FakeGoogle`` serves, with waitress on a free loopback port in a thread (real HTTP, its state plain Python):

- ``POST /token``: the RFC 7523 JWT-bearer grant as Google's "Using OAuth 2.0 for Server to Server
  Applications" describes it: the RS256 signature checked with the key the header's kid names, iss, aud (the
  URL posted to), iat/exp, the domain-wide delegation allow-list, the subject; Google's error bodies;
- ``/admin/directory/v1/users``, ``/users/{userKey}``, ``/groups``, ``/groups/{groupKey}``,
  ``/groups/{groupKey}/members``: the Directory API v1 reference's methods users.list, users.get, groups.list,
  groups.get and members.list, paged by nextPageToken, with its field names and error bodies;
- anything else: Google's HTML 404.
"""

import base64
import functools
import itertools
import json
import secrets
import threading
import time
from dataclasses import dataclass
from http import HTTPStatus
from urllib.parse import parse_qsl, unquote

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from tests.fakes.serving import Server

PROJECT = "usersync-test"


@functools.cache
def _rsa_key(n):
    """The n-th throwaway 2048-bit RSA key of this test process (generating one takes ~50 ms)."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


class ServiceAccount:
    """A service account's key pair and its JSON key file (Google Cloud console → IAM & Admin → Service
    accounts → Keys → Add key → JSON): type, project_id, private_key_id, private_key, client_email,
    client_id, auth_uri, token_uri, …"""

    def __init__(self, name="usersync-reader", n=0, key_id=None, client_id="113944441234567890123"):
        self.private_key = _rsa_key(n)
        self.key_id = key_id or f"{n:02d}" + "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0"[2:]
        self.client_email = f"{name}@{PROJECT}.iam.gserviceaccount.com"
        self.client_id = client_id

    @property
    def public_key(self):
        return self.private_key.public_key()

    @property
    def pem(self):
        return self.private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                              serialization.NoEncryption()).decode()

    def file(self, token_uri="https://oauth2.googleapis.com/token", **overrides):
        """The key file's JSON text."""
        key = {"type": "service_account", "project_id": PROJECT, "private_key_id": self.key_id,
               "private_key": self.pem, "client_email": self.client_email, "client_id": self.client_id,
               "auth_uri": "https://accounts.google.com/o/oauth2/auth", "token_uri": token_uri,
               "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
               "client_x509_cert_url": "https://www.googleapis.com/robot/v1/metadata/x509/"
                                       + self.client_email.replace("@", "%40"),
               "universe_domain": "googleapis.com", **overrides}
        return json.dumps({k: v for k, v in key.items() if v is not None}, indent=2)


# --- the fake service ----------------------------------------------------------------------------------------

GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"
USER_SCOPE = "https://www.googleapis.com/auth/admin.directory.user.readonly"
GROUP_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.readonly"
MEMBER_SCOPE = "https://www.googleapis.com/auth/admin.directory.group.member.readonly"
SCOPES = (USER_SCOPE, GROUP_SCOPE, MEMBER_SCOPE)
TOKEN_PATH = "/token"
API = "/admin/directory/v1"
# Directory API reference: maxResults of users.list is 1–500 (default 100); groups.list and members.list 1–200.
LIMITS = {"users": (100, 500), "groups": (200, 200), "members": (200, 200)}
# "Using OAuth 2.0 for Server to Server Applications", Addendum: Service account authorization without OAuth /
# error responses seen by Google's client libraries (google-auth: _token_endpoint_request).
UNAUTHORIZED_CLIENT = ("Client is unauthorized to retrieve access tokens using this method, or client not "
                       "authorized for any of the scopes requested.")
SHORT_LIVED = ("Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe. Check "
               "your iat and exp values in the JWT claim.")
NOT_AUTHORIZED = "Not Authorized to access this resource/api"
DISABLED = ("Admin SDK API has not been used in project 123456789012 before or it is disabled. Enable it by visiting "
            "https://console.developers.google.com/apis/api/admin.googleapis.com/overview?project=123456789012 then "
            "retry. If you enabled this API recently, wait a few minutes for the action to propagate to our systems "
            "and retry.")
INVALID_CREDENTIALS = ("Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie "
                       "or other valid authentication credential. See "
                       "https://developers.google.com/identity/sign-in/web/devconsole-project.")


@dataclass
class Seen:
    """One request the fake received: method, path, query, form (token requests) and the Authorization it carried."""

    method: str
    path: str
    query: dict
    form: dict
    auth: str | None


@dataclass
class Fault:
    """An answer given instead of the real one to requests under ``path``, ``times`` times (None: until cleared)."""

    status: int
    body: object
    headers: list
    times: int | None
    path: str

    def matches(self, path):
        return self.times != 0 and path.startswith(self.path)


class FakeGoogle:
    """Google's token endpoint and the Directory API (users, groups, members) on 127.0.0.1, for one Workspace
    account: ``customer_id`` with ``domains``; ``admins`` are the users a token may act as with read rights.

    Knobs: add_user/suspend/archive/rename_user/delete_user, add_group/rename_group/add_member/remove_member/
    delete_group; ``delegations`` (client ID → scopes allowed, the Admin console's Manage Domain Wide Delegation);
    ``keys`` (client_email → {key id: public key}); ``api_enabled``; ``revoke_tokens()``; ``fail(...)``;
    ``throttle(path)`` (429 with Retry-After once). ``requests`` logs every request, ``assertions`` the claims of
    every JWT the token endpoint verified.
    """

    def __init__(self, account, *, customer_id="C01abc2de", domains=("example.com",), admin="admin@example.com"):
        self.customer_id, self.domains = customer_id, list(domains)
        self.users, self.groups, self.members = {}, {}, {}  # id -> resource; group id -> [member]
        self.keys = {account.client_email: {account.key_id: account.public_key}}
        self.delegations = {account.client_id: set(SCOPES)}
        self.client_ids = {account.client_email: account.client_id}
        self.admins = {admin}
        self.api_enabled = True
        self.token_lifetime = 3599
        self.tokens = {}  # access token -> (subject, scopes)
        self.requests, self.assertions, self.faults = [], [], []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()
        self.add_user(admin, given="Ada", family="Admin")
        self._server = Server(self._wsgi, "fake-google")
        self.url = f"http://127.0.0.1:{self._server.port}"

    @property
    def token_url(self):
        return self.url + TOKEN_PATH

    def source(self, account, *, customer="my_customer", admin=None, **overrides):
        """A GoogleSource for this fake, signing with ``account``'s key."""
        from sync.google import GoogleSource

        settings = {"api_url": self.url, "token_url": self.token_url, **overrides}
        return GoogleSource(customer, admin or min(self.admins), account.file(), **settings)

    def api_calls(self, path=""):
        """The requests to the Directory API under API + path, in order."""
        return [seen for seen in self.requests if seen.path.startswith(API + path)]

    # --- the directory ---------------------------------------------------------------------------------------

    def add_user(self, email, *, given=None, family=None, suspended=False, archived=False):
        """users.insert as the Admin console does it; the user resource (projection=basic)."""
        given = given or email.split("@")[0].capitalize()
        family = family or "Tester"
        user = {"kind": "admin#directory#user", "id": self._id(), "etag": '"e"', "primaryEmail": email,
                "name": {"givenName": given, "familyName": family, "fullName": f"{given} {family}"},
                "isAdmin": False, "isDelegatedAdmin": False, "lastLoginTime": "1970-01-01T00:00:00.000Z",
                "creationTime": "2026-01-05T09:00:00.000Z", "agreedToTerms": True, "suspended": suspended,
                "archived": archived, "changePasswordAtNextLogin": False, "ipWhitelisted": False,
                "emails": [{"address": email, "primary": True}], "customerId": self.customer_id,
                "orgUnitPath": "/", "isMailboxSetup": True, "includeInGlobalAddressList": True,
                "customSchemas": {"Employment": {"costCenter": "42"}}}
        if suspended:
            user["suspensionReason"] = "ADMIN"
        self.users[user["id"]] = user
        return user

    def suspend(self, user_id, suspended=True):
        self.users[user_id]["suspended"] = suspended
        if suspended:
            self.users[user_id]["suspensionReason"] = "ADMIN"
        else:
            self.users[user_id].pop("suspensionReason", None)

    def archive(self, user_id, archived=True):
        self.users[user_id]["archived"] = archived

    def rename_user(self, user_id, given=None, family=None):
        name = self.users[user_id]["name"]
        name.update({k: v for k, v in (("givenName", given), ("familyName", family)) if v})
        name["fullName"] = f"{name['givenName']} {name['familyName']}"

    def delete_user(self, user_id):
        """users.delete: the user goes, and with it its memberships."""
        del self.users[user_id]
        for members in self.members.values():
            members[:] = [m for m in members if m["id"] != user_id]

    def add_group(self, email, name, members=()):
        group = {"kind": "admin#directory#group", "id": self._id("0"), "etag": '"e"', "email": email,
                 "name": name, "directMembersCount": "0", "description": "", "adminCreated": True,
                 "nonEditableAliases": [email.replace("@", "@test-google-a.")]}
        self.groups[group["id"]] = group
        self.members[group["id"]] = []
        for member in members:
            self.add_member(group["id"], member)
        return group

    def rename_group(self, group_id, name):
        self.groups[group_id]["name"] = name

    def add_member(self, group_id, member):
        """members.insert: a user or group resource, or "CUSTOMER" (every user of the account)."""
        if member == "CUSTOMER":
            entry = {"kind": "admin#directory#member", "etag": '"e"', "id": self.customer_id, "role": "MEMBER",
                     "type": "CUSTOMER"}
        else:
            kind = "GROUP" if member["kind"] == "admin#directory#group" else "USER"
            address = member.get("email") or member["primaryEmail"]
            entry = {"kind": "admin#directory#member", "etag": '"e"', "id": member["id"], "email": address,
                     "role": "MEMBER", "type": kind, "status": "ACTIVE"}
        self.members[group_id].append(entry)
        self.groups[group_id]["directMembersCount"] = str(len(self.members[group_id]))

    def remove_member(self, group_id, member_id):
        self.members[group_id][:] = [m for m in self.members[group_id] if m["id"] != member_id]
        self.groups[group_id]["directMembersCount"] = str(len(self.members[group_id]))

    def delete_group(self, group_id):
        del self.groups[group_id], self.members[group_id]
        for members in self.members.values():
            members[:] = [m for m in members if m["id"] != group_id]

    # --- making it misbehave -----------------------------------------------------------------------------

    def fail(self, status, *, path=API, times=1, body=None, headers=None):
        """Answer the next ``times`` requests under ``path`` with this status and (JSON) body instead."""
        self.faults.append(Fault(status, body, list((headers or {}).items()), times, path))

    def throttle(self, path=API):
        """Directory API "Limits and quotas": the next request under path gets 429 rateLimitExceeded with
        Retry-After; the one after it succeeds."""
        self.fail(429, path=path, body=google_error(429, "Quota exceeded for quota metric 'Queries'.",
                                                    "rateLimitExceeded", "RESOURCE_EXHAUSTED"),
                  headers={"Retry-After": "1"})

    def revoke_tokens(self):
        """Every access token issued stops working: the API answers 401 to it."""
        self.tokens.clear()

    def clear_faults(self):
        self.faults.clear()

    def close(self):
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- HTTP ----------------------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        method, path = environ["REQUEST_METHOD"], environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        length = int(environ.get("CONTENT_LENGTH") or 0)
        form = dict(parse_qsl(environ["wsgi.input"].read(length).decode())) if length else {}
        with self._lock:
            self.requests.append(Seen(method, path, query, form, environ.get("HTTP_AUTHORIZATION")))
            status, body, headers = self._fault(path) or self._answer(method, path, query, form, environ)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        kind = "text/html" if isinstance(body, bytes) else "application/json; charset=UTF-8"
        start_response(f"{status} {HTTPStatus(status).phrase}",
                       [("Content-Type", kind), ("Content-Length", str(len(data))), *headers])
        return [data]

    def _fault(self, path):
        for fault in self.faults:
            if fault.matches(path):
                if fault.times is not None:
                    fault.times -= 1
                return fault.status, fault.body if fault.body is not None else b"", fault.headers
        return None

    def _answer(self, method, path, query, form, environ):
        if path == TOKEN_PATH and method == "POST":
            return (*self._token(form, self.url + path), [])
        if path.startswith(API + "/") and method == "GET":
            return (*self._api(path[len(API):], query, environ.get("HTTP_AUTHORIZATION") or ""), [])
        return 404, b"<html><title>Error 404 (Not Found)!!1</title></html>", []

    # --- the token endpoint ---------------------------------------------------------------------------------

    def _token(self, form, posted_to):
        """RFC 7523 §2.1 and §3: the assertion's signature (the key id the header names), iss, aud (the URL
        posted to), iat/exp (at most an hour), then the delegation of the scopes and the subject."""
        if form.get("grant_type") != GRANT:
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type: "
                                                                                   + form.get("grant_type", "")}
        parts = (form.get("assertion") or "").split(".")
        try:
            header, claims = (json.loads(_unb64(part)) for part in parts[:2])
            signature = _unb64(parts[2])
        except (ValueError, IndexError):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: not a JWT."}
        keys = self.keys.get(claims.get("iss"))
        if keys is None:
            return 400, {"error": "invalid_grant", "error_description": "Invalid grant: account not found"}
        if header.get("alg") != "RS256" or not _verified(keys.get(header.get("kid")), parts, signature):
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        self.assertions.append({"header": header, "claims": claims})
        if claims.get("aud") != posted_to:
            return 400, {"error": "invalid_grant", "error_description": "Invalid JWT: Failed audience check. The "
                                                                        f"expected value was {posted_to}"}
        now = time.time()
        iat, exp = claims.get("iat"), claims.get("exp")
        if not isinstance(iat, int) or not isinstance(exp, int) or exp - iat > 3600 or iat > now + 60 or exp < now:
            return 400, {"error": "invalid_grant", "error_description": SHORT_LIVED}
        scopes = set(str(claims.get("scope") or "").split())
        if not scopes or not scopes <= self.delegations.get(self.client_ids.get(claims["iss"]), set()):
            return 401, {"error": "unauthorized_client", "error_description": UNAUTHORIZED_CLIENT}
        if not any(u["primaryEmail"] == claims.get("sub") for u in self.users.values()):
            return 400, {"error": "invalid_grant", "error_description": "Invalid email or User ID"}
        token = "ya29." + secrets.token_urlsafe(32)
        self.tokens[token] = (claims["sub"], scopes)
        return 200, {"access_token": token, "expires_in": self.token_lifetime, "token_type": "Bearer"}

    # --- the Directory API ----------------------------------------------------------------------------------

    def _api(self, path, query, authorization):
        """users.list/get, groups.list/get, members.list: Bearer tokens only; the project's API enabled; the
        subject an admin; the scope each method needs (Directory API reference, "Authorization scopes")."""
        grant = self.tokens.get(authorization.removeprefix("Bearer ")) if authorization.startswith("Bearer ") else None
        if grant is None:
            return 401, google_error(401, INVALID_CREDENTIALS, "authError", "UNAUTHENTICATED")
        if not self.api_enabled:
            return 403, google_error(403, DISABLED, "accessNotConfigured", "PERMISSION_DENIED", domain="usageLimits")
        subject, scopes = grant
        parts = path.strip("/").split("/")
        needed = USER_SCOPE if parts[0] == "users" else (GROUP_SCOPE, MEMBER_SCOPE) if parts[-1] == "members" \
            else GROUP_SCOPE
        if not set((needed,) if isinstance(needed, str) else needed) & scopes:
            return 403, google_error(403, "Request had insufficient authentication scopes.",
                                     "insufficientPermissions", "PERMISSION_DENIED")
        if subject not in self.admins:
            return 403, google_error(403, NOT_AUTHORIZED, "forbidden", "PERMISSION_DENIED")
        return self._route(parts, query)

    def _route(self, parts, query):
        if parts == ["users"]:
            return self._list("users", self._scoped(query, self.users.values(), "primaryEmail"), query,
                              _basic if query.get("projection", "basic") == "basic" else dict)
        if parts == ["groups"]:
            return self._list("groups", self._scoped(query, self.groups.values(), "email"), query, dict)
        if len(parts) == 2 and parts[0] == "users":
            found = self._by_key(self.users, unquote(parts[1]), "primaryEmail")
            return (200, _basic(found)) if found else _not_found("userKey")
        if len(parts) == 2 and parts[0] == "groups":
            found = self._by_key(self.groups, unquote(parts[1]), "email")
            return (200, dict(found)) if found else _not_found("groupKey")
        if len(parts) == 3 and parts[0] == "groups" and parts[2] == "members":
            found = self._by_key(self.groups, unquote(parts[1]), "email")
            if not found:
                return _not_found("groupKey")
            return self._list("members", self.members[found["id"]], query, dict)
        return _not_found("path")

    def _scoped(self, query, resources, email):
        """users.list/groups.list: customer (my_customer or the account's ID) or domain (one of its domains);
        neither, or someone else's, is a 400 Bad Request. None stands for that refusal."""
        if "domain" in query:
            domain = query["domain"].lower()
            return None if domain not in self.domains else [r for r in resources
                                                            if r[email].lower().endswith("@" + domain)]
        if query.get("customer") in ("my_customer", self.customer_id):
            return list(resources)
        return None

    def _list(self, name, resources, query, shown):
        """One page: at most maxResults, the next page's place in an opaque nextPageToken; the list's key is
        absent when the page is empty (Directory API reference, users.list "Response body")."""
        if resources is None:
            return 400, google_error(400, "Bad Request", "badRequest", "INVALID_ARGUMENT")
        default, most = LIMITS[name]
        try:
            size = int(query.get("maxResults", default))
            offset = int(_unb64(query["pageToken"]).decode().removeprefix("offset:")) if query.get("pageToken") else 0
        except (ValueError, UnicodeDecodeError):
            return 400, google_error(400, "Invalid Input", "invalid", "INVALID_ARGUMENT")
        if not 1 <= size <= most:
            return 400, google_error(400, f"Invalid value '{size}'. Values must be within the range: [1, {most}]",
                                     "invalid", "INVALID_ARGUMENT")
        page = resources[offset:offset + size]
        body = {"kind": f"admin#directory#{name}", "etag": '"e"'}
        if page:
            body[name] = [shown(resource) for resource in page]
        if offset + size < len(resources):
            body["nextPageToken"] = _b64(f"offset:{offset + size}".encode())
        return 200, body

    def _by_key(self, resources, key, email):
        """users.get/groups.get: userKey/groupKey is the id or the primary email (or an alias)."""
        return resources.get(key) or next((r for r in resources.values() if r[email].lower() == key.lower()), None)

    def _id(self, prefix="1"):
        return prefix + f"{next(self._ids):020d}"[1:]


def google_error(code, message, reason, status, domain="global"):
    """Google's JSON error body (Directory API "Error responses")."""
    return {"error": {"code": code, "message": message,
                      "errors": [{"message": message, "domain": domain, "reason": reason}], "status": status}}


def _not_found(what):
    return 404, google_error(404, f"Resource Not Found: {what}", "notFound", "NOT_FOUND")


def _basic(user):
    """projection=basic: no customSchemas (those come with projection=full or custom)."""
    return {key: value for key, value in user.items() if key != "customSchemas"}


def _verified(public_key, parts, signature):
    """RFC 7518 §3.3 RS256: RSASSA-PKCS1-v1_5 with SHA-256 over header.claims."""
    if public_key is None:
        return False
    try:
        public_key.verify(signature, f"{parts[0]}.{parts[1]}".encode(), padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


def _b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@pytest.fixture
def google_account():
    """A service account (its key pair and JSON key file) that the fake knows, with domain-wide delegation."""
    return ServiceAccount()


@pytest.fixture
def fake_google(google_account):
    """A running FakeGoogle for google_account, its admin admin@example.com; closed after the test."""
    with FakeGoogle(google_account) as google:
        yield google
