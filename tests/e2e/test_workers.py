"""`usersync serve --workers 2`: two processes on one port and one store (SQLite, or PostgreSQL with
USERSYNC_TEST_DATABASE_URL). Concurrent writes through both give exact results; a worker killed outright is
replaced and loses no acknowledged write; SIGTERM stops every process; a token rotated or an app disabled is
refused by every worker at once; one worker leads the pull scheduler. Which worker answered a request is read
from the request log's "pid" field, found by the X-Request-Id the test sends."""

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
import uuid

import pytest

from tests.conftest import separate_database_url
from tests.postgres import DATABASES

from .bodies import add_members, complete_user, new_group, new_user, patch, unique
from .conftest import REPO, START_TIMEOUT, STOP_TIMEOUT, Server, assert_scim_error, usersync

pytestmark = pytest.mark.e2e

THREADS = 8
JOIN_TIMEOUT = 60
_SERVING = re.compile(r"usersync serving on http://127\.0\.0\.1:(\d+)")
_STARTED = re.compile(r"usersync: worker (\d+) started")


class Workers(Server):
    """`usersync serve --workers N --port 0`: the port and the workers' pids read from its stderr."""

    def __init__(self, workdir, workers=2, threads=4, database_url=None):
        super().__init__(workdir, threads=threads, database_url=database_url)
        self.workers = workers

    def serve(self, wait=True):
        self._stdout = open(self.workdir / "serve.stdout", "wb")
        self._stderr = open(self.workdir / "serve.stderr", "wb")
        self.process = subprocess.Popen(
            usersync("serve", "--host", "127.0.0.1", "--port", "0", "--threads", str(self.threads),
                     "--workers", str(self.workers)),
            cwd=REPO, env=self.env, stdout=self._stdout, stderr=self._stderr)
        self.port = int(self.wait_for(_SERVING).group(1))
        self.wait_for_workers(self.workers)
        if wait:
            self.wait_until_ready()
        return self

    def wait_for(self, pattern, timeout=START_TIMEOUT):
        """The first match of pattern in stderr, waiting for it to be written."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = pattern.search(self.stderr_text())
            if found:
                return found
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self._abort(f"no {pattern.pattern!r} in the stderr of usersync serve --workers")

    def wait_for_workers(self, count, timeout=START_TIMEOUT):
        """The pids of count live workers, waiting for the supervisor to start them."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            live = self.live_workers()
            if len(live) >= count:
                return live
            time.sleep(0.05)
        self._abort(f"fewer than {count} workers started")

    def started_workers(self):
        return [int(pid) for pid in _STARTED.findall(self.stderr_text())]

    def live_workers(self):
        """Workers started and not reported gone."""
        gone = {int(pid) for pid in re.findall(r"usersync: worker (\d+) (?:exited|was killed)", self.stderr_text())}
        return [pid for pid in self.started_workers() if pid not in gone]

    def served_by(self, request_ids):
        """{request id: pid of the worker whose request log line has it}."""
        wanted, found = set(request_ids), {}
        for line in self.stderr_text().splitlines():
            if line.startswith("{") and '"request_id"' in line:
                entry = json.loads(line)
                if entry["request_id"] in wanted:
                    found[entry["request_id"]] = entry["pid"]
        return found

    def traced(self, method, path, body=None, conn=None, token=None):
        """(Response, request id) of one request sent with an X-Request-Id of its own."""
        request_id = uuid.uuid4().hex
        kwargs = {} if token is None else {"token": token}
        response = self.request(method, path, body, headers={"X-Request-Id": request_id}, conn=conn, **kwargs)
        return response, request_id


