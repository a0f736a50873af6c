"""`usersync serve`: waitress; SIGTERM or SIGINT stop it without dropping a request in flight."""

import logging.config
import signal
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from blueprints import hosts
from scim.constants import BASE_PATH as PREFIX

from . import signin, wire_errors
from . import workers as supervisor

DRAIN_SECONDS = 10  # how long requests in flight may take to be answered after SIGTERM
_TICK = 0.2  # seconds between looks at the stop flag (a signal does not wake waitress's select loop)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Threads (of each worker process).")
@click.option("--workers", default="1", show_default=True, type=supervisor.WORKERS,
              help="Processes serving the one port (auto: one per CPU); each has --threads threads.")
@with_appcontext
def serve(host, port, threads, workers):
    """Serve the SCIM endpoint and admin pages with waitress; print where to sign in.

    The admin page's address is built from USERSYNC_PUBLIC_URL when it is set, else from --host and --port.
    """
    app = current_app._get_current_object()
    if not app.config["TESTING"]:
        _configure_logging(workers > 1)
    if workers > 1:
        sock = supervisor.bind(host, port, listen_error)
        _announce(app, host, *sock.getsockname()[:2])
        supervisor.supervise(app, sock, threads, workers, serve_socket)
        return
    from waitress import create_server

    sockets = {}  # waitress's socket map: the listener, its wake-up trigger and one channel per connection
    try:
        server = create_server(app, map=sockets, host=host, port=port, threads=threads, **_waitress_options(app))
    except OSError as error:  # the port taken, or an address this machine does not have
        raise listen_error(host, port, error) from None
    _announce(app, host, server.effective_host, server.effective_port)
    run(app, server, sockets, "usersync")


def listen_error(host, port, error):
    """The message for a port that cannot be listened on."""
    return click.ClickException(f"Cannot listen on {host} port {port}: {error.strerror or error}. "
                                "Is another server using it? Choose another with --port (or --host).")


def _waitress_options(app):
    return {"clear_untrusted_proxy_headers": True, **_proxy(app.config["TRUSTED_PROXY"])}


def _announce(app, host, effective_host, effective_port):
    """Say where the server listens and where to sign in (the first start's password, once); trust that host."""
    url = f"http://{effective_host}:{effective_port}"
    base = signin.public_base(app.config, signin.local_url(effective_host, effective_port))
    click.echo(f"usersync serving on {url}  (SCIM base URL: {base}{PREFIX})", err=True)
    if not signin.announce(app, base):
        click.echo(signin.where(base), err=True)
    _trust_bound(app, host, effective_host)


def serve_socket(app, sock, threads, label):
    """Serve on a socket bound already (a worker of `serve --workers`), until SIGTERM or SIGINT."""
    from waitress import create_server

    sockets = {}
    server = create_server(app, map=sockets, sockets=[sock], threads=threads, **_waitress_options(app))
    run(app, server, sockets, label, (signal.SIGTERM,))  # SIGINT: the supervisor forwards it as SIGTERM


def run(app, server, sockets, label, signals=(signal.SIGTERM, signal.SIGINT)):
    """Serve until one of signals, then drain the requests in flight and close; the pull scheduler beside.

    Every worker of `serve --workers` starts a scheduler: only the one that leads (store.ops.leader) pulls."""
    from provisioning.pull import scheduler as pull_scheduler

    wire_errors.install(sockets)
    stops = []
    for signum in signals:
        signal.signal(signum, lambda received, _frame: stops.append(received))
    scheduler = pull_scheduler.start(app)  # pulls from IdPs (REST API apps), while this process leads
    try:
        while not stops:
            _poll(server, sockets)
        scheduler.stopping.set()  # a pull in progress saves its place while the requests drain
        busy = _drain(server, sockets, stops)
        if busy:
            click.echo(f"{label}: {busy} connection(s) still busy were cut off", err=True)
    finally:
        scheduler.stop()
        _close(server, sockets)
    click.echo(f"{label} stopped", err=True)


def _trust_bound(app, host, effective_host):
    """Answer requests for the address serve listens on; bound to every interface, say which hosts it answers."""
    hosts.trust(app, host, effective_host)
    if host in hosts.WILDCARDS and not hosts.trusted(app).any:
        click.echo(f"Answering requests for {', '.join(hosts.trusted(app).listed())} only: add the names and "
                   f"addresses admins and IdPs use to {hosts.SETTING}.", err=True)


def _poll(server, sockets):
    """One turn of waitress's loop (accept, read, write), waiting at most _TICK seconds for something to do."""
    from waitress import wasyncore

    wasyncore.loop(timeout=_TICK, map=sockets, use_poll=server.adj.asyncore_use_poll, count=1)


def _drain(server, sockets, stops):
    """Stop accepting, then keep serving until every request in flight is answered; how many were not.

    Idle keep-alive connections are closed at once, busy ones as soon as their response is sent.
    A second signal, or DRAIN_SECONDS, ends the wait.
    """
    from waitress import wasyncore
    from waitress.channel import HTTPChannel
    from waitress.server import BaseWSGIServer

    for listener in [d for d in sockets.values() if isinstance(d, BaseWSGIServer)]:
        # Not listener.close(): that also closes the trigger the worker threads wake this loop with.
        wasyncore.dispatcher.close(listener)
    deadline = time.monotonic() + DRAIN_SECONDS
    while True:
        busy = 0
        for channel in [d for d in sockets.values() if isinstance(d, HTTPChannel)]:
            # requests: being served; request: partly received; outbufs: answered, not yet sent.
            if channel.requests or channel.request is not None or channel.total_outbufs_len:
                busy += 1
            else:
                channel.handle_close()
        if not busy or len(stops) > 1 or time.monotonic() >= deadline:
            return busy
        _poll(server, sockets)


def _close(server, sockets):
    """Close every socket, then let the worker threads go (they are idle unless the drain was cut off)."""
    from waitress import wasyncore

    wasyncore.close_all(sockets, ignore_all=True)
    server.task_dispatcher.shutdown(timeout=1)


def _configure_logging(several):
    """INFO and above on stderr; the request log's JSON lines (blueprints.requestlog) exactly as written.

    several: with several worker processes, each line names the process that wrote it (the JSON lines
    gain a "pid" field)."""
    # No format shows a thread or multiprocessing name: not looked up for every record.
    logging.logThreads = logging.logMultiprocessing = False
    logging.logProcesses = several
    pid = "[pid %(process)d] " if several else ""
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": f"%(asctime)s {pid}%(levelname)s %(name)s: %(message)s"},
                       "bare": {"()": supervisor.JsonWithPid} if several else {"format": "%(message)s"}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"},
                     "requests": {"class": "logging.StreamHandler", "formatter": "bare"}},
        "loggers": {"usersync.requests": {"handlers": ["requests"], "propagate": False}},
        "root": {"level": "INFO", "handlers": ["stderr"]},
    })


def _proxy(trusted):
    """Behind a reverse proxy, believe its X-Forwarded-* headers: the client address (login
    throttling), the scheme and the host (the SCIM base URL shown to admins)."""
    if not trusted:
        return {}
    return {"trusted_proxy": trusted, "trusted_proxy_count": 1,
            "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-forwarded-port"}}
