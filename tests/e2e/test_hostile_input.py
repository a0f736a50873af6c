"""Hostile input against a real `usersync serve`: never a 5xx, never an internal leaked, always fast.

Every case of `hostile_cases.build` (and every hypothesis example) must get, within 2 s: a status
below 500 (in a BulkResponse, every operation's too); under the SCIM prefix, a 4xx that is an
RFC 7644 §3.12 Error as application/scim+json; a body and headers without tracebacks, ORM or SQL
text, the bearer token or a filesystem path of this checkout or its database. Afterwards the
sentinel user and group, created before the first case, are exactly as they were, and the
server logged no traceback.

The server is this module's own, not the shared `server` fixture: the corpus creates hundreds
of users, and the log it reads at the end must be this corpus's alone.
"""

import http.client
import itertools
import json
import os
import re
import socket
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from scim import constants

from . import hostile_cases
from .conftest import ERROR_URN, REPO, SCIM_JSON, Server
from .hostile_cases import TOKEN, Case, Targets, slots

pytestmark = pytest.mark.e2e

TIME_LIMIT = 5.0  # seconds per request, measured by the client: catches a pathological case (a regex or
# filter blow-up takes minutes), not a slow machine
BULK_TIME_LIMIT = 10.0  # a Bulk request is up to maxOperations requests in one
WORKERS = 4
CASES = hostile_cases.build(Targets.placeholder())
# Never in a response: what only the server's insides know.
INTERNALS = ("Traceback", 'File "', "peewee", "sqlite", "psycopg", "SELECT ", "INSERT ")
# Per hypothesis test; six tests make ~200 examples. HOSTILE_FUZZ_EXAMPLES=1000 explores further, locally.
FUZZ_EXAMPLES = int(os.environ.get("HOSTILE_FUZZ_EXAMPLES", "35"))


@dataclass
class Outcome:
    """What came back, or why nothing did."""

    status: int | None = None
    headers: list = field(default_factory=list)
    body: bytes = b""
    elapsed: float = 0.0
    error: str | None = None

    def header(self, name):
        return next((value for key, value in self.headers if key.lower() == name.lower()), None)

    def __repr__(self):
        if self.error:
            return f"<no response after {self.elapsed:.2f}s: {self.error}>"
        return f"<{self.status} in {self.elapsed:.2f}s {dict(self.headers)} {self.body[:1500]!r}>"


class Client:
    """One keep-alive connection per thread; a request whose reused connection was closed is sent once more."""

    def __init__(self, port, token):
        self.port = port
        self.token = token
        self.local = threading.local()
        self.opened = []
        self.lock = threading.Lock()

    def send(self, case):
        if case.raw is not None:
            return self._send_raw(case)
        for attempt in (1, 2):
            conn, reused = self._connection()
            started = time.perf_counter()
            try:
                return self._exchange(conn, case, started)
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                self._drop()
                if not (reused and attempt == 1):
                    return Outcome(elapsed=time.perf_counter() - started, error=repr(exc))
            except (OSError, http.client.HTTPException) as exc:
                self._drop()
                return Outcome(elapsed=time.perf_counter() - started, error=repr(exc))

    def _exchange(self, conn, case, started):
        headers = [("Accept", SCIM_JSON)]
        if case.token is TOKEN:
            headers.append(("Authorization", f"Bearer {self.token}"))
        elif case.token is not None:
            headers.append(("Authorization", case.token))
        if (case.body is not None or case.chunks is not None) and case.content_type is not None:
            headers.append(("Content-Type", case.content_type))
        headers.extend(case.headers)
        names = {name.lower() for name, _ in headers}
        conn.putrequest(case.method, case.url, skip_host="host" in names, skip_accept_encoding=True)
        for name, value in headers:
            conn.putheader(name, value)
        if case.chunks is not None:
            conn.putheader("Transfer-Encoding", "chunked")
            conn.endheaders()
            for chunk in case.chunks:
                conn.send(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            conn.send(b"0\r\n\r\n")
        elif case.body is not None:
            conn.putheader("Content-Length", str(len(case.body)))
            conn.endheaders(case.body)
        else:
            conn.endheaders()
        response = conn.getresponse()
        body = response.read()
        outcome = Outcome(response.status, response.getheaders(), body, time.perf_counter() - started)
        if response.will_close:
            self._drop()
        else:
            self.local.used = True
        return outcome

    def _send_raw(self, case):
        started = time.perf_counter()
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=10) as sock:
                sock.sendall(case.raw)
                response = http.client.HTTPResponse(sock, method=case.method)
                try:
                    response.begin()
                    body = response.read()
                finally:
                    response.close()
                return Outcome(response.status, response.getheaders(), body, time.perf_counter() - started)
        except (OSError, http.client.HTTPException) as exc:
            return Outcome(elapsed=time.perf_counter() - started, error=repr(exc))

    def _connection(self):
        conn = getattr(self.local, "conn", None)
        if conn is None:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
            self.local.conn, self.local.used = conn, False
            with self.lock:
                self.opened.append(conn)
        return conn, self.local.used

    def _drop(self):
        conn = getattr(self.local, "conn", None)
        if conn is not None:
            conn.close()
        self.local.conn = None

    def close(self):
        for conn in self.opened:
            conn.close()


