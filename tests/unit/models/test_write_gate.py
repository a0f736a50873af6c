"""The write gate: SQLite writers queue on it, in one process and across processes, and wake at a commit.

Each database here has busy_timeout 0: a writer that reached BEGIN IMMEDIATE while another held the lock
would fail at once with "database is locked", so a write that succeeds proves the gate made it wait.
"""

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from playhouse.db_url import connect

from models import SQLITE_PRAGMAS
from models.write_gate import GATED_SCHEME, HOLDS, FifoLock

REPO = Path(__file__).resolve().parents[3]
JOIN = 10  # seconds a thread may take before the test calls it hung

CHILD = """
import sys, time
from playhouse.db_url import connect
import models.write_gate
db = connect(sys.argv[1], pragmas={"busy_timeout": 0, "journal_mode": "wal"}, lock_type="IMMEDIATE")
print("ready", flush=True)
with db.atomic():
    began = time.time()
    db.execute_sql("INSERT INTO t (who) VALUES ('child')")
print(began, flush=True)
"""


def _open(url):
    return connect(url, pragmas={**SQLITE_PRAGMAS, "busy_timeout": 0}, lock_type="IMMEDIATE",
                   check_same_thread=False)


@pytest.fixture
def url(tmp_path):
    address = f"sqlite+{GATED_SCHEME}:///{tmp_path / 'gate.db'}"
    database = _open(address)
    database.execute_sql("CREATE TABLE t (who TEXT)")
    database.close_all()
    return address


@pytest.fixture
def database(url):
    database = _open(url)
    yield database
    database.close_all()


def _in_thread(function):
    """Run function in a thread; returns the thread and a list that gets its result or its exception."""
    outcome = []

    def run():
        try:
            outcome.append(function())
        except Exception as exc:  # noqa: BLE001 - handed to the test to assert on
            outcome.append(exc)
    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, outcome


def _write(database, who, inside=None, leave=None):
    """A write transaction; returns (when BEGIN returned, when its last statement ran)."""
    with database.atomic():
        began = time.perf_counter()
        database.execute_sql("INSERT INTO t (who) VALUES (?)", (who,))
        if inside:
            inside.set()
        if leave:
            leave.wait(JOIN)
        last = time.perf_counter()
    database.close()
    return began, last


def test_two_threads_writing_at_once_take_turns_without_busy(database):
    inside, leave = threading.Event(), threading.Event()
    first, first_out = _in_thread(lambda: _write(database, "first", inside, leave))
    assert inside.wait(JOIN)
    second, second_out = _in_thread(lambda: _write(database, "second"))
    leave.set()
    for thread in (first, second):
        thread.join(JOIN)
        assert not thread.is_alive()
    assert all(isinstance(out[0], tuple) for out in (first_out, second_out)), (first_out, second_out)
    assert second_out[0][0] > first_out[0][1]  # the second's BEGIN returned after the first's last statement
    assert sorted(who for (who,) in database.execute_sql("SELECT who FROM t")) == ["first", "second"]


def test_another_process_waits_on_the_flock(database, url):
    child = subprocess.Popen([sys.executable, "-c", CHILD, url], cwd=REPO,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        with database.atomic():
            database.execute_sql("INSERT INTO t (who) VALUES ('parent')")
            assert child.stdout.readline().strip() == "ready"
            time.sleep(0.3)  # the child is now waiting for the gate (with busy_timeout 0 SQLite would refuse it)
            committing = time.time()
        out, err = child.communicate(timeout=JOIN)
    finally:
        child.kill()
        child.wait()
    assert child.returncode == 0, err
    assert float(out.strip()) > committing
    assert sorted(who for (who,) in database.execute_sql("SELECT who FROM t")) == ["child", "parent"]


def test_an_exception_inside_a_transaction_frees_the_gate(database):
    with pytest.raises(RuntimeError), database.atomic():
        database.execute_sql("INSERT INTO t (who) VALUES ('lost')")
        raise RuntimeError("a view failed")
    assert not database.gate.held
    thread, outcome = _in_thread(lambda: _write(database, "next"))
    thread.join(JOIN)
    assert not thread.is_alive() and isinstance(outcome[0], tuple), outcome
    assert [who for (who,) in database.execute_sql("SELECT who FROM t")] == ["next"]


def test_a_failing_begin_frees_the_gate(database):
    database.execute_sql("BEGIN")  # outside peewee: its BEGIN IMMEDIATE now fails
    with pytest.raises(Exception, match="within a transaction"), database.atomic():
        pass
    database.execute_sql("ROLLBACK")
    assert not database.gate.held
    thread, outcome = _in_thread(lambda: _write(database, "next"))
    thread.join(JOIN)
    assert not thread.is_alive() and isinstance(outcome[0], tuple), outcome


def test_a_read_transaction_does_not_take_the_gate(database):
    with database.atomic(lock_type="DEFERRED"):
        assert list(database.execute_sql("SELECT who FROM t")) == []
        assert not database.gate.held
        thread, outcome = _in_thread(lambda: _write(database, "writer"))  # WAL: a writer goes on past a reader
        thread.join(JOIN)
        assert not thread.is_alive() and isinstance(outcome[0], tuple), outcome


def test_savepoints_stay_inside_the_outer_hold(database):
    counted = HOLDS.summary()["writes"]
    with database.atomic():
        with database.atomic():
            database.execute_sql("INSERT INTO t (who) VALUES ('nested')")
        assert database.gate.held
    assert not database.gate.held
    assert HOLDS.summary()["writes"] == counted + 1


def _until(condition):
    deadline = time.monotonic() + JOIN
    while not condition():
        assert time.monotonic() < deadline, "condition never met"
        time.sleep(0.001)


def test_waiters_are_served_in_arrival_order():
    lock, order, threads = FifoLock(), [], []
    assert lock.acquire(JOIN)

    def take(n):
        assert lock.acquire(JOIN)
        order.append(n)
        lock.release()
    for n in range(4):
        threads.append(threading.Thread(target=take, args=(n,), daemon=True))
        threads[-1].start()
        _until(lambda n=n: lock.queued == n + 1)
    lock.release()
    for thread in threads:
        thread.join(JOIN)
    assert order == [0, 1, 2, 3]
    assert lock.acquire(0.001)  # and the last one freed it


def test_a_wait_that_times_out_leaves_the_queue():
    lock = FifoLock()
    assert lock.acquire(JOIN)
    assert lock.acquire(0.01) is False
    assert lock.queued == 0
    lock.release()
    assert lock.acquire(0.001)