def _running(pid):
    """Whether a process with this pid exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def start_workers(tmp_path, workers=2):
    return Workers(tmp_path, workers=workers, database_url=separate_database_url(tmp_path, "workers.db")).start()


def stop_cleanly(server):
    pids = server.started_workers()
    code = server.stop()
    assert code == 0, f"usersync serve exited with {code} after SIGTERM:\n{server.stderr_text()}"
    assert not [pid for pid in pids if _running(pid)], "a worker outlived the supervisor"
    assert "Traceback" not in server.stderr_text(), server.stderr_text()


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """Two workers of one `usersync serve`, each with 4 threads."""
    server = start_workers(tmp_path_factory.mktemp("workers"))
    yield server
    stop_cleanly(server)


def in_parallel(work):
    """work(index) on THREADS threads at once; their results."""
    results, failures = [None] * THREADS, []

    def run(index):
        try:
            results[index] = work(index)
        except BaseException as exc:  # noqa: BLE001 (re-raised below, in the test's thread)
            failures.append((index, exc))

    threads = [threading.Thread(target=run, args=(index,), daemon=True) for index in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert not any(thread.is_alive() for thread in threads), "a client thread hung"
    if failures:
        index, exc = failures[0]
        raise AssertionError(f"client thread {index} failed: {exc!r}") from exc
    return results


def test_concurrent_creates_and_member_adds_through_both_workers_are_exact(pair):
    """8 threads x 6 users created, each added to one group by a PATCH of its own: 48 members, and both
    workers served some of the requests (each on a new connection)."""
    prefix = unique("w")
    group = pair.request("POST", "/Groups", new_group(unique("shared")))
    assert group.status == 201, group
    group_path = f"/Groups/{group.json()['id']}"

    def work(index):
        traces = []
        for n in range(6):
            created, request_id = pair.traced("POST", "/Users", new_user(f"{prefix}-{index}-{n}"))
            assert created.status == 201, created
            added, added_id = pair.traced("PATCH", group_path, patch(add_members([created.json()["id"]])))
            assert added.status in (200, 204), added
            traces += [request_id, added_id]
        return traces

    traces = [request_id for found in in_parallel(work) for request_id in found]
    members = pair.request("GET", group_path).json()["members"]
    assert len(members) == len({member["value"] for member in members}) == THREADS * 6
    assert set(pair.served_by(traces).values()) == set(pair.live_workers()), "both workers must have served"


def test_racing_puts_to_one_user_end_with_one_body_and_its_etag(pair):
    """8 PUTs of different bodies at once: the user ends as one of them, with the ETag that PUT answered."""
    base = unique("raced")
    user = pair.request("POST", "/Users", complete_user(base, 0)).json()
    path = f"/Users/{user['id']}"
    barrier = threading.Barrier(THREADS, timeout=30)

    def work(index):
        barrier.wait()
        return pair.request("PUT", path, complete_user(base, index + 1))

    answers = in_parallel(work)
    assert [answer.status for answer in answers] == [200] * THREADS, answers
    assert len({answer.headers["ETag"] for answer in answers}) == THREADS, "every PUT made a version of its own"
    final = pair.request("GET", path)
    winner = [answer for answer in answers if answer.json()["userName"] == final.json()["userName"]]
    assert len(winner) == 1, final
    assert final.headers["ETag"] == final.json()["meta"]["version"] == winner[0].headers["ETag"]
    assert {key: value for key, value in final.json().items() if key != "meta"} == \
        {key: value for key, value in winner[0].json().items() if key != "meta"}


def test_racing_creates_of_one_user_name_make_exactly_one(pair):
    """8 POSTs of one userName at once, 3 rounds: one 201 and seven 409s each time."""
    for _ in range(3):
        name = unique("dup")
        barrier = threading.Barrier(THREADS, timeout=30)

        def work(_index, name=name, barrier=barrier):
            barrier.wait()
            return pair.request("POST", "/Users", new_user(name))

        answers = in_parallel(work)
        assert sorted(answer.status for answer in answers) == [201] + [409] * (THREADS - 1), answers
        for answer in answers:
            if answer.status == 409:
                assert_scim_error(answer, 409, "uniqueness")


def test_a_rotated_token_and_a_disabled_app_are_refused_by_every_worker_at_once(pair):
    """A keep-alive connection to each worker; the token rotated through the command line: the old token is
    refused on both at the next request and on 10 new connections, the new one works on both; then the app
    disabled: refused on both."""
    conns = _connection_to_each_worker(pair)
    rotated = pair.cli_here("apps", "rotate-token", pair.app["name"], "--json")
    assert rotated.returncode == 0, rotated.stderr
    old, pair.app["token"] = pair.token, json.loads(rotated.stdout)["token"]
    try:
        for conn in conns.values():
            assert_scim_error(pair.request("GET", "/Users?count=1", conn=conn, token=old), 401)
        for _ in range(10):
            assert_scim_error(pair.request("GET", "/Users?count=1", token=old), 401)
        for conn in conns.values():
            assert pair.request("GET", "/Users?count=1", conn=conn).status == 200
        disabled = pair.cli_here("apps", "set", pair.app["name"], "enabled=false")
        assert disabled.returncode == 0, disabled.stderr
        for conn in conns.values():
            assert_scim_error(pair.request("GET", "/Users?count=1", conn=conn), 401)
    finally:
        assert pair.cli_here("apps", "set", pair.app["name"], "enabled=true").returncode == 0
        for conn in conns.values():
            conn.close()


def test_a_deleted_app_is_refused_by_every_worker_at_once(pair):
    """An app's token works on a keep-alive connection to each worker; the app deleted: 401 on both."""
    created = pair.cli_here("apps", "create", "--name", unique("doomed"), "--provider", "okta", "--json")
    assert created.returncode == 0, created.stderr
    doomed = json.loads(created.stdout)
    conns = _connection_to_each_worker(pair)
    try:
        for conn in conns.values():
            assert pair.request("GET", "/Users?count=1", conn=conn, token=doomed["token"]).status == 200
        deleted = pair.cli_here("apps", "delete", doomed["name"])
        assert deleted.returncode == 0, deleted.stderr
        for conn in conns.values():
            assert_scim_error(pair.request("GET", "/Users?count=1", conn=conn, token=doomed["token"]), 401)
    finally:
        for conn in conns.values():
            conn.close()