def violations(case, outcome, secrets):
    """Every invariant the outcome breaks, as readable sentences (empty when all hold)."""
    if outcome.error:
        return [f"no response: {outcome.error}"]
    found = []
    limit = BULK_TIME_LIMIT if case.path.rstrip("/").endswith("/Bulk") else TIME_LIMIT
    if outcome.elapsed > limit:
        found.append(f"answered in {outcome.elapsed:.2f}s, over {limit}s")
    if outcome.status >= 500:
        found.append(f"HTTP {outcome.status}")
    if case.expect and outcome.status not in case.expect:
        found.append(f"HTTP {outcome.status}, expected {' or '.join(map(str, case.expect))}")
    text = outcome.body.decode("utf-8", "replace")
    headers = "\n".join(f"{name}: {value}" for name, value in outcome.headers)
    for marker in INTERNALS:
        if marker in text or marker in headers:
            found.append(f"leaks {marker!r}")
    for marker in ("peewee", "sqlite"):  # the ORM's and the database's names, in any capitalisation
        if marker in text.lower() and marker not in text:
            found.append(f"leaks {marker!r} (case-insensitively)")
    for secret in secrets:
        if secret in text or secret in headers:
            found.append(f"leaks {secret[:12]!r}…")
    if case.scim and 400 <= outcome.status < 500:  # malformed framing too (cli/wire_errors.py)
        found.extend(_scim_error_problems(outcome))
    found.extend(_bulk_problems(outcome))
    return found


def _scim_error_problems(outcome):
    content_type = (outcome.header("Content-Type") or "").split(";")[0].strip()
    if content_type != SCIM_JSON:
        return [f"4xx under the SCIM prefix as {content_type or 'no Content-Type'!r}, not {SCIM_JSON}"]
    try:
        body = json.loads(outcome.body)
    except ValueError:
        return ["4xx under the SCIM prefix whose body is not JSON"]
    if not isinstance(body, dict) or body.get("schemas") != [ERROR_URN]:
        return ["4xx body is not an RFC 7644 Error (schemas)"]
    if body.get("status") != str(outcome.status):
        return [f"Error status {body.get('status')!r} is not the string {str(outcome.status)!r}"]
    return []


def _bulk_problems(outcome):
    """RFC 7644 §3.7.3: each operation has its own status; a 5xx there is a 5xx all the same."""
    if outcome.status != 200 or b"BulkResponse" not in outcome.body:
        return []
    try:
        operations = json.loads(outcome.body).get("Operations", [])
    except ValueError:
        return ["BulkResponse that is not JSON"]
    failed = [(index, each.get("status"), each.get("response", {}).get("detail"))
              for index, each in enumerate(operations)
              if not str(each.get("status", "")).isdigit() or int(each["status"]) >= 500]
    return [f"bulk operation {index} has status {status!r}: {detail}" for index, status, detail in failed[:3]]


