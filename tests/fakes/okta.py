"""A fake Okta org: the Management API's users, groups, members and app assignments, over real HTTP.

``OktaOrg`` serves, with waitress on a free loopback port in a thread, what the Okta API reference
(developer.okta.com/docs/api, Management API) documents and ``sync.okta`` reads:

- Authentication: ``Authorization: SSWS {token}``; anything else → 401 E0000011 "Invalid token provided".
- Users, "List all users" ``GET /api/v1/users``: ``limit`` (default and maximum 200), ``after``;
  without a filter DEPROVISIONED users are left out, with ``filter`` they count ("Returned users include
  those with the DEPROVISIONED status"); the filter grammar used here: ``status eq "…"``,
  ``lastUpdated gt|ge|lt|le "…"``, ``id eq "…"``, joined by ``and``/``or``; "Retrieve a user".
- Groups, "List all groups" (filter on ``id``, ``type``, ``lastUpdated``, ``lastMembershipUpdated``),
  "Retrieve a group", "List all member users" ``GET /api/v1/groups/{id}/users`` (limit default and
  maximum 1000).
- Application Users / Application Groups: ``GET /api/v1/apps/{id}`` ("Retrieve an application"),
  ``/api/v1/apps/{id}/users`` (AppUser: ``scope`` USER or GROUP; ``expand=user`` embeds the user under
  ``_embedded.user``; limit default 50), ``/api/v1/apps/{id}/groups`` (ApplicationGroupAssignment;
  ``expand=group`` embeds ``_embedded.group``; limit default 20), each also by id.
- "Pagination"/"Link header": ``Link: <…>; rel="self"`` and, when there is more, ``Link: <…after=…>;
  rel="next"``, as two header lines (``links_in_one_header`` joins them).
- "Rate limits": ``X-Rate-Limit-Limit``/``-Remaining``/``-Reset`` (epoch seconds) on every answer, beside
  its ``Date``; ``exhaust()`` makes the next answer say the window is spent; ``throttle()`` answers 429
  E0000047 (no Retry-After, as Okta) before serving again.
- "Error object": ``{"errorCode", "errorSummary", "errorLink", "errorId", "errorCauses"}``: 403 E0000006
  (``deny(path)``), 404 E0000007 "Not found: Resource not found: {id} ({Type})", 400 E0000031 for a filter
  it does not parse. Any other path: an HTML 404, as a web server that is not Okta.

Records carry Okta's field names and leave out what Okta leaves out (``profile.displayName`` only when
set). The clock stamping ``lastUpdated`` is a knob (``set_time``, ``advance``); ``requests`` logs what
arrived. ``add_users`` loads thousands of users at once; a request to the org's lists costs O(page) (plus
the records a filter skips), so a 10,000-user org with a 5,000-member group pages quickly; an app's lists
cost O(its assignments).
"""

import email.utils
import json
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http import HTTPStatus
from urllib.parse import parse_qsl, urlencode

import pytest

from tests.fakes.serving import Server

API = "/api/v1"
USERS_MAX = 200
GROUPS_MAX = 10_000
MEMBERS_MAX = 1000
APP_USERS_DEFAULT, APP_GROUPS_DEFAULT, APP_MAX = 50, 20, 500
RATE_LIMIT = 600  # requests a minute per bucket ("Rate limits": /api/v1/users is 600 in many orgs)
ACTIVE_STATUSES = ("ACTIVE", "PROVISIONED", "STAGED", "RECOVERY", "LOCKED_OUT", "PASSWORD_EXPIRED")


