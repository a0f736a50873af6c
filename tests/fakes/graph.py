"""A fake Microsoft identity platform token endpoint and Microsoft Graph v1.0, on one loopback server.

Use its ``url`` as both the Login URL and the Graph URL. What it imitates, and where Microsoft documents it:

- Token: ``POST /{tenant}/oauth2/v2.0/token`` ("Microsoft identity platform and the OAuth 2.0 client credentials
  flow", first case: access token request with a shared secret): the form's client_id, client_secret, scope
  ``<graph>/.default`` and grant_type; answers ``token_type``, ``expires_in``, ``access_token``. Errors as the
  endpoint answers them ("Microsoft Entra authentication and authorization error codes"), an ``error``, an
  ``error_description`` starting with the AADSTS code and ending with trace lines, and ``error_codes``:
  AADSTS90002 (400 invalid_request, tenant not found), AADSTS900023 (400, not a tenant identifier),
  AADSTS900144 (400 invalid_request, no client_id in the body, e.g. HTTP Basic client authentication),
  AADSTS700016 (400 unauthorized_client, application not found in the directory), AADSTS7000215 (401
  invalid_client, invalid client secret), AADSTS7000218 (401, no client_secret in the body),
  AADSTS1002012 (400 invalid_scope), AADSTS70003 (400 unsupported_grant_type).
- Graph errors as "Microsoft Graph error responses and resource types" shows them: ``{"error": {"code",
  "message"}}``; 401 InvalidAuthenticationToken for a token it did not issue or that expired, 403
  Authorization_RequestDenied "Insufficient privileges to complete the operation." when ``permitted`` is off,
  404 Request_ResourceNotFound, 400 Request_BadRequest for a property $select does not know, 410
  syncStateNotFound for a delta token it no longer keeps, 429 TooManyRequests with Retry-After.
- "user: delta" and "group: delta" (and "Use delta query to track changes in Microsoft Graph data"): the first
  round lists every object, ``@odata.nextLink`` with an opaque ``$skiptoken`` until the last page, which
  carries ``@odata.deltaLink`` with an opaque ``$deltatoken``; the query ($select) is kept in the token. A
  round from a delta link lists what changed after it was issued: a new object whole, an updated one as its
  id and the properties that changed, a deleted one as ``{"id", "@removed": {"reason"}}`` ("changed" for a
  user moved to deleted items, "deleted" when it is gone for good). Groups carry ``members@delta`` only when
  members are selected: split over several objects (``members_per_object``) on the first round, the
  changes only (removals with ``@removed``) later; a change of members alone makes a group appear only then.
- "user resource type": accountEnabled and onPremisesSamAccountName only when selected; a user's default
  properties otherwise. Selected properties without a value are null.
- "List users", "List groups" ($filter=displayName eq '…', $top, $count=true with ConsistencyLevel:
  eventual giving ``@odata.count``), "Get user", "Get group", "List group members" (``@odata.type`` on
  each), "List group transitive members" cast to microsoft.graph.user, "List a user's transitiveMemberOf"
  cast to microsoft.graph.group; $top up to 999, else ``page_size`` (Graph's default is 100).

Faults: ``permitted``, ``throttle_once``, ``fail_api``/``fail_token``, ``expire_tokens``,
``forget_delta_tokens``; ``requests`` logs what came in. It runs in the test's process, so the directory is
plain Python objects; the HTTP is real.
"""

import json
import re
import secrets
import threading
import time
import uuid
from dataclasses import dataclass, field
from http import HTTPStatus
from urllib.parse import parse_qsl

import pytest

from tests.fakes import serving
from tests.fakes.serving import Canned, Server, read_body

API = "/v1.0"
USER = "#microsoft.graph.user"
GROUP = "#microsoft.graph.group"
USER_PROPERTIES = ("id", "userPrincipalName", "mail", "givenName", "surname", "displayName", "accountEnabled",
                   "onPremisesSamAccountName", "jobTitle")
