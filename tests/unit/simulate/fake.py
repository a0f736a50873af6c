"""An in-memory SCIM service provider behind the simulate client's transport interface.

It records every request and answers as much of RFC 7644 as the three sequences use: ``eq``
filters on userName/displayName, paging, POST with 409 on a taken name, PUT, the PATCH forms
each IdP sends (Entra's capitalised ops and "False" strings included), DELETE.
"""

import json
import re
import uuid
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

BASE = "https://scim.example.test/plugins/servlet/usersync/scim"
BASE_PATH = urlsplit(BASE).path
TOKEN = "fake-token-0123456789"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
MEMBER_FILTER = re.compile(r'^members\[value eq "([^"]+)"\]$')
EQ_FILTER = re.compile(r'^(\w+) eq "(.*)"$')
RESOURCE_ID = re.compile(r"/(Users|Groups)/[0-9a-f]{32}")
BOOLEANS = {"true": True, "false": False}


@dataclass
class Request:
    method: str
    path: str  # below the base path, with the query
    headers: dict
    body: object

    @property
    def shape(self):
        """METHOD path with resource ids replaced by {id}."""
        return self.method + " " + RESOURCE_ID.sub(r"/\1/{id}", self.path)


class FakeScim:
    def __init__(self):
        self.users, self.groups = {}, {}
        self.requests = []
        self.failures = []  # (method, path prefix, status, body)
        self.closed = 0

    # --- the transport interface --------------------------------------------------------

    def send(self, method, target, headers, body):
        assert target.startswith(BASE_PATH + "/"), target
        path = target[len(BASE_PATH):]
        document = json.loads(body) if body else None
        self.requests.append(Request(method, path, dict(headers), document))
        for fail_method, prefix, status, answer in self.failures:
            if method == fail_method and path.startswith(prefix):
                return self._answer(status, answer)
        if headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._error(401, "Authorization failure: a valid bearer token is required.")
        parts = urlsplit(path)
        segments = parts.path.strip("/").split("/")
        store = {"Users": self.users, "Groups": self.groups}.get(segments[0])
        if store is None or len(segments) > 2:
            return self._error(404, "No such endpoint.")
        if len(segments) == 1:
            if method == "GET":
                return self._list(segments[0], store, parse_qs(parts.query))
            if method == "POST":
                return self._create(segments[0], store, document)
            return self._error(405, "Method not allowed.")
        resource = store.get(segments[1])
        if resource is None:
            return self._error(404, f"Resource {segments[1]} not found.")
        if method == "GET":
            return self._answer(200, resource)
        if method == "PUT":
            store[segments[1]] = self._clean({**document, "id": segments[1]})
            return self._answer(200, store[segments[1]])
        if method == "PATCH":
            return self._patch(resource, document)
        if method == "DELETE":
            del store[segments[1]]
            for group in self.groups.values():
                group["members"] = [m for m in group.get("members", []) if m["value"] != segments[1]]
            return self._answer(204, None)
        return self._error(405, "Method not allowed.")

    def close(self):
        self.closed += 1

    # --- test helpers -------------------------------------------------------------------

    def fail(self, method, prefix, status, detail, scim_type=None):
        body = {"schemas": [ERROR], "status": str(status), "detail": detail}
        if scim_type:
            body["scimType"] = scim_type
        self.failures.append((method, prefix, status, body))

    def user(self, user_name):
        return next((u for u in self.users.values() if u["userName"].lower() == user_name.lower()), None)

    def group(self, name):
        return next((g for g in self.groups.values() if g["displayName"] == name), None)

    def member_names(self, name):
        """The userNames of a group's members, sorted."""
        return sorted(self.users[m["value"]]["userName"] for m in self.group(name).get("members", []))

    def state(self):
        """Everything a run leaves behind, by name rather than id."""
        users = {u["userName"]: (u.get("active"), u["name"]["familyName"]) for u in self.users.values()}
        groups = {g["displayName"]: self.member_names(g["displayName"]) for g in self.groups.values()}
        return users, groups

    def shapes(self):
        return [request.shape for request in self.requests]

    # --- SCIM ---------------------------------------------------------------------------

    def _list(self, endpoint, store, query):
        resources = list(store.values())
        if "filter" in query:
            attribute, value = EQ_FILTER.match(query["filter"][0]).groups()
            resources = [r for r in resources if str(r.get(attribute, "")).lower() == value.lower()]
        total = len(resources)
        start = int(query.get("startIndex", ["1"])[0])
        count = int(query.get("count", ["100"])[0])
        page = resources[start - 1:start - 1 + count]
        if query.get("excludedAttributes") == ["members"]:
            page = [{k: v for k, v in r.items() if k != "members"} for r in page]
        return self._answer(200, {"schemas": [LIST], "totalResults": total, "startIndex": start,
                                  "itemsPerPage": len(page), "Resources": page})

    def _create(self, endpoint, store, document):
        key = "userName" if endpoint == "Users" else "displayName"
        if any(r[key].lower() == document[key].lower() for r in store.values()):
            return self._error(409, f"{key} is already taken.", "uniqueness")
        resource = self._clean({**document, "id": uuid.uuid4().hex})
        store[resource["id"]] = resource
        return self._answer(201, resource)

    def _patch(self, resource, document):
        for operation in document["Operations"]:
            op, path, value = operation["op"].lower(), operation.get("path"), operation.get("value")
            if isinstance(value, str) and value.lower() in BOOLEANS:
                value = BOOLEANS[value.lower()]
            if path is None and op == "replace":
                resource.update(value)
            elif path == "members" and op == "add":
                known = {m["value"] for m in resource.setdefault("members", [])}
                resource["members"] += [{"value": m["value"]} for m in value if m["value"] not in known]
            elif path == "members" and op == "remove":
                gone = {m["value"] for m in value}
                resource["members"] = [m for m in resource.get("members", []) if m["value"] not in gone]
            elif op == "remove" and MEMBER_FILTER.match(path):
                gone = MEMBER_FILTER.match(path).group(1)
                resource["members"] = [m for m in resource.get("members", []) if m["value"] != gone]
            elif op in ("replace", "add") and path:
                *parents, leaf = path.split(".")
                target = resource
                for parent in parents:
                    target = target.setdefault(parent, {})
                target[leaf] = value
            else:
                return self._error(400, f"Unsupported operation {operation}.", "invalidPath")
        return self._answer(200, resource)

    @staticmethod
    def _clean(document):
        """A stored copy: no password, and a group always has its members list."""
        document = json.loads(json.dumps({k: v for k, v in document.items() if k != "password"}))
        if "userName" not in document:
            document.setdefault("members", [])
        return document

    def _error(self, status, detail, scim_type=None):
        body = {"schemas": [ERROR], "status": str(status), "detail": detail}
        if scim_type:
            body["scimType"] = scim_type
        return self._answer(status, body)

    @staticmethod
    def _answer(status, body):
        raw = json.dumps(body).encode() if body is not None else b""
        reasons = {200: "OK", 201: "Created", 204: "No Content", 400: "Bad Request", 401: "Unauthorized",
                   404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 500: "Internal Server Error"}
        return status, reasons.get(status, ""), {"content-type": "application/scim+json"}, raw