def _connection_to_each_worker(server, rounds=30, burst=8):
    """{pid: a keep-alive connection that worker accepted}, one per live worker.

    Connections come in bursts, all connected before any is used: a lone connect wakes every worker and the one
    the scheduler runs first takes it, often the same one each time; a backlog of several is shared out.
    """
    conns, wanted = {}, set(server.live_workers())
    for _ in range(rounds):
        batch = [server.connection() for _ in range(burst)]
        for conn in batch:
            conn.connect()
        for conn in batch:
            answer, request_id = server.traced("GET", "/ServiceProviderConfig", conn=conn)
            assert answer.status == 200, answer
            pid = server.served_by([request_id]).get(request_id)
            if pid in conns or pid is None:
                conn.close()
            else:
                conns[pid] = conn
        if set(conns) == wanted:
            return conns
    for conn in conns.values():
        conn.close()
    pytest.fail(f"new connections reached only workers {sorted(conns)} of {sorted(wanted)}")


def test_one_worker_leads_the_pull_scheduler(pair):
    """Every worker runs a scheduler; the leader lock lets exactly one of them lead."""
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        leaders = _leaders(pair)
        if leaders:
            break
        time.sleep(0.1)
    assert len(leaders) == 1, leaders
    if not DATABASES:
        assert set(leaders) <= set(pair.live_workers())


