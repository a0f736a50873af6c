"""`usersync serve`: waitress, stopping cleanly on SIGINT and SIGTERM."""

import signal

import click
from flask import current_app
from flask.cli import with_appcontext

from scim.constants import BASE_PATH as PREFIX


class _Stop(Exception):
    """Raised by the signal handler to leave waitress's loop."""


def _stop(_signum, _frame):
    raise _Stop()


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8090, show_default=True, type=click.IntRange(0, 65535), help="Port (0: any free one).")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256), help="Worker threads.")
@with_appcontext
def serve(host, port, threads):
    """Serve the SCIM endpoint and admin pages with waitress."""
    from waitress import create_server

    app = current_app._get_current_object()
    server = create_server(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)
    url = f"http://{server.effective_host}:{server.effective_port}"
    click.echo(f"usersync serving on {url}  (SCIM base URL: {url}{PREFIX})", err=True)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    try:
        server.run()
    except (_Stop, KeyboardInterrupt):
        pass
    finally:
        server.close()
        click.echo("usersync stopped", err=True)
