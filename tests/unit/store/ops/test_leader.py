"""store.ops.leader: of the Leaders on one store exactly one leads, until it releases, dies or loses its connection."""

import os
import signal
import subprocess
import sys
import time
import uuid
from urllib.parse import urlparse

import peewee
import pytest
from playhouse.db_url import connect

from store.ops.leader import Leader, advisory_key, lock_path

POSTGRES_URL = os.environ.get("USERSYNC_TEST_DATABASE_URL")
# A name of this run's own: a scheduler elsewhere on the test database leads as usersync:scheduler.
NAME = f"usersync:test-{uuid.uuid4().hex[:8]}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.skipif(
    not POSTGRES_URL, reason="needs USERSYNC_TEST_DATABASE_URL (PostgreSQL)"))])
def url(request, tmp_path):
    """A store's URL; the Leader needs no tables, so the SQLite file need not even exist."""
    return POSTGRES_URL if request.param == "postgresql" else f"sqlite:///{tmp_path / 'usersync.db'}"


@pytest.fixture
def leaders(url):
    """make(name=NAME) -> a new Leader on url; every one made is released afterwards."""
    made = []

    def make(name=NAME):
        made.append(Leader(url, name))
        return made[-1]

    yield make
    for leader in made:
        leader.release()


def eventually(check, seconds=10):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "not within %s s" % seconds
        time.sleep(0.05)


def test_a_second_leader_is_refused_while_the_first_holds_and_leads_after_release(leaders):
    first, second = leaders(), leaders()
    assert first.acquire() is True and first.is_leader
    assert second.acquire() is False and not second.is_leader
    assert second.acquire() is False  # asking again does not wait, and does not take it
    assert first.acquire() is True  # still the leader
    first.release()
    assert not first.is_leader
    assert second.acquire() is True
    assert first.acquire() is False


def test_acquiring_again_does_not_stack_holds(leaders):
    """One release gives the lead up however often acquire() said yes (PostgreSQL's advisory locks nest)."""
    first, second = leaders(), leaders()
    for _ in range(3):
        assert first.acquire()
    first.release()
    assert second.acquire()


def test_as_a_context_manager_it_leads_inside_and_not_after(leaders, url):
    other = leaders()
    with Leader(url, NAME) as leader:
        assert leader.is_leader
        assert not other.acquire()
    assert not leader.is_leader
    assert other.acquire()
    with Leader(url, NAME) as follower:
        assert not follower.is_leader  # entering never waits for the lead


def test_each_name_has_its_own_leader(leaders):
    assert leaders(NAME + ":a").acquire()
    assert leaders(NAME + ":b").acquire()
    assert not leaders(NAME + ":b").acquire()


def test_release_is_safe_without_the_lead(leaders):
    first, second = leaders(), leaders()
    second.release()
    assert first.acquire()
    second.release()
    assert not second.acquire()
    first.release()
    first.release()


HOLDER = """
import sys, time
from store.ops.leader import Leader
leader = Leader(sys.argv[1], sys.argv[2])
print(leader.acquire(), flush=True)
time.sleep(60)
"""


def test_a_leader_killed_with_sigkill_gives_the_lead_up(leaders, url):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, url, NAME], stdout=subprocess.PIPE, text=True,
                              cwd=os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(__file__)))))
    try:
        assert holder.stdout.readline().strip() == "True"
        waiting = leaders()
        assert not waiting.acquire()
        holder.send_signal(signal.SIGKILL)
        holder.wait(10)
        eventually(waiting.acquire)  # PostgreSQL ends the session once it sees the socket close
    finally:
        holder.kill()
        holder.wait()
        holder.stdout.close()


def test_keys_are_stable_signed_64_bit_and_differ_by_name():
    assert advisory_key(NAME) == advisory_key(NAME)
    assert advisory_key(NAME) != advisory_key("usersync:pull")
    for name in (NAME, "usersync:pull", "", "ß" * 100):
        assert -2 ** 63 <= advisory_key(name) < 2 ** 63