def okta_time(moment):
    """Okta's timestamp format: UTC with milliseconds, 2024-05-01T10:00:00.000Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Seen:
    """One request the fake received: method, path, query, and the Authorization scheme it carried."""

    method: str
    path: str
    query: dict
    auth: str | None


@dataclass
class Fault:
    """An answer served instead of the real one, ``times`` times (None: until cleared), under ``path``."""

    status: int
    body: bytes
    content_type: str
    headers: list
    times: int | None
    path: str | None

    def matches(self, path):
        return self.times != 0 and (self.path is None or path.startswith(self.path))


@dataclass
class App:
    """An app instance and who is assigned to it: users directly, groups (and so their members)."""

    id: str
    label: str
    users: dict = field(default_factory=dict)  # user id -> assignment stamp
    groups: dict = field(default_factory=dict)  # group id -> assignment stamp


class OktaOrg:
    """The running fake org; see the module docstring. Use as a context manager or call close()."""

    def __init__(self, token=None):
        self.token = token or "00" + secrets.token_urlsafe(30)
        self.now = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
        self.users, self.groups, self.apps = {}, {}, {}
        self.members = {}  # group id -> {user id: None}, in the order they were added
        self._members_cache = {}  # group id -> (member ids, {id: index}); dropped when its members change
        self._order = {"user": [], "group": []}  # ids in creation order: the lists' order
        self._position = {}  # id -> index in its _order list
        self._serial = 0
        self.requests = []
        self.faults = []
        self.denied = []  # path prefixes answered 403 E0000006
        self.links_in_one_header = False
        self.rate_limit = RATE_LIMIT
        self._used = {}  # bucket -> requests in the current window
        self._window_ends = 0
        self._exhausted = None  # seconds to the reset the next answer reports with nothing remaining
        self._throttled, self._throttle_reset, self._retry_after = 0, 60, None
        self._lock = threading.Lock()
        
        self._server = Server(self._wsgi, "fake-okta")
        self.url = f"http://127.0.0.1:{self._server.port}"

    # --- where it is, and a source for it ------------------------------------------------------------

    def source(self, token=None, app_id=None):
        """An OktaSource for this org (another ``token`` is refused 401)."""
        from sync.okta import OktaSource

        return OktaSource(self.url, token or self.token, app_id)

    def api_calls(self, path=""):
        """The requests under /api/v1 + path, in order."""
        return [seen for seen in self.requests if seen.path.startswith(API + path)]

    # --- the clock --------------------------------------------------------------------------------------

    def set_time(self, moment):
        self.now = moment

    def advance(self, **delta):
        self.now += timedelta(**delta)

    def stamp(self):
        return okta_time(self.now)

    # --- filling it ---------------------------------------------------------------------------------------

    def add_user(self, login, *, first=None, last="Tester", email=None, display=None, status="ACTIVE"):
        """A user (Users API, "User object"), stamped now; its record."""
        return self._add_user(login, first, last, email, display, status, self.stamp())

    def add_users(self, count, prefix="user", *, status="ACTIVE", domain="example.com"):
        """``count`` users prefix00001@domain, … at once (one stamp, no per-user work beyond the record)."""
        stamp, width = self.stamp(), max(5, len(str(count)))
        return [self._add_user(f"{prefix}{n:0{width}d}@{domain}", None, "Tester", None, None, status, stamp)
                for n in range(1, count + 1)]

    def add_group(self, name, members=(), *, description=None, kind="OKTA_GROUP"):
        """A group (Groups API, "Group object") with these members (records or ids), stamped now."""
        stamp = self.stamp()
        group = {"id": self._new_id("00g", "group"), "created": stamp, "lastUpdated": stamp,
                 "lastMembershipUpdated": stamp, "objectClass": ["okta:user_group"], "type": kind,
                 "profile": {"name": name, "description": description}}
        self.groups[group["id"]] = group
        self.members[group["id"]] = dict.fromkeys(_id(m) for m in members)
        return group

    def add_app(self, label="Atlassian Cloud"):
        """An app instance (id 0oa…) with nobody assigned; its id."""
        app = App(self._new_id("0oa", "app"), label)
        self.apps[app.id] = app
        return app.id

    # --- changing it, as the Admin Console would ---------------------------------------------------------

    def update_user(self, user, **profile):
        """Change profile attributes (None removes one), e.g. update_user(alice, displayName="Alice A")."""
        record = self.users[_id(user)]
        for name, value in profile.items():
            if value is None:
                record["profile"].pop(name, None)
            else:
                record["profile"][name] = value
        record["lastUpdated"] = self.stamp()
        return record

    def set_status(self, user, status):
        """Lifecycle operations (activate, suspend, deactivate, …) as their resulting status. Deactivating
        unassigns the user from every app (Okta support, "Can an application be assigned to a deactivated
        user": group memberships stay, app assignments go); suspending keeps them."""
        record = self.users[_id(user)]
        record["status"] = status
        record["statusChanged"] = record["lastUpdated"] = self.stamp()
        if status == "DEPROVISIONED":
            for app in self.apps.values():
                app.users.pop(record["id"], None)
        return record

    def deactivate(self, user):
        return self.set_status(user, "DEPROVISIONED")

    def delete_user(self, user):
        """Users API, "Delete a user": a DEPROVISIONED user is deleted (others are deactivated first, as a
        first DELETE does); it leaves its groups (their lastMembershipUpdated moves) and its app assignments."""
        user_id = _id(user)
        if self.users[user_id]["status"] != "DEPROVISIONED":
            self.deactivate(user_id)
        del self.users[user_id]
        for group_id, members in self.members.items():
            if user_id in members:
                self.remove_member(group_id, user_id)
        for app in self.apps.values():
            app.users.pop(user_id, None)

    def rename_group(self, group, name):
        record = self.groups[_id(group)]
        record["profile"]["name"] = name
        record["lastUpdated"] = self.stamp()
        return record

    def add_member(self, group, user):
        self.members[_id(group)][_id(user)] = None
        self._members_changed(_id(group))

    def remove_member(self, group, user):
        self.members[_id(group)].pop(_id(user), None)
        self._members_changed(_id(group))

    def _members_changed(self, group_id):
        self._members_cache.pop(group_id, None)
        self.groups[group_id]["lastMembershipUpdated"] = self.stamp()

    def delete_group(self, group):
        group_id = _id(group)
        del self.groups[group_id], self.members[group_id]
        self._members_cache.pop(group_id, None)
        for app in self.apps.values():
            app.groups.pop(group_id, None)

    def assign_user(self, app_id, user):
        self.apps[app_id].users[_id(user)] = self.stamp()

    def unassign_user(self, app_id, user):
        self.apps[app_id].users.pop(_id(user), None)

    def assign_group(self, app_id, group):
        self.apps[app_id].groups[_id(group)] = self.stamp()

    def unassign_group(self, app_id, group):
        self.apps[app_id].groups.pop(_id(group), None)

    # --- making it misbehave ---------------------------------------------------------------------------

    def fail(self, status, *, times=1, path=None, body=None, content_type=None, headers=None):
        """Answer the next ``times`` API requests under /api/v1 + path with this instead (an Okta error body
        by default)."""
        if body is None:
            body = _error(status, "E0000009" if status >= 500 else "E0000001", f"Injected {status} by the test")
        data = json.dumps(body).encode() if isinstance(body, (dict, list)) else (body or "").encode()
        self.faults.append(Fault(status, data, content_type or "application/json", list((headers or {}).items()),
                                 times, API + (path or "")))

    def deny(self, path):
        """Answer 403 E0000006 under /api/v1 + path, as Okta does when the token's admin lacks the right."""
        self.denied.append(API + path)

    def exhaust(self, reset_in=30):
        """The next answer says the rate-limit window is spent (X-Rate-Limit-Remaining: 0), resetting in
        ``reset_in`` seconds after its Date."""
        self._exhausted = reset_in

    def throttle(self, times=1, reset_in=60, retry_after=None):
        """Answer the next ``times`` API requests 429 E0000047 with the X-Rate-Limit-* headers (the window
        resetting ``reset_in`` seconds after the answer's Date), and Retry-After only when given (a proxy's)."""
        self._throttled, self._throttle_reset, self._retry_after = times, reset_in, retry_after

    def clear_faults(self):
        self.faults.clear()
        self.denied.clear()
        self._throttled, self._exhausted = 0, None

    def close(self):
        self._server.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # --- internals: records ------------------------------------------------------------------------------

    def _new_id(self, prefix, kind):
        """An Okta-like 20-character id; ids sort in creation order, as the lists are ordered."""
        self._serial += 1
        new = f"{prefix}{self._serial:08d}" + "aBcDeFgHi"[: 20 - len(prefix) - 8]
        if kind in self._order:
            self._position[new] = len(self._order[kind])
            self._order[kind].append(new)
        return new

    def _add_user(self, login, first, last, email, display, status, stamp):
        profile = {"firstName": first or login.split("@")[0].split(".")[0].title(), "lastName": last,
                   "mobilePhone": None, "secondEmail": None, "login": login, "email": email or login}
        if display:
            profile["displayName"] = display
        record = {"id": self._new_id("00u", "user"), "status": status, "created": stamp,
                  "activated": stamp if status == "ACTIVE" else None, "statusChanged": stamp, "lastLogin": None,
                  "lastUpdated": stamp, "passwordChanged": None, "type": {"id": "oty1a2b3c4d5e6F7g8h9"},
                  "profile": profile, "credentials": {"provider": {"type": "OKTA", "name": "OKTA"}}}
        self.users[record["id"]] = record
        return record

    # --- internals: HTTP -----------------------------------------------------------------------------------

    def _wsgi(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        query = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
        scheme = environ.get("HTTP_AUTHORIZATION", "").partition(" ")[0] or None
        self.requests.append(Seen(environ["REQUEST_METHOD"], path, query, scheme))
        if not path.startswith(API + "/"):
            return _send(start_response, 404, b"<html><body><h1>Not Found</h1></body></html>", "text/html")
        with self._lock:
            status, body, headers = self._answer(environ, path, query)
            limits = self._limit_headers(path, status)
        types = [value for name, value in headers if name == "Content-Type"] or ["application/json"]
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        return _send(start_response, status, data, types[0],
                     [*limits, *((name, value) for name, value in headers if name != "Content-Type")])

    def _answer(self, environ, path, query):
        """(status, body, [(header, value)]) of one API request."""
        if self._throttled:
            self._throttled -= 1
            extra = [("Retry-After", str(self._retry_after))] if self._retry_after is not None else []
            return 429, _error(429, "E0000047", "API call exceeded rate limit due to too many requests."), extra
        for fault in self.faults:
            if fault.matches(path):
                if fault.times is not None:
                    fault.times -= 1
                return fault.status, fault.body, [("Content-Type", fault.content_type), *fault.headers]
        given = environ.get("HTTP_AUTHORIZATION", "")
        if given != f"SSWS {self.token}":
            return 401, _error(401, "E0000011", "Invalid token provided"), []
        if any(path.startswith(prefix) for prefix in self.denied):
            return 403, _error(403, "E0000006", "You do not have permission to perform the requested action"), []
        if environ["REQUEST_METHOD"] != "GET":
            return 405, _error(405, "E0000022", "The endpoint does not support the provided HTTP method"), []
        try:
            return self._route(path[len(API):], query)
        except _NotFound as missing:
            return 404, _error(404, "E0000007", f"Not found: Resource not found: {missing.args[0]} "
                                                f"({missing.args[1]})"), []
        except _BadFilter as bad:
            return 400, _error(400, "E0000031", "Invalid search criteria.", bad.args[0]), []

    def _route(self, rest, query):
        parts = rest.strip("/").split("/")
        if parts == ["users"]:
            return self._list("user", "/users", query, USERS_MAX, USERS_MAX, hide_deprovisioned=True)
        if parts[0] == "users" and len(parts) == 2:
            return 200, self._user(parts[1]), []
        if parts == ["groups"]:
            return self._list("group", "/groups", query, GROUPS_MAX, GROUPS_MAX)
        if parts[0] == "groups" and len(parts) == 2:
            return 200, self._group(parts[1]), []
        if parts[0] == "groups" and parts[2:] == ["users"]:
            return self._group_members(parts[1], query)
        if parts[0] == "apps" and len(parts) >= 2:
            return self._app_route(self._app(parts[1]), parts[2:], query)
        raise _NotFound(rest, "Resource")

    def _app_route(self, app, parts, query):
        if not parts:
            return 200, {"id": app.id, "label": app.label, "status": "ACTIVE", "name": "oidc_client"}, []
        if parts == ["users"]:
            assigned = self._app_users(app)
            return self._paged(f"/apps/{app.id}/users", query, APP_USERS_DEFAULT, assigned,
                               lambda uid: self._app_user(app, uid, assigned[uid], query))
        if parts[0] == "users" and len(parts) == 2:
            assigned = self._app_users(app)
            if parts[1] not in assigned:
                raise _NotFound(parts[1], "AppUser")
            return 200, self._app_user(app, parts[1], assigned[parts[1]], query), []
        if parts == ["groups"]:
            ordered = {gid: app.groups[gid] for gid in self._in_order("group", app.groups)}
            return self._paged(f"/apps/{app.id}/groups", query, APP_GROUPS_DEFAULT, ordered,
                               lambda gid: self._app_group(app, gid, query))
        if parts[0] == "groups" and len(parts) == 2:
            if parts[1] not in app.groups or parts[1] not in self.groups:
                raise _NotFound(parts[1], "ApplicationGroupAssignment")
            return 200, self._app_group(app, parts[1], query), []
        raise _NotFound("/".join(parts), "Resource")

    def _list(self, kind, path, query, default, maximum, hide_deprovisioned=False):
        """Users or groups in creation order, from the ``after`` cursor, filtered, ``limit`` at a time."""
        limit = _limit(query, default, maximum)
        test = _parse_filter(query["filter"]) if query.get("filter") else None
        table = self.users if kind == "user" else self.groups
        order = self._order[kind]
        start = self._position[query["after"]] + 1 if query.get("after") in self._position else 0
        page, at = [], start
        while at < len(order) and len(page) < limit:
            record = table.get(order[at])
            at += 1
            if record is None or (test is None and hide_deprovisioned and record["status"] == "DEPROVISIONED"):
                continue
            if test is None or test(record):
                page.append(record)
        more = at < len(order) and any(self._listed(table.get(rid), test, hide_deprovisioned) for rid in order[at:])
        return 200, page, self._link_headers(path, query, limit, page[-1]["id"] if more and page else None)

    def _listed(self, record, test, hide_deprovisioned):
        if record is None:
            return False
        if test is None:
            return not (hide_deprovisioned and record["status"] == "DEPROVISIONED")
        return test(record)

    def _paged(self, path, query, default, ordered, render):
        """A page of ``ordered`` ids (a dict in list order) from the ``after`` cursor, each rendered."""
        limit = _limit(query, default, APP_MAX)
        ids = list(ordered)
        start = ids.index(query["after"]) + 1 if query.get("after") in ordered else 0
        chosen = ids[start:start + limit]
        more = start + limit < len(ids)
        return 200, [render(rid) for rid in chosen], self._link_headers(path, query, limit,
                                                                         chosen[-1] if more else None)

    def _group_members(self, group_id, query):
        """A page of the group's members in the order they were added, from the ``after`` cursor."""
        self._group(group_id)
        ids, position = self._member_order(group_id)
        limit = _limit(query, MEMBERS_MAX, MEMBERS_MAX)
        start = position[query["after"]] + 1 if query.get("after") in position else 0
        chosen = ids[start:start + limit]
        more = start + limit < len(ids)
        return 200, [self.users[uid] for uid in chosen], self._link_headers(
            f"/groups/{group_id}/users", query, limit, chosen[-1] if more else None)

    def _member_order(self, group_id):
        """(member ids, {id: index}) of a group, built once per change of its members: a page costs O(page)."""
        if group_id not in self._members_cache:
            ids = list(self.members[group_id])
            self._members_cache[group_id] = (ids, {uid: at for at, uid in enumerate(ids)})
        return self._members_cache[group_id]

    def _link_headers(self, path, query, limit, after):
        """Okta's Link headers: self, and next (with the after cursor) when there is more."""
        kept = {k: v for k, v in query.items() if k not in ("after", "limit")}
        base = f"{self.url}{API}{path}"
        links = [f'<{base}?{urlencode({**kept, "limit": limit})}>; rel="self"']
        if after is not None:
            links.append(f'<{base}?{urlencode({**kept, "after": after, "limit": limit})}>; rel="next"')
        if self.links_in_one_header:
            return [("Link", ", ".join(links))]
        return [("Link", link) for link in links]

    def _user(self, user_id):
        if user_id not in self.users:
            raise _NotFound(user_id, "User")
        return self.users[user_id]

    def _group(self, group_id):
        if group_id not in self.groups:
            raise _NotFound(group_id, "UserGroup")
        return self.groups[group_id]

    def _app(self, app_id):
        if app_id not in self.apps:
            raise _NotFound(app_id, "AppInstance")
        return self.apps[app_id]

    def _app_users(self, app):
        """{user id: (scope, assignment stamp)} of everyone assigned, directly or through a group, in list order."""
        assigned = {}
        for group_id, stamp in app.groups.items():
            for uid in self.members.get(group_id, ()):
                assigned.setdefault(uid, ("GROUP", stamp))
        assigned.update({uid: ("USER", stamp) for uid, stamp in app.users.items()})
        return {uid: assigned[uid] for uid in self._in_order("user", assigned)
                if uid in self.users and self.users[uid]["status"] != "DEPROVISIONED"}

    def _in_order(self, kind, ids):
        return sorted(ids, key=lambda rid: self._position.get(rid, -1))

    def _app_user(self, app, user_id, assignment, query):
        """Application Users, "AppUser object"; the user under _embedded with expand=user."""
        scope, stamp = assignment
        user = self.users[user_id]
        record = {"id": user_id, "externalId": None, "created": stamp, "lastUpdated": stamp, "scope": scope,
                  "status": "ACTIVE", "statusChanged": stamp, "passwordChanged": None, "syncState": "DISABLED",
                  "credentials": {"userName": user["profile"]["login"]}, "profile": {},
                  "_links": {"app": {"href": f"{self.url}{API}/apps/{app.id}"},
                             "user": {"href": f"{self.url}{API}/users/{user_id}"}}}
        if query.get("expand") == "user":
            record["_embedded"] = {"user": user}
        return record

    def _app_group(self, app, group_id, query):
        """Application Groups, "ApplicationGroupAssignment"; the group under _embedded with expand=group."""
        record = {"id": group_id, "lastUpdated": app.groups[group_id], "priority": 0, "profile": {},
                  "_links": {"app": {"href": f"{self.url}{API}/apps/{app.id}"},
                             "group": {"href": f"{self.url}{API}/groups/{group_id}"}}}
        if query.get("expand") == "group":
            record["_embedded"] = {"group": self.groups[group_id]}
        return record

    def _limit_headers(self, path, status, now=None):
        """X-Rate-Limit-* for the request's bucket (its path without ids), and the Date they count from."""
        now = int(now or time.time())
        if now >= self._window_ends:
            self._used, self._window_ends = {}, now + 60
        bucket = re.sub(r"/(00u|00g|0oa)\w+", "/{id}", path)
        self._used[bucket] = self._used.get(bucket, 0) + 1
        remaining, reset = max(0, self.rate_limit - self._used[bucket]), self._window_ends
        if status == 429:
            remaining, reset = 0, now + self._throttle_reset
        elif self._exhausted is not None:
            remaining, reset, self._exhausted = 0, now + self._exhausted, None
        return [("X-Rate-Limit-Limit", str(self.rate_limit)), ("X-Rate-Limit-Remaining", str(remaining)),
                ("X-Rate-Limit-Reset", str(reset)), ("Date", email.utils.formatdate(now, usegmt=True))]


class _NotFound(Exception):
    """(id, Okta's resource type): answered 404 E0000007."""


class _BadFilter(Exception):
    """A filter expression the fake (and so this subset of Okta's grammar) does not parse."""


_TERM = re.compile(r'\s*(\w+(?:\.\w+)?)\s+(eq|gt|ge|lt|le)\s+"([^"]*)"\s*', re.IGNORECASE)
_JOIN = re.compile(r"\s*(and|or)\s+", re.IGNORECASE)
_FILTERABLE = {"status", "lastUpdated", "lastMembershipUpdated", "id", "type"}


def _parse_filter(text):
    """record -> bool for ``attr op "value"`` terms joined by and/or (and binds tighter), as Okta's
    filters on users and groups take them."""
    terms, joins, at = [], [], 0
    while True:
        match = _TERM.match(text, at)
        if not match or match.group(1) not in _FILTERABLE:
            raise _BadFilter(f"cannot parse filter at {text[at:at + 30]!r}")
        terms.append(_term(*match.groups()))
        at = match.end()
        if at == len(text):
            break
        join = _JOIN.match(text, at)
        if not join:
            raise _BadFilter(f"expected and/or at {text[at:at + 30]!r}")
        joins.append(join.group(1).lower())
        at = join.end()
    groups, current = [], [terms[0]]
    for join, term in zip(joins, terms[1:]):
        if join == "and":
            current.append(term)
        else:
            groups.append(current)
            current = [term]
    groups.append(current)
    return lambda record: any(all(test(record) for test in group) for group in groups)


def _term(name, operator, value):
    operator = operator.lower()
    if name in ("lastUpdated", "lastMembershipUpdated"):
        try:
            wanted = datetime.fromisoformat(value)
        except ValueError:
            raise _BadFilter(f"not a timestamp: {value!r}") from None
        compare = {"eq": wanted.__eq__, "gt": wanted.__lt__, "ge": wanted.__le__, "lt": wanted.__gt__,
                   "le": wanted.__ge__}[operator]
        return lambda record: record.get(name) is not None and compare(datetime.fromisoformat(record[name]))
    if operator != "eq":
        raise _BadFilter(f"{name} supports eq only")
    return lambda record: record.get(name) == value


def _limit(query, default, maximum):
    try:
        asked = int(query.get("limit", default))
    except ValueError:
        asked = default
    return max(1, min(asked, maximum))


def _error(status, code, summary, *causes):
    """Okta's Error object."""
    return {"errorCode": code, "errorSummary": summary, "errorLink": code, "errorId": "oae" + secrets.token_hex(8),
            "errorCauses": [{"errorSummary": cause} for cause in causes]}


def _id(record):
    return record["id"] if isinstance(record, dict) else record


def _send(start_response, status, body, content_type, headers=()):
    headers = [*headers, ("Content-Type", content_type), ("Content-Length", str(len(body)))]
    start_response(f"{status} {HTTPStatus(status).phrase}", headers)
    return [body]


@pytest.fixture
def okta():
    """A running fake Okta org, stopped after the test."""
    with OktaOrg() as org:
        yield org
