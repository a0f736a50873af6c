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

DRAIN_SECONDS = 10  # how long requests in flight may take to be answered after SIGTERM
_TICK = 0.2  # seconds between looks at the stop flag (a signal does not wake waitress's select loop)


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Worker threads.")
@with_appcontext
def serve(host, port, threads):
    """Serve the SCIM endpoint and admin pages with waitress; print where to sign in.

    The admin page's address is built from USERSYNC_PUBLIC_URL when it is set, else from --host and --port.
    """
    from waitress import create_server

    from provisioning.pull import scheduler as pull_scheduler

    app = current_app._get_current_object()
    if not app.config["TESTING"]:
        _configure_logging()
    sockets = {}  # waitress's socket map: the listener, its wake-up trigger and one channel per connection
    try:
        server = create_server(app, map=sockets, host=host, port=port, threads=threads,
                               clear_untrusted_proxy_headers=True, **_proxy(app.config["TRUSTED_PROXY"]))
    except OSError as error:  # the port taken, or an address this machine does not have
        raise click.ClickException(f"Cannot listen on {host} port {port}: {error.strerror or error}. "
                                   "Is another server using it? Choose another with --port (or --host).") from None
    wire_errors.install(sockets)
    url = f"http://{server.effective_host}:{server.effective_port}"
    base = signin.public_base(app.config, signin.local_url(server.effective_host, server.effective_port))
    click.echo(f"usersync serving on {url}  (SCIM base URL: {base}{PREFIX})", err=True)
    if not signin.announce(app, base):
        click.echo(signin.where(base), err=True)
    _trust_bound(app, host, server.effective_host)
    stops = []
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda received, _frame: stops.append(received))
    scheduler = pull_scheduler.start(app)  # pulls from IdPs (REST API apps), while this instance leads
    try:
        while not stops:
            _poll(server, sockets)
        scheduler.stopping.set()  # a pull in progress saves its place while the requests drain
        busy = _drain(server, sockets, stops)
        if busy:
            click.echo(f"usersync: {busy} connection(s) still busy were cut off", err=True)
    finally:
        scheduler.stop()
        _close(server, sockets)
    click.echo("usersync stopped", err=True)


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


def _configure_logging():
    """INFO and above on stderr; the request log's JSON lines (blueprints.requestlog) exactly as written."""
    # No format here shows a thread, process or multiprocessing name: not looked up for every record.
    logging.logThreads = logging.logProcesses = logging.logMultiprocessing = False
    logging.config.dictConfig({
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
                       "bare": {"format": "%(message)s"}},
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
