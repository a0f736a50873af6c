"""`usersync apps ...`: create, list, rotate-token, delete IdP apps."""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from blueprints.scim.http import PREFIX
from models import IdpApp, db
from store import apps as app_store


def _base_url():
    return current_app.config["PUBLIC_URL"].rstrip("/") + PREFIX


def _show(app, token=None, as_json=False):
    record = {"name": app.name, "provider": app.provider, "method": app.method, "base_url": _base_url()}
    if token:
        record["token"] = token
    if as_json:
        click.echo(json.dumps(record))
        return
    click.echo(f"App:           {app.name} ({app_store.PROVIDERS[app.provider]}, {app.method.upper()})")
    click.echo(f"SCIM Base URL: {record['base_url']}")
    if token:
        click.echo(f"Bearer token:  {token}")
        click.echo("Copy the token now: it is stored only as a hash and cannot be shown again.")


def _fail(error):
    raise click.ClickException(str(error))


@click.group()
def apps():
    """Manage the IdP apps that provision into this instance."""


@apps.command("create")
@click.option("--name", required=True, help="A name for the IdP app.")
@click.option("--provider", required=True, type=click.Choice(sorted(app_store.PROVIDERS)), help="The identity provider.")
@click.option("--method", default="scim", show_default=True, type=click.Choice(app_store.METHODS), help="Sync method.")
@click.option("--json", "as_json", is_flag=True, help='Print {"name","provider","base_url","token"} as JSON.')
@with_appcontext
def create(name, provider, method, as_json):
    """Create an app and print its SCIM base URL and bearer token (once)."""
    with db.connection_context():
        try:
            app, token = app_store.create(name, provider, method)
        except app_store.AppError as error:
            _fail(error)
    _show(app, token, as_json)


@apps.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_apps(as_json):
    """List the configured apps (never their tokens)."""
    with db.connection_context():
        rows = list(IdpApp.select().order_by(IdpApp.name))
        records = [{"name": a.name, "provider": a.provider, "method": a.method, "enabled": a.enabled,
                    "directory": a.directory.name, "created": a.created.isoformat() + "Z",
                    "last_used": a.last_used.isoformat() + "Z" if a.last_used else None} for a in rows]
    if as_json:
        click.echo(json.dumps(records))
        return
    if not records:
        click.echo("No apps configured. Create one with: usersync apps create --name NAME --provider oracle")
    for r in records:
        click.echo(f"{r['name']:<30} {r['provider']:<10} {r['method'].upper():<5} {r['directory']:<35} "
                   f"last used {r['last_used'] or 'never'}")


@apps.command("rotate-token")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print the new token as JSON.")
@with_appcontext
def rotate_token(name, as_json):
    """Issue a new bearer token; the old one stops working at once."""
    with db.connection_context():
        try:
            app, token = app_store.rotate(name)
        except app_store.AppError as error:
            _fail(error)
    _show(app, token, as_json)


@apps.command("delete")
@click.argument("name")
@with_appcontext
def delete(name):
    """Delete an app; its users and groups stay in their directory."""
    with db.connection_context():
        try:
            app_store.delete(name)
        except app_store.AppError as error:
            _fail(error)
    click.echo(f"Deleted app '{name}'.")