def describe(case):
    """The request, short enough to read in a failure."""
    if case.raw is not None:
        sent, framing = case.raw, " [raw bytes]"
    elif case.chunks is not None:
        sent, framing = b"".join(case.chunks), " [chunked]"
    else:
        sent, framing = case.body, ""
    auth = {None: " (no Authorization)", TOKEN: ""}.get(case.token, f" Authorization: {case.token!r:.80}")
    extra = "".join(f" {name}: {value!r:.80}" for name, value in case.headers[:4])
    shown = "(no body)" if not sent else repr(sent[:600]) + (f"… ({len(sent)} bytes)" if len(sent) > 600 else "")
    return f"{case.method} {case.url[:400]}{framing}{auth}{extra}\n  body: {shown}"


def _failure(case, outcome, problems):
    return f"{'; '.join(problems)}\n{describe(case)}\n  response: {outcome!r}"


# --- the server, its sentinels, the corpus run ------------------------------------------------

@pytest.fixture(scope="module")
def hostile_server(tmp_path_factory):
    """A server of this module's own, with the traffic log on so that hostile exchanges pass through it too."""
    instance = Server(tmp_path_factory.mktemp("hostile-server")).start(app_name="hostile")
    changed = instance.cli_here("apps", "set", "hostile", "traffic_log=true")
    assert changed.returncode == 0, changed.stderr
    yield instance
    code = instance.stop()
    assert code == 0, f"usersync serve exited with {code}; stderr:\n{instance.stderr_text()}"


SENTINEL_USER = {
    "schemas": [constants.USER, constants.ENTERPRISE_USER], "userName": "sentinel.user@example.com",
    "externalId": "sentinel-ext", "displayName": "Sentinel User", "title": "Keeper", "active": True,
    "name": {"givenName": "Sentinel", "familyName": "User", "formatted": "Sentinel User"},
    "emails": [{"value": "sentinel.user@example.com", "type": "work", "primary": True},
               {"value": "sentinel@home.example", "type": "home"}],
    "phoneNumbers": [{"value": "+1 555 0100", "type": "work"}],
    "addresses": [{"streetAddress": "1 Main St", "locality": "Springfield", "country": "US", "type": "work"}],
    "roles": [{"value": "auditor"}],
    constants.ENTERPRISE_USER: {"employeeNumber": "42", "department": "Security", "manager": {"value": "boss-id"}},
}


def _create(server, path, body):
    response = server.request("POST", path, body)
    assert response.status == 201, response
    return response.json()["id"]


@pytest.fixture(scope="module")
def targets(hostile_server):
    """The sentinels (created first, compared at the end) and the resources writes may change."""
    server = hostile_server
    user = _create(server, "/Users", SENTINEL_USER)
    group = _create(server, "/Groups", {"schemas": [constants.GROUP], "displayName": "Sentinel Group",
                                        "externalId": "sentinel-group-ext", "members": [{"value": user}]})
    victim_user = _create(server, "/Users", {"userName": "victim.user@example.com",
                                             "emails": [{"value": "victim@example.com"}]})
    victim_group = _create(server, "/Groups", {"displayName": "Victim Group", "members": [{"value": victim_user}]})
    scratch_user = _create(server, "/Users", {"userName": "scratch.user@example.com"})
    return Targets(user, group, victim_user, victim_group, scratch_user, server.token)


def snapshot(server, targets):
    """The sentinels as the API shows them now."""
    user = server.request("GET", f"/Users/{targets.user}")
    group = server.request("GET", f"/Groups/{targets.group}")
    found = server.request("GET", "/Users?filter=" + quote(f'userName eq "{SENTINEL_USER["userName"]}"'))
    assert (user.status, group.status, found.status) == (200, 200, 200), (user, group, found)
    return {"user": user.json(), "group": group.json(), "userName matches": found.json()["totalResults"]}


@pytest.fixture(scope="module")
def baseline(hostile_server, targets):
    return snapshot(hostile_server, targets)


@pytest.fixture(scope="module")
def secrets(hostile_server):
    """Strings no response may contain: the token, and where the code and the database live."""
    return (hostile_server.token, str(REPO), str(hostile_server.workdir))


@pytest.fixture(scope="module")
def outcomes(hostile_server, targets, baseline):
    """Every case, WORKERS at a time, then the heavy ones alone: {case id: (case, outcome)}."""
    cases = hostile_cases.build(targets)
    assert [case.id for case in cases] == [case.id for case in CASES]
    shared = [case for case in cases if not case.solo]
    client = Client(hostile_server.port, hostile_server.token)
    try:
        with ThreadPoolExecutor(WORKERS) as pool:
            results = dict(zip((case.id for case in shared), pool.map(client.send, shared)))
        results.update((case.id, client.send(case)) for case in cases if case.solo)
    finally:
        client.close()
    return {case.id: (case, results[case.id]) for case in cases}