def test_sqlite_locks_a_file_beside_the_database(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    with Leader(url, "usersync:scheduler") as leader:
        assert leader.is_leader
        assert os.path.exists(tmp_path / "store.db.usersync-scheduler.lock")
    assert lock_path("/srv/x.db", "a b/c") == "/srv/x.db.a-b-c.lock"


def test_an_in_memory_sqlite_store_always_leads():
    with Leader("sqlite:///:memory:") as one, Leader("sqlite:///:memory:") as two:
        assert one.is_leader and two.is_leader  # no other process can see such a store


@pytest.mark.skipif(not POSTGRES_URL, reason="needs USERSYNC_TEST_DATABASE_URL (PostgreSQL)")
class TestPostgreSQL:
    @pytest.fixture
    def admin(self):
        """A connection of the test's own, to look at and interfere with the leaders' sessions."""
        database = connect(POSTGRES_URL)
        database.connect()
        yield database
        database.close()

    def holder_pid(self, admin, key):
        """The backend pid that holds the advisory lock of key, if any (pg_locks splits a bigint key in two)."""
        unsigned = key & 0xFFFFFFFFFFFFFFFF
        rows = admin.execute_sql(
            "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = %s AND objid = %s"
            " AND objsubid = 1 AND database = (SELECT oid FROM pg_database WHERE datname = current_database())",
            (unsigned >> 32, unsigned & 0xFFFFFFFF)).fetchall()
        return rows[0][0] if rows else None

    def test_the_lock_is_a_session_advisory_lock_on_a_connection_of_its_own(self, admin):
        leader = Leader(POSTGRES_URL, NAME)
        try:
            assert self.holder_pid(admin, leader.key) is None
            assert leader.acquire()
            pid = self.holder_pid(admin, leader.key)
            assert pid is not None and pid != admin.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
            (taken,) = admin.execute_sql("SELECT pg_try_advisory_lock(%s)", (leader.key,)).fetchone()
            assert taken is False
        finally:
            leader.release()
        assert self.holder_pid(admin, leader.key) is None

    def test_only_the_leader_keeps_a_connection_open_and_it_is_named(self, admin):
        def sessions():
            return admin.execute_sql("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                                     " AND application_name = %s", (f"usersync leader {NAME}",)).fetchone()[0]

        # A closed connection's backend leaves pg_stat_activity a moment after the client closed it.
        eventually(lambda: sessions() == 0)
        with Leader(POSTGRES_URL, NAME) as leader, Leader(POSTGRES_URL, NAME) as follower:
            assert leader.is_leader and not follower.is_leader
            eventually(lambda: sessions() == 1)  # the leader's, named in pg_stat_activity
            time.sleep(0.2)
            assert sessions() == 1
        eventually(lambda: sessions() == 0)

    def test_a_leader_whose_session_is_killed_lets_another_lead_and_notices(self, admin):
        first, second = Leader(POSTGRES_URL, NAME), Leader(POSTGRES_URL, NAME)
        try:
            assert first.acquire() and not second.acquire()
            admin.execute_sql("SELECT pg_terminate_backend(%s)", (self.holder_pid(admin, first.key),))
            eventually(second.acquire)
            assert first.acquire() is False and not first.is_leader  # its next check finds it lost the lead
            second.release()
            assert first.acquire()  # and it can lead again, on a new connection
        finally:
            first.release()
            second.release()

    def test_an_unreachable_database_is_an_error_and_no_lead(self):
        parts = urlparse(POSTGRES_URL)
        unreachable = parts._replace(netloc=f"{parts.username}:{parts.password}@127.0.0.1:1").geturl()
        leader = Leader(unreachable + "?connect_timeout=2", NAME)
        with pytest.raises(peewee.OperationalError):
            leader.acquire()
        assert not leader.is_leader
        leader.release()

    def test_a_pooled_url_still_gets_a_connection_of_its_own(self, admin):
        pooled = POSTGRES_URL.replace("postgresql://", "postgresql+pool://", 1) + "?max_connections=2"
        with Leader(pooled, NAME) as leader:
            assert leader.is_leader
            assert not Leader(POSTGRES_URL, NAME).acquire()
        assert self.holder_pid(admin, leader.key) is None
