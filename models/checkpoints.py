"""WAL checkpoints on a thread of their own, so that no write's COMMIT pays for one.

SQLite copies the WAL back into the database file inside the COMMIT that takes the WAL past
`wal_autocheckpoint` pages (1,000 by default): about every 100th user write, which then held the write gate
two to four times its usual time while the writers queued behind it waited too. Here a commit only notes that
the WAL grew; a daemon thread of the committing process runs a PASSIVE checkpoint (it waits for no reader or
writer, and holds no write lock) at most every INTERVAL seconds, on a connection of its own. SQLite's own
auto-checkpoint stays, at BACKSTOP pages, for a process whose thread falls behind; the last connection to close
checkpoints whatever is left, as always.
"""

import logging
import os
import sqlite3
import threading

INTERVAL = 0.25  # seconds between checkpoints while writes go on
BACKSTOP = 10_000  # pages (40 MB of WAL) before a COMMIT checkpoints by itself after all

log = logging.getLogger(__name__)


class Checkpointer:
    """Checkpoints one SQLite file's WAL in the background of whichever process writes to it.

    A checkpoint run while writers append never catches up with them, and SQLite starts the WAL file over
    only after a checkpoint that did: so each round copies what it can with writers going on, then takes the
    write gate (gate(): a context manager) for a second pass over the few frames appended meanwhile."""

    def __init__(self, path, gate, interval=INTERVAL):
        self.path = path
        self.gate = gate
        self.interval = interval
        self.runs = 0  # rounds this process ran (tests read it)
        self.last = None  # what the last round's gated pass reported: (busy, WAL frames, frames checkpointed)
        self._reset()

    def _reset(self):
        self._pid = os.getpid()
        self._wrote = threading.Event()
        self._stopping = threading.Event()
        self._thread = None
        self._lock = threading.Lock()

    def noted(self):
        """A write committed: a checkpoint is due within INTERVAL; the thread starts with the first write."""
        if self._pid != os.getpid():
            self._reset()  # a forked worker: the parent's thread did not come along
        self._wrote.set()
        if self._thread is None:
            with self._lock:
                if self._thread is None:
                    self._thread = threading.Thread(target=self._run, name="usersync-checkpoints", daemon=True)
                    self._thread.start()

    def stop(self, wait=True):
        """End the thread after its round in progress (the store is closed, or bound again): it holds no connection
        between rounds, so the last connection to close still checkpoints and removes the WAL. A later write starts
        a new thread."""
        thread = self._thread
        if thread is None or self._pid != os.getpid():
            return
        self._stopping.set()
        self._wrote.set()
        if wait:
            thread.join(timeout=10)
        self._reset()

    def checkpoint(self, connection):
        """One round: (busy, WAL frames, frames checkpointed) of its gated pass, as SQLite reports them."""
        connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
        with self.gate():
            self.last = tuple(connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone())
        self.runs += 1
        return self.last

    def _run(self):
        stopping, wrote = self._stopping, self._wrote  # this thread's own, whatever a stop() resets
        try:
            while True:
                wrote.wait()
                if stopping.is_set():
                    return
                wrote.clear()
                self._round()
                if stopping.wait(self.interval):  # a pause, so a burst of writes shares one round
                    return
        except Exception:  # the backstop (and the last connection's close) still checkpoint
            log.exception("background WAL checkpoints stopped for %s", self.path)

    def _round(self):
        connection = sqlite3.connect(self.path, timeout=0, isolation_level=None)
        try:
            self.checkpoint(connection)
        except sqlite3.OperationalError as error:  # another process's checkpoint runs: it does the work
            log.debug("WAL checkpoint skipped: %s", error)
        finally:
            connection.close()