def test_corpus_is_large_and_named():
    assert len(CASES) >= 300
    assert all(case.id and " " not in case.id for case in CASES)


@pytest.mark.parametrize("case_id", [case.id for case in CASES])
def test_hostile_case(case_id, outcomes, secrets):
    case, outcome = outcomes[case_id]
    problems = violations(case, outcome, secrets)
    assert not problems, _failure(case, outcome, problems)


# --- hypothesis: random JSON at the write endpoints, random filters at GET /Users -------------------

SPECIALS = ("\x00", "\ud800", "\udfff", "\x1b", "\u202e", "\ufeff", "\u212a", "'", '"', "\\", "%", "_", "*")
# Lists of characters, not st.text(): text() all but never yields the lone surrogates JSON can carry.
text = st.lists(st.characters() | st.sampled_from(SPECIALS), max_size=24).map("".join)
ATTRIBUTE_NAMES = sorted({slot.attribute.name for slot in slots()} | {slot.sub.name for slot in slots() if slot.sub})
MESSAGE_KEYS = ["schemas", "Operations", "op", "path", "value", "method", "bulkId", "data", "version", "failOnErrors",
                constants.USER, constants.GROUP, constants.ENTERPRISE_USER]
keys = st.sampled_from(ATTRIBUTE_NAMES + MESSAGE_KEYS) | text
scalars = (st.none() | st.booleans() | st.integers(-(10 ** 30), 10 ** 30)
           | st.floats(allow_nan=False, allow_infinity=False) | text
           | st.sampled_from(["True", "", "x" * 300, "bulkId:a", "2011-05-13T04:42:34Z", constants.USER]))
json_values = st.recursive(scalars, lambda kids: st.lists(kids, max_size=4) | st.dictionaries(keys, kids, max_size=5),
                           max_leaves=15)
with_user_name = st.builds(lambda name, extra: {**extra, "userName": name}, text | scalars,
                           st.dictionaries(keys, json_values, max_size=6))
resources = json_values | st.dictionaries(keys, json_values, max_size=8) | with_user_name
PATHS = ATTRIBUTE_NAMES + [
    "name.givenName", 'emails[type eq "work"].value', 'emails[type eq "work"]', "emails.value",
    f"{constants.ENTERPRISE_USER}:manager", f"{constants.ENTERPRISE_USER}:manager.value", f"{constants.USER}:userName",
    'members[value eq "x"]', "members.value", constants.ENTERPRISE_USER]
operation = st.fixed_dictionaries(
    {"op": st.sampled_from(["add", "remove", "replace", "Add", "REPLACE"]) | json_values},
    optional={"path": st.sampled_from(PATHS) | text | scalars, "value": json_values})
patches = json_values | st.fixed_dictionaries(
    {"Operations": st.lists(operation, max_size=4) | json_values},
    optional={"schemas": st.sampled_from([[constants.PATCH_OP], constants.PATCH_OP, ["urn:x"], [1]])})
BULK_PATHS = ["/Users", "/Groups", "/Users/missing", "/Groups/bulkId:a", "/Users/bulkId:b", "/Bulk"]
bulk_operation = st.fixed_dictionaries({}, optional={
    "method": st.sampled_from(["POST", "PUT", "PATCH", "DELETE", "GET", "post"]) | json_values,
    "path": st.sampled_from(BULK_PATHS) | text,
    "bulkId": st.sampled_from(["a", "b"]) | text | scalars,
    "data": resources | patches,
    "version": st.sampled_from(['W/"1"', '"*"', "garbage"]) | scalars})
bulks = json_values | st.fixed_dictionaries(
    {"Operations": st.lists(bulk_operation, max_size=4) | json_values},
    optional={"schemas": st.sampled_from([[constants.BULK_REQUEST], ["urn:x"]]), "failOnErrors": scalars})
