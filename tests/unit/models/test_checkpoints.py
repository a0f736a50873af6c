"""WAL checkpoints run on a thread of the writing process, so no write's COMMIT pays for one (SQLite only)."""

import os
import time

import pytest

from models import Directory, db, init_db, migrate
from models.checkpoints import BACKSTOP
from tests.postgres import DATABASES

pytestmark = pytest.mark.skipif(bool(DATABASES), reason="WAL checkpoints are SQLite's")


@pytest.fixture
def store(tmp_path):
    path = tmp_path / "usersync.db"
    init_db(f"sqlite:///{path}")
    migrate()
    yield path
    db.close()


def _write(count, start=0):
    for n in range(start, start + count):
        with db.atomic():
            Directory.create(name=f"directory {n}", position=n + 10)


def _settled(checkpoints, runs, seconds=5.0):
    """Wait (by polling the count, never a fixed sleep) until the thread has run more than runs rounds."""
    deadline = time.monotonic() + seconds
    while checkpoints.runs <= runs and time.monotonic() < deadline:
        time.sleep(0.01)
    return checkpoints.runs


def test_a_commit_does_not_checkpoint_the_thread_does(store):
    assert db.execute_sql("PRAGMA wal_autocheckpoint").fetchone()[0] == BACKSTOP
    checkpoints = db.obj.checkpoints
    _write(1)
    assert _settled(checkpoints, 0) >= 1
    busy, frames, done = checkpoints.last
    assert busy == 0 and frames == done > 0  # the gated pass caught up: the next write starts the WAL over


def test_the_wal_stays_small_under_a_stream_of_writes(store):
    """3,000 writes append some 6,500 pages of WAL: without the thread the file would reach the 10,000-page
    backstop's neighbourhood; with it, the WAL starts over after each round that caught up."""
    _write(3000)
    assert db.obj.checkpoints.runs >= 1
    assert os.path.getsize(f"{store}-wal") < BACKSTOP * 4096 // 2


def test_a_forked_process_checkpoints_its_own_writes(store):
    _write(1)
    pid = os.fork()
    if pid == 0:  # the child: the parent's thread did not come along; its first write starts its own
        try:
            checkpoints = db.obj.checkpoints
            _write(1, start=1)
            os._exit(0 if _settled(checkpoints, 0) >= 1 and checkpoints._pid == os.getpid() else 1)
        except BaseException:
            os._exit(2)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
