"""`usersync serve --workers N`: N processes serve one listening socket, and this one supervises them.

The parent builds the app (migrations, the first start's password, the audit purge: once), binds the
socket, closes its pooled connections and forks the workers, which inherit the app and the socket and
open connections of their own. A SQLite or PostgreSQL connection used by two processes corrupts its
state, so none is open across a fork. The parent then runs no thread and holds no connection, so forking
it again to replace a worker that died is as safe as the first time.
"""

import atexit
import ctypes
import gc
import logging
import os
import signal
import socket
import sys
import time

import click

MAX_WORKERS = 64
FAST_EXIT = 10.0  # seconds: a worker that dies younger than this is failing to start (or failing at once)
BACKOFF = (0.1, 0.5, 1.0, 2.0, 4.0)  # seconds before a replacement, after 1, 2, ... fast failures in a row
GIVE_UP_AFTER = len(BACKOFF) + 1  # fast failures in a row: then stop, and say why
STOP_GRACE = 2.0  # seconds past the drain a worker has to exit before it is killed
_TICK = 0.1  # seconds between looks for signals and exited workers

log = logging.getLogger("usersync.serve")


class _Workers(click.ParamType):
    """A number of processes, or `auto`: one per CPU."""

    name = "N|auto"

    def convert(self, value, param, ctx):
        if isinstance(value, int):
            return value
        text = str(value).strip().lower()
        if text == "auto":
            return min(os.cpu_count() or 1, MAX_WORKERS)
        if not text.isdigit() or not 1 <= int(text) <= MAX_WORKERS:
            self.fail(f"'{value}' is neither a number of processes from 1 to {MAX_WORKERS} nor 'auto'.", param, ctx)
        return int(text)


WORKERS = _Workers()


class JsonWithPid(logging.Formatter):
    """The request log's JSON line with a last field "pid": which worker answered; other lines as written."""

    def format(self, record):
        text = super().format(record)
        if record.exc_info is None and text.startswith("{") and text.endswith("}"):
            return f'{text[:-1]},"pid":{record.process}}}'
        return text


def bind(host, port, refused):
    """A listening TCP socket on host and port (0: any free one); refused(host, port, error) is raised."""
    sock = None
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host or None, port, socket.AF_UNSPEC,
                                                             socket.SOCK_STREAM, 0, socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as waitress does: a restart finds it free
        if family == socket.AF_INET6:
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen(1024)  # waitress's default backlog
    except OSError as error:
        if sock is not None:
            sock.close()
        raise refused(host, port, error) from None
    return sock


def supervise(app, sock, threads, count, serve):
    """Run count workers (serve(app, sock, threads, label) in each) until SIGTERM or SIGINT, replacing those
    that die; then stop them all. ClickException when workers keep dying as they start, or a stop failed."""
    from .serve import DRAIN_SECONDS

    _close_connections()
    stops = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: stops.append(received))
    supervisor = os.getpid()
    pool = _Pool(lambda: _worker(app, sock, threads, serve, supervisor))
    try:
        _keep_running(pool, count, stops)
    finally:
        sock.close()  # once the workers close theirs as they drain, new connections are refused, not queued
        killed = pool.stop(stops, DRAIN_SECONDS + STOP_GRACE)
    if killed:
        raise click.ClickException(f"{killed} worker(s) did not stop within {DRAIN_SECONDS + STOP_GRACE:g} s "
                                   "and were killed")
    click.echo("usersync stopped", err=True)


def _keep_running(pool, count, stops):
    """Start count workers; replace each that exits, later and later while they die young; until a signal."""
    due = [0.0] * count  # when each missing worker is to be started
    failures = 0
    while not stops:
        now = time.monotonic()
        for when in [when for when in due if when <= now]:
            due.remove(when)
            pool.spawn()
        for pid, status, age in pool.reap():
            failures = failures + 1 if age < FAST_EXIT else 0
            if failures >= GIVE_UP_AFTER:
                raise click.ClickException(f"workers died within {FAST_EXIT:g} s of starting {failures} times in "
                                           "a row; giving up (the errors are above)")
            delay = BACKOFF[failures - 1] if failures else 0.0
            click.echo(f"usersync: worker {pid} {_exit_of(status)}; starting another"
                       + (f" in {delay:g} s" if delay else ""), err=True)
            due.append(time.monotonic() + delay)
        time.sleep(_TICK)