FILTER_TOKENS = [
    "userName", "emails.value", 'emails[type eq "work"]', "emails[", "]", "meta.created", "meta.version", "active",
    "name.givenName", "members.value", "schemas", f"{constants.USER}:userName", "id", "externalId",
    "x509Certificates.value", "groups.value", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le", "pr", "and", "or",
    "not", "(", ")", '"x"', '"\\""', "true", "false", "null", "42", "1e400", '"2011-05-13T04:42:34Z"', '"W/\\"1\\""',
    '"%_*"']
filters = text | st.lists(st.sampled_from(FILTER_TOKENS) | text.map(json.dumps), min_size=1, max_size=12).map(" ".join)
FUZZ = {
    "POST-Users": ("POST", "/Users", resources),
    "PUT-victim-user": ("PUT", "/Users/{victim_user}", resources),
    "PATCH-victim-user": ("PATCH", "/Users/{victim_user}", patches),
    "PATCH-victim-group": ("PATCH", "/Groups/{victim_group}", patches),
    "POST-Bulk": ("POST", "/Bulk", bulks),
}
# Derandomized: the same examples on every run, so that a failure here is a regression, not luck.
FUZZ_SETTINGS = settings(max_examples=FUZZ_EXAMPLES, deadline=None, database=None, derandomize=True,
                         phases=[Phase.explicit, Phase.generate, Phase.shrink],
                         suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@pytest.fixture(scope="module")
def fuzz_client(hostile_server, outcomes):
    """One keep-alive connection for the examples; the corpus ran first, so its timings are its own."""
    client = Client(hostile_server.port, hostile_server.token)
    yield client
    client.close()


def _check(client, secrets, case):
    outcome = client.send(case)
    problems = violations(case, outcome, secrets)
    assert not problems, _failure(case, outcome, problems)


@pytest.mark.parametrize("name", sorted(FUZZ))
def test_random_bodies(name, fuzz_client, targets, secrets):
    method, template, strategy = FUZZ[name]
    path = template.format(victim_user=targets.victim_user, victim_group=targets.victim_group)

    @FUZZ_SETTINGS
    @given(body=strategy)
    def check(body):
        _check(fuzz_client, secrets, Case(f"fuzz-{name}", method, path, hostile_cases.js(body)))

    check()


def test_random_filters(fuzz_client, secrets):
    @FUZZ_SETTINGS
    @given(expression=filters)
    def check(expression):
        query = quote(expression.encode("utf-8", "surrogatepass"), safe="")
        _check(fuzz_client, secrets, Case("fuzz-filter", "GET", f"/Users?filter={query}&count=5"))

    check()


# --- afterwards -------------------------------------------------------------------------------

def test_sentinels_unchanged_and_server_alive(hostile_server, targets, baseline, outcomes):
    """Nothing the corpus (or the examples, when they ran first) sent changed what was stored before it."""
    assert hostile_server.process.poll() is None, "the server died"
    assert snapshot(hostile_server, targets) == baseline
    alive = hostile_server.request("GET", "/ServiceProviderConfig")
    assert alive.status == 200, alive


def test_server_logged_no_unhandled_errors(hostile_server, outcomes):
    """A traceback in the log is a failure no status showed: a lost audit or traffic-log entry, a caught 500."""
    kinds = logged_failures(hostile_server.stderr_text())
    assert not kinds, f"{sum(kinds.values())} tracebacks in the server log:\n" + "\n".join(
        f"{count:5d} x {kind}" for kind, count in kinds.most_common())


_RECORD = re.compile(r"^\d{4}-\d\d-\d\d [\d:,]+ [A-Z]+ ", re.MULTILINE)
_EXCEPTION = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception)(: |$)")
_NOISE = re.compile(r"[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}|position \d+|in \d+ |/(Users|Groups)/\S+")


def logged_failures(log):
    """A Counter of "log message -> exception" over the logged records that carry a traceback."""
    kinds = Counter()
    starts = [match.start() for match in _RECORD.finditer(log)] + [len(log)]
    for start, end in itertools.pairwise(starts):
        lines = log[start:end].splitlines()
        if not any(line.startswith("Traceback") for line in lines):
            continue
        raised = [line for line in lines if _EXCEPTION.match(line)] or ["?"]
        kinds[_NOISE.sub("…", f"{_RECORD.sub('', lines[0])[:90]} -> {raised[-1][:150]}")] += 1
    return kinds
