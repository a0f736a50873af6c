"""The `usersync` command line: serve, and manage IdP apps and host directories."""

import click
from flask.cli import FlaskGroup

from .apps import apps
from .audit import audit, traffic
from .directories import directories
from .serve import serve


def _create_app():
    from app import create_app

    return create_app()


@click.group(cls=FlaskGroup, create_app=_create_app, add_default_commands=False,
             add_version_option=False, load_dotenv=False)
def main():
    """usersync: a SCIM 2.0 provisioning target emulating miniOrange User Sync & Group Sync."""


main.add_command(serve)
main.add_command(apps)
main.add_command(audit)
main.add_command(traffic)
main.add_command(directories)
