"""Hostile input against every admin and wizard route of a real `usersync serve`, signed in: never a 5xx, never an
internal (a traceback, SQL, the token, a file path) in an answer.

The routes come from app.url_map, so a new page is covered without a word here. The parameters each route
reads are found by running it once in this process with request.args, request.form and the JSON body
noting every name the view asks for; then every route gets, on the real server, each value of
hostile_cases.ADMIN_VALUES in every parameter there is (huge and negative numbers, control and bidi
characters, invalid UTF-8), each path argument out of range or not an id, and on a POST every wrong
JSON shape. Afterwards the server has logged no traceback.
"""

import dataclasses
import re
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest
from flask import Request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter
from werkzeug.utils import cached_property

from app import create_app
from scim import constants
from tests.conftest import AdminClient, ScimClient

from . import hostile_cases
from .conftest import REPO, Server
from .hostile_cases import AdminRoute, admin_cases, admin_path, nested
from .test_hostile_input import INTERNALS, Client, logged_failures

pytestmark = pytest.mark.e2e

PREFIXES = ("/plugins/servlet/usersync/admin", "/plugins/servlet/usersync/configure")
LOGIN = PREFIXES[0] + "/login"
# Run after every other route, one at a time: a sign-out ends every session, a delete the app the rest use.
LAST = ("admin.app_delete", "admin.logout")
WORKERS = 4
NOT_PARAMETERS = {"csrf_token"}  # sent right on every request: a wrong one is a 400 before the view reads any


# --- which names each route reads, found in this process ------------------------------------------------

_READ = set()  # ("args" | "form" | "json", name) read during the current request


class _ArgsRead(ImmutableMultiDict):
    KIND = "args"

    def get(self, key, default=None, type=None):
        _READ.add((self.KIND, key))
        return super().get(key, default, type)

    def __getitem__(self, key):
        _READ.add((self.KIND, key))
        return super().__getitem__(key)

    def __contains__(self, key):
        _READ.add((self.KIND, key))
        return super().__contains__(key)

    def getlist(self, key, type=None):
        _READ.add((self.KIND, key))
        return super().getlist(key, type)


class _FormRead(_ArgsRead):
    KIND = "form"


class _JsonRead(dict):
    """A JSON object that notes every key read, as a dotted path."""

    def __init__(self, value, prefix):
        super().__init__(value)
        self.prefix = prefix

    def _path(self, key):
        path = f"{self.prefix}{key}"
        _READ.add(("json", path))
        return path

    def get(self, key, default=None):
        return _json_read(super().get(key, default), self._path(key) + ".")

    def __getitem__(self, key):
        return _json_read(super().__getitem__(key), self._path(key) + ".")

    def __contains__(self, key):
        self._path(key)
        return super().__contains__(key)


def _json_read(value, prefix=""):
    return _JsonRead(value, prefix) if isinstance(value, dict) and not isinstance(value, _JsonRead) else value


class _RecordingRequest(Request):
    @cached_property
    def args(self):
        return _ArgsRead(super().args)

    @cached_property
    def form(self):
        return _FormRead(super().form)

    def get_json(self, *args, **kwargs):
        return _json_read(super().get_json(*args, **kwargs))