DEFAULT_USER = ("id", "displayName", "givenName", "jobTitle", "mail", "surname", "userPrincipalName")
GROUP_PROPERTIES = ("id", "displayName", "members")
MAX_TOP = 999
_TOKEN_PATH = re.compile(r"^/([^/]+)/oauth2/v2\.0/token$")
_GUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
_FILTER = re.compile(r"^displayName eq '((?:[^']|'')*)'$")
NOT_FOUND_HTML = b"<html><body><h1>404 Not Found</h1></body></html>"


@dataclass
class Seen(serving.Seen):
    """One request, with Graph's ConsistencyLevel header and a token request's form."""

    consistency: str | None = None
    form: dict = field(default_factory=dict)


@dataclass
class Round:
    """A listing being paged: its objects, the next offset, and for a delta round the change it started at."""

    items: list
    offset: int
    path: str
    delta: tuple | None  # (kind, select, change number) the final deltaLink stands for
    count: bool = False  # $count=true: the first page says how many
    size: int = 0


class FakeGraph:
    """The running fake; see the module docstring. Use as a context manager or call close()."""

    def __init__(self, *, page_size=100, members_per_object=20, domain="contoso.onmicrosoft.com"):
        self.tenant_id, self.domain = str(uuid.uuid4()), domain
        self.client_id = str(uuid.uuid4())
        self.client_secret = "Gr8~" + secrets.token_urlsafe(24)
        self.page_size, self.members_per_object = page_size, members_per_object
        self.token_lifetime = 3599
        self.permitted = True
        self.users, self.groups, self.gone = {}, {}, {}  # gone: user id -> @removed reason
        self.changes = []  # (change number, "users"/"groups", id, what changed)
        self.requests, self.tokens = [], {}
        self.api_faults, self.token_faults = [], []
        self._rounds, self._deltas = {}, {}
        self._lock = threading.RLock()
        self._server = Server(self._app, "fake-graph")
        self.url = f"http://127.0.0.1:{self._server.port}"

    # --- where it is -----------------------------------------------------------------------------

    def entra_source(self, **overrides):
        """An EntraSource for this tenant, both hosts here."""
        from sync.graph import EntraSource

        settings = {"tenant_id": self.tenant_id, "client_id": self.client_id, "client_secret": self.client_secret,
                    "login_url": self.url, "graph_url": self.url}
        return EntraSource(**{**settings, **overrides})

    def api_calls(self, path=""):
        """Requests to Graph under /v1.0 + path, in order."""
        return [seen for seen in self.requests if seen.path.startswith(API + path)]

    def token_calls(self):
        return [seen for seen in self.requests if _TOKEN_PATH.match(seen.path)]

    # --- filling it ----------------------------------------------------------------------------------

    def add_user(self, nickname, *, mail=None, given=None, surname="Tester", enabled=True, sam=None, upn=None):
        """A user nickname@<domain>, mail nickname@contoso.com unless given (mail="" for none); its properties."""
        given = given or nickname.capitalize()
        record = {"id": str(uuid.uuid4()), "userPrincipalName": upn or f"{nickname}@{self.domain}",
                  "mail": f"{nickname}@contoso.com" if mail is None else (mail or None), "givenName": given,
                  "surname": surname, "displayName": f"{given} {surname}", "accountEnabled": enabled,
                  "onPremisesSamAccountName": sam, "jobTitle": None}
        with self._lock:
            self.users[record["id"]] = record
            self._changed("users", record["id"], "created")
        return dict(record)

    def update_user(self, user_id, **properties):
        with self._lock:
            self.users[user_id].update(properties)
            self._changed("users", user_id, set(properties))

    def disable(self, user_id):
        self.update_user(user_id, accountEnabled=False)

    def delete_user(self, user_id, *, permanently=False):
        """Delete a user (to deleted items, or for good); it leaves its groups, which changes them."""
        with self._lock:
            del self.users[user_id]
            self.gone[user_id] = "deleted" if permanently else "changed"
            self._changed("users", user_id, "removed")
            for group_id, record in self.groups.items():
                if user_id in record["members"]:
                    self._remove(group_id, user_id)

    def add_group(self, name, members=()):
        """A group with these members (ids or records of users or groups); its id and name."""
        record = {"id": str(uuid.uuid4()), "displayName": name, "members": [_id(m) for m in members]}
        with self._lock:
            self.groups[record["id"]] = record
            self._changed("groups", record["id"], "created")
        return {"id": record["id"], "displayName": name}

    def rename_group(self, group_id, name):
        with self._lock:
            self.groups[group_id]["displayName"] = name
            self._changed("groups", group_id, {"displayName"})

    def add_members(self, group_id, members):
        with self._lock:
            for member in map(_id, members):
                if member not in self.groups[group_id]["members"]:
                    self.groups[group_id]["members"].append(member)
                    self._changed("groups", group_id, {"added": member})

    def remove_member(self, group_id, member):
        with self._lock:
            self._remove(group_id, _id(member))

    def delete_group(self, group_id):
        with self._lock:
            del self.groups[group_id]
            self._changed("groups", group_id, "removed")

    # --- making it misbehave -----------------------------------------------------------------------

    def throttle_once(self, path=None, retry_after="1"):
        """The next Graph request (under /v1.0 + path) answers 429 with Retry-After; the retry succeeds."""
        body = {"error": {"code": "TooManyRequests", "message": "Too many requests, retry after some time."}}
        self.fail_api(429, body=body, headers={"Retry-After": retry_after}, path=path)

    def fail_api(self, status, *, times=1, body=None, headers=None, path=None):
        """Answer the next ``times`` Graph requests (under /v1.0 + path) with this instead."""
        body = body or {"error": {"code": HTTPStatus(status).phrase.replace(" ", ""),
                                  "message": f"Injected {status} by the test."}}
        self.api_faults.append(_canned(status, body, headers, times, API + (path or "")))

    def fail_token(self, status, *, times=1, body=None, headers=None):
        self.token_faults.append(_canned(status, body or {"error": "temporarily_unavailable"}, headers, times, None))

    def clear_faults(self):
        self.api_faults.clear()
        self.token_faults.clear()

    def expire_tokens(self):
        """Every issued token stops working (Graph answers 401 InvalidAuthenticationToken)."""
        self.tokens.clear()

    def forget_delta_tokens(self):
        """Every delta link issued so far answers 410 syncStateNotFound, as an expired one does."""
        self._deltas.clear()

    def close(self):
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- the directory's changes ----------------------------------------------------------------------

    def _changed(self, kind, object_id, what):
        self.changes.append((len(self.changes) + 1, kind, object_id, what))

    def _remove(self, group_id, member):
        if member in self.groups[group_id]["members"]:
            self.groups[group_id]["members"].remove(member)
            self._changed("groups", group_id, {"removed": member})

    def _since(self, kind, mark):
        """{id: [what changed, …]} of the objects of a kind changed after change number ``mark``, in order."""
        changed = {}
        for number, changed_kind, object_id, what in self.changes:
            if number > mark and changed_kind == kind:
                changed.setdefault(object_id, []).append(what)
        return changed

    # --- HTTP ------------------------------------------------------------------------------------------

    def _app(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        body = read_body(environ)
        seen = Seen(environ["REQUEST_METHOD"], path, query,
                    environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0] or None,
                    environ.get("HTTP_CONSISTENCYLEVEL"))
        self.requests.append(seen)
        with self._lock:
            if _TOKEN_PATH.match(path):
                seen.form = dict(parse_qsl(body.decode(errors="replace")))
                status, data, headers = self._token(environ, _TOKEN_PATH.match(path).group(1), seen.form)
            elif path == API or path.startswith(API + "/"):
                status, data, headers = self._graph(environ, path, query)
            else:
                status, data, headers = 404, NOT_FOUND_HTML, [("Content-Type", "text/html")]
        headers = [*headers, ("Content-Length", str(len(data)))]
        start_response(f"{status} {HTTPStatus(status).phrase}", headers)
        return [data]

    def _token(self, environ, tenant, form):
        canned = self._canned(self.token_faults, "")
        if canned:
            return canned.status, canned.body, canned.headers
        if environ["REQUEST_METHOD"] != "POST":
            return _aadsts(405, "invalid_request", 900561, "The endpoint only accepts POST requests.")
        if tenant not in (self.tenant_id, self.domain):
            if _GUID.match(tenant) or "." in tenant:
                return _aadsts(400, "invalid_request", 90002, f"Tenant '{tenant}' not found. Check to make sure "
                                                              "you have the correct tenant ID and are signing into "
                                                              "the correct cloud.")
            return _aadsts(400, "invalid_request", 900023, f"Specified tenant identifier '{tenant}' is neither a "
                                                           "valid DNS name, nor a valid external domain.")
        if form.get("grant_type") != "client_credentials":
            return _aadsts(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.")
        if not form.get("client_id"):  # HTTP Basic alone is not what the v2.0 endpoint documents
            return _aadsts(400, "invalid_request", 900144, "The request body must contain the following "
                                                           "parameter: 'client_id'.")
        if form.get("client_id") != self.client_id:
            return _aadsts(400, "unauthorized_client", 700016, f"Application with identifier "
                                                               f"'{form.get('client_id')}' was not found in the "
                                                               f"directory '{self.domain}'.")
        if not form.get("client_secret"):
            return _aadsts(401, "invalid_client", 7000218, "The request body must contain the following "
                                                           "parameter: 'client_assertion' or 'client_secret'.")
        if form["client_secret"] != self.client_secret:
            return _aadsts(401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret "
                                                           "being sent in the request is the client secret value, "
                                                           f"not the client secret ID, for a secret added to app "
                                                           f"'{self.client_id}'.")
        if form.get("scope") != f"{self.url}/.default":
            return _aadsts(400, "invalid_scope", 1002012, f"The provided value for scope {form.get('scope')} is "
                                                          "not valid. Client credential flows must have a scope "
                                                          "value with /.default suffixed to the resource "
                                                          "identifier (application ID URI).")
        token = secrets.token_urlsafe(32)
        self.tokens[token] = time.monotonic() + self.token_lifetime
        return _json(200, {"token_type": "Bearer", "expires_in": self.token_lifetime,
                           "ext_expires_in": self.token_lifetime, "access_token": token})

    def _graph(self, environ, path, query):
        canned = self._canned(self.api_faults, path)
        if canned:
            return canned.status, canned.body, canned.headers
        scheme, _, token = environ.get("HTTP_AUTHORIZATION", "").partition(" ")
        if scheme.lower() != "bearer" or self.tokens.get(token, 0) < time.monotonic():
            return _error(401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid.")
        if not self.permitted:
            return _error(403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
        if environ["REQUEST_METHOD"] != "GET":
            return _error(405, "Request_BadRequest", "Specified HTTP method is not allowed for the request target.")
        try:
            return self._route(path[len(API):], query, environ.get("HTTP_CONSISTENCYLEVEL"))
        except _Refused as refused:
            return refused.answer

    def _route(self, rest, query, consistency):
        if "$skiptoken" in query:
            return self._next(query["$skiptoken"])
        parts = rest.strip("/").split("/")
        if parts in (["users", "delta"], ["groups", "delta"]):
            return self._delta(parts[0], query)
        if parts in (["users"], ["groups"]):
            return self._list_all(parts[0], query, consistency)
        if len(parts) == 2 and parts[0] in ("users", "groups"):
            return self._get(parts[0], parts[1], query)
        if parts[0] == "groups" and parts[2:] in (["members"], ["transitiveMembers", "microsoft.graph.user"]):
            return self._members(parts[1], parts[2] == "members", query)
        if parts[0] == "users" and parts[2:] == ["transitiveMemberOf", "microsoft.graph.group"]:
            return self._member_of(parts[1], query)
        return _error(400, "BadRequest", f"Resource not found for the segment '{parts[-1]}'.")

    # --- delta ----------------------------------------------------------------------------------------

    def _delta(self, kind, query):
        """A round: the first (everything) or, from $deltatoken, the changes since that link was issued."""
        mark = len(self.changes)
        if "$deltatoken" in query:
            state = self._deltas.get(query["$deltatoken"])
            if state is None or state[0] != kind:
                return _error(410, "syncStateNotFound", "The sync state generation is not found.")
            select = state[1]
            items = [self._changed_item(kind, object_id, whats, select)
                     for object_id, whats in self._since(kind, state[2]).items()]
            items = [item for item in items if item is not None]
        else:
            select = _select(kind, query.get("$select"))
            items = self._everything(kind, select)
        return self._start(Round(items, 0, f"/{kind}/delta", (kind, select, mark)))

    def _everything(self, kind, select):
        if kind == "users":
            return [_pick(record, select) for record in self.users.values()]
        items = []
        for record in self.groups.values():
            items += self._group_objects(record, select)
        return items

    def _group_objects(self, record, select):
        """A group as delta lists it on the first round: its members split over several objects."""
        head = {name: record[name] for name in select if name != "members"}
        if "members" not in select:
            return [head]
        members = [self._typed(member) for member in record["members"]]
        size = self.members_per_object
        chunks = [members[at:at + size] for at in range(0, len(members), size)] or [[]]
        return [{**(head if at == 0 else {"id": record["id"]}), "members@delta": chunk}
                for at, chunk in enumerate(chunks)]

    def _changed_item(self, kind, object_id, whats, select):
        """A changed object as a later round lists it; None when nothing selected changed."""
        if "removed" in whats:
            reason = self.gone.get(object_id, "deleted") if kind == "users" else "deleted"
            return {"id": object_id, "@removed": {"reason": reason}}
        record = (self.users if kind == "users" else self.groups)[object_id]
        if "created" in whats:
            return self._created(kind, record, select)
        names = set().union(*(what for what in whats if isinstance(what, set)))
        item = {"id": object_id, **{name: record[name] for name in select if name in names}}
        if kind == "groups" and "members" in select:
            delta = [self._typed(what["added"]) for what in whats if isinstance(what, dict) and "added" in what]
            delta += [{**self._typed(what["removed"]), "@removed": {"reason": "deleted"}}
                      for what in whats if isinstance(what, dict) and "removed" in what]
            if delta:
                item["members@delta"] = delta
        return item if len(item) > 1 else None

    def _created(self, kind, record, select):
        """An object created since the delta link: whole, all its members listed as added."""
        item = _pick(record, select)
        if kind == "groups" and "members" in select:
            item["members@delta"] = [self._typed(member) for member in record["members"]]
        return item

    # --- lists and objects ------------------------------------------------------------------------------

    def _list_all(self, kind, query, consistency):
        counted = query.get("$count") == "true"
        if counted and consistency != "eventual":
            return _error(400, "Request_BadRequest", "$count is not currently supported without the "
                                                     "ConsistencyLevel header set to eventual.")
        records = list((self.users if kind == "users" else self.groups).values())
        if "$filter" in query:
            matched = _FILTER.match(query["$filter"]) if kind == "groups" else None
            if matched is None:
                return _error(400, "Request_UnsupportedQuery", "Unsupported Query.")
            name = matched.group(1).replace("''", "'").casefold()
            records = [r for r in records if r["displayName"].casefold() == name]
        select = _select(kind, query.get("$select"), members=False)
        return self._start(Round([_pick(r, select) for r in records], 0, f"/{kind}", None, counted), query)

    def _get(self, kind, object_id, query):
        record = (self.users if kind == "users" else self.groups).get(object_id)
        if record is None:
            return _error(404, "Request_ResourceNotFound", f"Resource '{object_id}' does not exist or one of its "
                                                           "queried reference-property objects are not present.")
        return _json(200, _pick(record, _select(kind, query.get("$select"), members=False)))

    def _members(self, group_id, direct, query):
        if group_id not in self.groups:
            return self._get("groups", group_id, {})
        if direct:
            ids = self.groups[group_id]["members"]
            items = [{**self._typed(m), **_pick(self.users[m], _select("users", query.get("$select")))}
                     if m in self.users else self._typed(m) for m in ids]
        else:
            select = _select("users", query.get("$select"))
            items = [_pick(self.users[m], select) for m in self._flattened(group_id) if m in self.users]
        return self._start(Round(items, 0, f"/groups/{group_id}/members", None), query)

    def _member_of(self, user_id, query):
        if user_id not in self.users:
            return self._get("users", user_id, {})
        items = [{"id": g} for g in self.groups if user_id in self._flattened(g)]
        return self._start(Round(items, 0, f"/users/{user_id}/transitiveMemberOf", None), query)

    def _flattened(self, group_id, seen=None):
        """The members of a group and of the groups in it, each once."""
        seen = seen if seen is not None else set()
        found = []
        for member in self.groups.get(group_id, {}).get("members", []):
            if member in self.groups and member not in seen:
                seen.add(member)
                found += self._flattened(member, seen)
            elif member not in self.groups:
                found.append(member)
        return list(dict.fromkeys(found))

    def _typed(self, member):
        return {"@odata.type": GROUP if member in self.groups else USER, "id": member}

    # --- paging ----------------------------------------------------------------------------------------

    def _start(self, listing, query=None):
        size = (query or {}).get("$top")
        listing.size = min(int(size), MAX_TOP) if size and size.isdigit() and int(size) > 0 else self.page_size
        return self._page(listing)

    def _next(self, token):
        listing = self._rounds.pop(token, None)
        if listing is None:
            return _error(400, "Request_BadRequest", "The specified page token value has expired and can no "
                                                     "longer be included in your request.")
        return self._page(listing)

    def _page(self, listing):
        body = {"@odata.context": f"{self.url}{API}/$metadata#{listing.path.strip('/').split('/')[0]}"}
        if listing.count and listing.offset == 0:
            body["@odata.count"] = len(listing.items)
        end = listing.offset + listing.size
        body["value"] = listing.items[listing.offset:end]
        if end < len(listing.items):
            token = secrets.token_urlsafe(18)
            self._rounds[token] = Round(listing.items, end, listing.path, listing.delta, size=listing.size)
            body["@odata.nextLink"] = f"{self.url}{API}{listing.path}?$skiptoken={token}"
        elif listing.delta is not None:
            token = secrets.token_urlsafe(18)
            self._deltas[token] = listing.delta
            body["@odata.deltaLink"] = f"{self.url}{API}{listing.path}?$deltatoken={token}"
        return _json(200, body)

    def _canned(self, faults, path):
        for canned in faults:
            if canned.matches(path):
                if canned.times is not None:
                    canned.times -= 1
                return canned
        return None


class _Refused(Exception):
    def __init__(self, answer):
        self.answer = answer


@pytest.fixture
def graph_api():
    """A running FakeGraph with small pages (2 objects), stopped after the test."""
    with FakeGraph(page_size=2) as fake:
        yield fake


def _select(kind, text, members=True):
    """The properties $select names (id always), or the type's defaults; 400 for one the type does not have."""
    known = USER_PROPERTIES if kind == "users" else GROUP_PROPERTIES if members else GROUP_PROPERTIES[:2]
    if not text:
        return DEFAULT_USER if kind == "users" else ("id", "displayName")
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        if name not in known:
            raise _Refused(_error(400, "Request_BadRequest", f"Could not find a property named '{name}' on type "
                                                             f"'microsoft.graph.{kind[:-1]}'."))
    return tuple(dict.fromkeys(["id", *names]))


def _pick(record, select):
    return {name: record.get(name) for name in select if name != "members"}


def _id(member):
    return member["id"] if isinstance(member, dict) else member


def _json(status, document, headers=()):
    return status, json.dumps(document).encode(), [("Content-Type", "application/json"), *headers]


def _error(status, code, message):
    return _json(status, {"error": {"code": code, "message": message,
                                    "innerError": {"request-id": str(uuid.uuid4()), "date": _now()}}})


def _aadsts(status, error, code, text):
    trace, correlation = uuid.uuid4(), uuid.uuid4()
    description = f"AADSTS{code}: {text}\r\nTrace ID: {trace}\r\nCorrelation ID: {correlation}\r\nTimestamp: {_now()}Z"
    return _json(status, {"error": error, "error_description": description, "error_codes": [code],
                          "timestamp": _now() + "Z", "trace_id": str(trace), "correlation_id": str(correlation),
                          "error_uri": f"https://login.microsoftonline.com/error?code={code}"},
                 [("Cache-Control", "no-store, no-cache")])


def _now():
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())


def _canned(status, body, headers, times, path):
    data = json.dumps(body).encode() if isinstance(body, (dict, list)) else str(body).encode()
    return Canned(status, data, [("Content-Type", "application/json"), *(headers or {}).items()], times, path)


