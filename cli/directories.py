"""`usersync directories ...`: list and create host user directories."""

import json

import click
from flask.cli import with_appcontext

from cli.terminal import shown
from models import db
from store.tenancy import directories as directory_store


@click.group()
def directories():
    """Manage the host user directories that apps provision into."""


@directories.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_directories(as_json):
    """List the directories in order (the first is the default), with their counts."""
    with db.connection_context():
        records = directory_store.list_directories()
    if as_json:
        click.echo(json.dumps(records, ensure_ascii=False))
        return
    for r in records:
        apps = ", ".join(shown(app) for app in r["apps"]) or "no apps"
        click.echo(f"{r['position']:>3}  {shown(r['name']):<35} {r['users']} users ({r['active_users']} active), "
                   f"{r['groups']} groups; {apps}{' (default)' if r['default'] else ''}")


@directories.command("create")
@click.argument("name")
@click.option("--description", default="", help="What the directory is for.")
@click.option("--position", type=click.IntRange(min=0),
              help="Its place in the order, moving the directories at or after it down one; 0 is first, "
                   "which makes it the default directory. Default: last.")
@with_appcontext
def create(name, description, position):
    """Create an empty directory (no users, no groups)."""
    with db.connection_context():
        try:
            directory = directory_store.create(name, description, position)
        except directory_store.DirectoryError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Created directory '{shown(directory.name)}' at position {directory.position}.")