def _routes(flask_app):
    """Every admin and wizard route and method (HEAD and OPTIONS aside), LAST ones last."""
    found = []
    for rule in flask_app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIXES):
            continue
        arguments = tuple((name, "id" if isinstance(rule._converters[name], IntegerConverter) else "text")
                          for name in sorted(rule.arguments))
        found += [AdminRoute(rule.endpoint, rule.rule, method, arguments)
                  for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return sorted(found, key=lambda route: (route.endpoint in LAST, LAST.index(route.endpoint)
                                            if route.endpoint in LAST else 0, route.rule, route.method))


def valid_ids(route, ids):
    """A real id for each of the route's arguments: the REST API app on the Sync pages, the SCIM app elsewhere."""
    app_id = ids["rest_app"] if "/sync" in route.rule else ids["scim_app"]
    real = {"app_id": app_id, "run_id": "1", "user_id": ids["user"]}
    real["group_id"] = ids["host_group"] if dict(route.arguments).get("group_id") == "id" else ids["scim_group"]
    return {name: str(real.get(name, "1")) for name, _kind in route.arguments}


def _seed_ids(html_of, scim):
    """The ids the routes are filled in with: two apps (SCIM, then REST API), a SCIM user and group, a host group."""
    user = scim.post("/Users", {"schemas": [constants.USER], "userName": "hostile.admin@example.com"})
    group = scim.post("/Groups", {"schemas": [constants.GROUP], "displayName": "Hostile Admin Group",
                                  "members": [{"value": user}]})
    apps = sorted({int(found) for found in re.findall(r"/admin/apps/(\d+)/", html_of(PREFIXES[0] + "/"))})
    host_group = re.search(r"/admin/groups/(\d+)\"", html_of(PREFIXES[0] + "/groups")).group(1)
    return {"scim_app": apps[0], "rest_app": apps[1], "user": user, "scim_group": group, "host_group": host_group}


class _InProcessScim:
    def __init__(self, client, token):
        self.client = ScimClient(client, token)

    def post(self, path, body):
        response = self.client.post(path, json=body)
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["id"]


def _discover(tmp_path):
    """Every route with the names its view read, over three rounds (each filling in what the last found) and
    every gate alternative, in a throwaway app of this process."""
    from models import db
    from store.tenancy import apps

    flask_app = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{tmp_path / 'discovery.db'}"})
    flask_app.instance_path = str(tmp_path)
    flask_app.request_class = _RecordingRequest
    with db.connection_context():
        _, token = apps.create("hostile-admin", "oracle")
        apps.create("hostile-rest", "oracle", "rest")
    admin = AdminClient(flask_app.test_client()).sign_in()
    ids = _seed_ids(lambda path: admin.get(path).get_data(as_text=True), _InProcessScim(flask_app.test_client(), token))
    return [_discovered(admin, route, valid_ids(route, ids)) for route in _routes(flask_app)]


def _discovered(admin, route, valid):
    path = admin_path(route, valid)
    for _round in range(3):
        for gates in hostile_cases.gated(route) if _round else [{}]:
            values = {name: gates.get(name, hostile_cases.GATES.get(name, ("1",))[0]) for name in route.args | route.form}
            route = _run(admin, route, path, {k: v for k, v in values.items() if v is not None})
    return route


def _run(admin, route, path, values):
    """The route with what one request (two on a POST: a form, then JSON) made its view read added."""
    _READ.clear()
    if route.method == "GET":
        admin.get(path, query_string={name: values[name] for name in route.args if name in values})
    else:
        admin.post(path + "?" + urlencode({name: values[name] for name in route.args if name in values}),
                   data={name: values[name] for name in route.form if name in values})
        gates = {gate: options[0] for gate, options in hostile_cases.JSON_GATES.items()}
        admin.client.post(path, json=nested(hostile_cases.json_leaves(route), "x", gates),
                          headers={"X-CSRF-Token": admin.token})
    read = {kind: {name for each, name in _READ if each == kind} - NOT_PARAMETERS for kind in ("args", "form", "json")}
    return dataclasses.replace(route, args=route.args | read["args"], form=route.form | read["form"],
                               json=route.json | read["json"])


@pytest.fixture(scope="module")
def routes(tmp_path_factory):
    return _discover(tmp_path_factory.mktemp("hostile-admin-discovery"))


# --- the real server, signed in ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def admin_server(tmp_path_factory):
    instance = Server(tmp_path_factory.mktemp("hostile-admin-server")).start(app_name="hostile-admin")
    created = instance.cli_here("apps", "create", "--name", "hostile-rest", "--provider", "oracle", "--method", "rest")
    assert created.returncode == 0, created.stderr
    yield instance
    code = instance.stop()
    assert code == 0, f"usersync serve exited with {code}; stderr:\n{instance.stderr_text()}"


class _Session:
    """A signed-in admin over HTTP: the session cookie and its CSRF token."""

    def __init__(self, server):
        self.server = server
        self.cookie, self.token = None, None
        self.get(LOGIN)
        response = self._send("POST", LOGIN, urlencode({"csrf_token": self.token, "username": "admin",
                                                         "password": server.env["USERSYNC_ADMIN_PASSWORD"]}).encode())
        assert response.status == 302, response
        self.get(PREFIXES[0] + "/")  # signing in issues a new CSRF token

    def get(self, path):
        response = self._send("GET", path)
        assert response.status == 200, response
        return response.body.decode()

    def _send(self, method, path, body=None):
        headers = {"Accept": "text/html", "Content-Type": hostile_cases.FORM}
        if self.cookie:
            headers["Cookie"] = self.cookie
        response = self.server.request(method, path, body, headers, token=None, raw_path=True)
        if response.headers.get("Set-Cookie"):
            self.cookie = response.headers["Set-Cookie"].split(";")[0]
        found = re.search(rb'name="csrf_token" value="([^"]+)"', response.body)
        self.token = found.group(1).decode() if found else self.token
        return response

    @property
    def headers(self):
        return (("Cookie", self.cookie), ("X-CSRF-Token", self.token))


class _ServerScim:
    def __init__(self, server):
        self.server = server

    def post(self, path, body):
        response = self.server.request("POST", path, body)
        assert response.status == 201, response
        return response.json()["id"]


@pytest.fixture(scope="module")
def outcomes(admin_server, routes):
    """[(case, outcome)] of every case: WORKERS at a time, the LAST routes' alone and after."""
    session = _Session(admin_server)
    ids = _seed_ids(session.get, _ServerScim(admin_server))
    names = {kind: set().union(*(getattr(route, kind) for route in routes)) for kind in ("args", "form")}
    names["form"] |= set(hostile_cases.PATTERN_FIELDS)
    cases = {False: [], True: []}  # whether the case's route is one of LAST
    for route in routes:
        cases[route.endpoint in LAST] += [dataclasses.replace(case, headers=session.headers) for case in
                                          admin_cases(route, valid_ids(route, ids), names["args"], names["form"])]
    client = Client(admin_server.port, token=None)
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            found = list(zip(cases[False], pool.map(client.send, cases[False])))
        found += [(case, client.send(case)) for case in cases[True]]
    finally:
        client.close()
    return found


def _problem(outcome, secrets):
    if outcome.error:
        return f"no response: {outcome.error}"
    if outcome.status >= 500:
        return f"HTTP {outcome.status}"
    text = outcome.body.decode("utf-8", "replace") + "\n".join(f"{name}: {value}" for name, value in outcome.headers)
    leaked = [marker for marker in (*INTERNALS, *secrets) if marker in text]
    return f"leaks {leaked[0][:20]!r}" if leaked else None


def test_discovery_found_the_parameters_pages_read(routes):
    by_endpoint = {(route.endpoint, route.method): route for route in routes}
    assert {"q", "page", "status", "app", "directory"} <= by_endpoint[("admin.users", "GET")].args
    assert {"since", "until", "operation", "outcome", "chart"} <= by_endpoint[("admin.activity", "GET")].args
    assert {"username_regex", "default_groups", "remove_row", "action"} <= by_endpoint[("admin.options", "POST")].form
    assert {"preview", "sample", "options.username_regex"} <= by_endpoint[("admin.options_preview", "POST")].json
    assert {"provider", "method", "name"} <= by_endpoint[("wizard.save", "POST")].form
    assert {"run"} <= by_endpoint[("admin.app_sync", "GET")].args
    assert len(routes) >= 40


def test_no_hostile_value_in_any_admin_route_is_a_5xx_or_leaks(admin_server, outcomes):
    secrets = (admin_server.token, str(REPO), str(admin_server.workdir))
    problems = [(case, outcome, _problem(outcome, secrets)) for case, outcome in outcomes
                if _problem(outcome, secrets)]
    assert len(outcomes) > 1500
    assert not problems, f"{len(problems)} of {len(outcomes)} requests failed:\n" + "\n".join(
        f"{problem}: {case.method} {case.url[:300]} body {case.body[:200] if case.body else b''!r}\n  -> {outcome!r:.300}"
        for case, outcome, problem in problems[:40])


def test_the_server_logged_no_unhandled_error(admin_server, outcomes):
    assert admin_server.process.poll() is None, "the server died"
    kinds = logged_failures(admin_server.stderr_text())
    assert not kinds, f"{sum(kinds.values())} tracebacks in the server log:\n" + "\n".join(
        f"{count:5d} x {kind}" for kind, count in kinds.most_common())