class _Pool:
    """The live workers, by pid, with when each started."""

    def __init__(self, start):
        self._start = start
        self.started = {}  # pid -> time.monotonic() at its start

    def spawn(self):
        sys.stdout.flush()
        sys.stderr.flush()  # a forked child would write the parent's buffered lines again
        # The app built in the parent moves to the collector's permanent generation: a child's collections
        # then never walk (and so never copy-on-write) the pages of those objects (Python docs, gc.freeze).
        gc.freeze()
        pid = os.fork()
        if pid == 0:
            self._start()  # never returns
        self.started[pid] = time.monotonic()
        click.echo(f"usersync: worker {pid} started", err=True)

    def reap(self):
        """(pid, wait status, seconds it lived) of each worker that exited since the last look."""
        exited = []
        while self.started:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                break
            if pid == 0:
                break
            started = self.started.pop(pid, None)
            if started is not None:
                exited.append((pid, status, time.monotonic() - started))
        return exited

    def signal(self, signum):
        for pid in self.started:
            try:
                os.kill(pid, signum)
            except ProcessLookupError:
                pass  # exited; reaped on the next look

    def stop(self, stops, timeout):
        """SIGTERM every worker (again at each further signal: each cuts its drain short); SIGKILL those
        still there after timeout seconds. How many had to be killed."""
        self.signal(signal.SIGTERM)
        forwarded = len(stops)
        deadline = time.monotonic() + timeout
        while self.started and time.monotonic() < deadline:
            if len(stops) > forwarded:
                forwarded = len(stops)
                self.signal(signal.SIGTERM)
            for pid, status, _age in self.reap():
                if status != 0:
                    click.echo(f"usersync: worker {pid} {_exit_of(status)}", err=True)
            time.sleep(_TICK / 2)
        killed = list(self.started)
        self.signal(signal.SIGKILL)
        for pid in killed:
            os.waitpid(pid, 0)
            self.started.pop(pid, None)
        return len(killed)


def _exit_of(status):
    """'exited with status 1' or 'was killed by signal SIGKILL'."""
    code = os.waitstatus_to_exitcode(status)
    if code >= 0:
        return f"exited with status {code}"
    try:
        return f"was killed by signal {signal.Signals(-code).name}"
    except ValueError:
        return f"was killed by signal {-code}"


def _worker(app, sock, threads, serve, supervisor):
    """In a forked child: serve until SIGTERM, then exit; never returns into the parent's code."""
    code = 1
    try:
        # The parent's handlers only note a signal in the parent's list: until serve installs its own,
        # SIGTERM ends the worker. Ctrl-C reaches the whole process group: the parent forwards it as
        # SIGTERM, once, to each worker.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        _die_with_parent(supervisor)
        serve(app, sock, threads, f"usersync worker {os.getpid()}")
        code = 0
    except BaseException:
        log.exception("worker %s failed", os.getpid())
    finally:
        try:
            atexit._run_exitfuncs()  # what a process exiting normally runs: the write gate's hold times logged
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)


def _die_with_parent(parent):
    """Have Linux SIGTERM this worker when the parent dies (even by SIGKILL), so that none is left behind."""
    try:
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # 1: PR_SET_PDEATHSIG
    except (AttributeError, OSError):
        return  # not Linux: a worker outlives a parent that was killed outright
    if os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGTERM)  # the parent died before the request was made


def _close_connections():
    """Close every pooled connection of this process: a connection must never cross a fork."""
    from models import db

    if not db.is_closed():
        db.close()
    close_all = getattr(db.obj, "close_all", None)
    if close_all is not None:
        close_all()