def _leaders(server):
    """The processes holding the scheduler's lead: pids of the flock on SQLite, sessions on PostgreSQL."""
    if DATABASES:
        from playhouse.db_url import connect

        database = connect(server.database_url)
        try:
            rows = database.execute_sql("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                        "AND application_name = 'usersync leader usersync:scheduler'").fetchall()
        finally:
            database.close()
        return [pid for (pid,) in rows]
    from store.ops.leader import lock_path

    database = server.database_url.removeprefix("sqlite:///")
    inode = os.stat(lock_path(os.path.abspath(database), "usersync:scheduler")).st_ino
    with open("/proc/locks") as locks:  # "1: FLOCK  ADVISORY  WRITE 1234 08:01:5678 0 EOF"
        held = [line.split() for line in locks if " FLOCK " in line]
    return sorted({int(fields[4]) for fields in held if fields[5].rsplit(":", 1)[1] == str(inode)})


def test_a_killed_worker_is_replaced_and_no_acknowledged_write_is_lost(tmp_path):
    """Creates run on 4 threads while one worker is SIGKILLed: a new worker is started and serves, and every
    user whose creation was answered 201 can be read afterwards."""
    server = start_workers(tmp_path)
    try:
        victim = server.live_workers()[0]
        acknowledged, stop = [], threading.Event()

        def create_until_stopped(index):
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    created = server.request("POST", "/Users", new_user(f"k{index}-{n}-{uuid.uuid4().hex[:6]}"))
                except (OSError, http.client.HTTPException):  # IncompleteRead: killed mid-body
                    continue  # the connection was the killed worker's: not acknowledged
                if created.status == 201:
                    acknowledged.append(created.json()["id"])

        threads = [threading.Thread(target=create_until_stopped, args=(i,), daemon=True) for i in range(4)]
        for thread in threads:
            thread.start()
        time.sleep(0.5)
        os.kill(victim, signal.SIGKILL)
        server.wait_for(re.compile(rf"usersync: worker {victim} was killed by signal SIGKILL"))
        replacement = _replacement(server, victim)
        time.sleep(0.5)
        stop.set()
        for thread in threads:
            thread.join(JOIN_TIMEOUT)
        assert acknowledged
        for conn in _connection_to_each_worker(server).values():  # the replacement answers requests too
            conn.close()
        assert replacement in server.live_workers()
        for user_id in acknowledged:
            assert server.request("GET", f"/Users/{user_id}").status == 200, user_id
    except BaseException:
        server.kill()
        raise
    stop_cleanly(server)


def _replacement(server, victim):
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        started = server.started_workers()
        if len(started) > 2 and victim in started:
            return started[-1]
        time.sleep(0.05)
    pytest.fail(f"no worker replaced {victim}:\n{server.stderr_text()}")


def test_sigterm_stops_every_worker_and_the_requests_in_flight_are_answered(tmp_path):
    """SIGTERM while 4 threads write: the supervisor exits 0 within the drain time, no worker is left,
    and every request that got an answer got a 201."""
    server = start_workers(tmp_path)
    answers, stop = [], threading.Event()

    def create_until_stopped(index):
        n = 0
        while not stop.is_set():
            n += 1
            try:
                answers.append(server.request("POST", "/Users", new_user(f"s{index}-{n}-{uuid.uuid4().hex[:6]}"),
                                              timeout=STOP_TIMEOUT).status)
            except OSError:
                return  # the listener is closed: no new connection is accepted

    threads = [threading.Thread(target=create_until_stopped, args=(i,), daemon=True) for i in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(0.5)
    pids = server.live_workers()
    stop_cleanly(server)  # within STOP_TIMEOUT, or stop() kills it and answers None
    stop.set()
    for thread in threads:
        thread.join(JOIN_TIMEOUT)
    assert answers and set(answers) == {201}, answers
    assert not [pid for pid in pids if _running(pid)]


def test_workers_stop_when_the_supervisor_is_killed_outright(tmp_path):
    """SIGKILL to the supervisor: the kernel sends each worker SIGTERM (PR_SET_PDEATHSIG), so none is left."""
    server = start_workers(tmp_path)
    pids = server.live_workers()
    server.kill()
    deadline = time.monotonic() + STOP_TIMEOUT
    while [pid for pid in pids if _running(pid)] and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [pid for pid in pids if _running(pid)], "a worker outlived its killed supervisor"


def test_the_first_start_password_is_printed_once_by_the_supervisor(tmp_path):
    """On an empty store the supervisor builds the app and prints the generated password in its frame, once;
    no worker prints it again."""
    server = Workers(tmp_path, database_url=separate_database_url(tmp_path, "fresh.db"))
    server.env.pop("USERSYNC_ADMIN_PASSWORD")
    server.serve()
    try:
        said = server.stderr_text()
        assert said.count("usersync: first start. The admin account was created.") == 1, said
        assert said.index("first start") < said.index("usersync: worker ")
    finally:
        stop_cleanly(server)


def test_a_taken_port_is_a_clear_error_before_any_worker_starts(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        server = Workers(tmp_path, database_url=separate_database_url(tmp_path, "taken.db"))
        done = server.cli("serve", "--port", str(port), "--workers", "2")
    assert done.returncode == 1, done.stderr
    assert f"Cannot listen on 127.0.0.1 port {port}" in done.stderr and "worker" not in done.stderr, done.stderr


def test_a_workers_value_out_of_range_is_a_usage_error(tmp_path):
    """The values themselves are in tests/unit/cli/test_workers.py; here, how the command says it."""
    done = Workers(tmp_path).cli("serve", "--workers", "0")
    assert done.returncode == 2 and "neither a number of processes from 1 to 64 nor 'auto'" in done.stderr, done.stderr
