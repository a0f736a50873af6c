"""`usersync sync APP [--full]` pulls from an app's IdP now; `usersync sync-source APP ...` says where from."""

import json
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from cli.terminal import shown
from models import db
from store.pull import runs, sources
from store.tenancy import apps
from store.tenancy import secrets as secret_store
from sync.sources import SourceConfigError

SECRET_ENV = "USERSYNC_SYNC_SECRET"  # the client secret or bearer token, for scripts (never a flag: shell history)


def _app_named(name):
    app = apps.by_name(name)
    if app is None:
        raise click.ClickException(f"No app named '{name}'.")
    return app


def _key():
    try:
        return secret_store.key_from(current_app.config)
    except secret_store.SecretKeyError as error:
        raise click.ClickException(str(error)) from None


@click.command("sync")
@click.argument("app_name", metavar="APP")
@click.option("--full", is_flag=True, help="Read every user again (and handle those deleted at the source), "
                                           "not only those changed since the last run.")
@click.option("--json", "as_json", is_flag=True, help="Print the finished run as JSON.")
@with_appcontext
def sync(app_name, full, as_json):
    """Pull users and groups from APP's identity provider now, in the foreground."""
    from provisioning.pull import engine

    key = _key()
    with db.connection_context():
        app = _app_named(app_name)
        owner = runs.owner_id()
        try:
            run_id = runs.begin(app, full=full, trigger="cli", owner=owner)
        except runs.SyncRefused as refused:
            raise click.ClickException(str(refused)) from None
        click.echo(f"pull run #{run_id} of '{shown(app.name)}' started", err=True)
        engine.run(app, run_id, key, progress=_progress, owner=owner)
        result = runs.status(run_id)
    _report(result, as_json)


def _progress(phase, done, total):
    """One line on stderr per saved page."""
    click.echo(f"  {phase}: {done}" + (f" of {total}" if total is not None else ""), err=True)


def _report(result, as_json):
    if as_json:
        click.echo(json.dumps(result))
    else:
        counts = ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in result["counts"].items())
        click.echo(f"pull run #{result['id']} {result['status']}: {counts or 'nothing to pull'}")
    if result["status"] != "succeeded":
        # The error can quote the IdP's own answer: written out, like every table's IdP text.
        raise click.ClickException(shown(result["error"]) if result["error"] else f"the run ended {result['status']}")


@click.command("sync-source")
@click.argument("app_name", metavar="APP")
@click.option("--oracle", "domain_url", metavar="DOMAIN_URL",
              help="An Oracle identity domain URL (https://idcs-….com).")
@click.option("--scim", "base_url", metavar="URL", help="Any SCIM 2.0 API's base URL.")
@click.option("--client-id", help="The OAuth2 client ID (Oracle: the confidential application's).")
@click.option("--token-url", help="--scim with OAuth2 client credentials: the token endpoint (else a bearer token).")
@click.option("--scope", help="--scim with OAuth2: the scope to ask for, if the server needs one.")
@click.option("--schedule", type=click.Choice(list(sources.SCHEDULES)), help="How often to pull by itself.")
@with_appcontext
def sync_source(app_name, domain_url, base_url, client_id, token_url, scope, schedule):
    """Set where APP pulls from. The client secret (or bearer token) is read from $USERSYNC_SYNC_SECRET or a
    prompt, never from a flag; an empty answer keeps the stored one."""
    if bool(domain_url) == bool(base_url):
        raise click.UsageError("Give either --oracle DOMAIN_URL or --scim URL.")
    kind, settings = _settings(domain_url, base_url, client_id, token_url, scope)
    key = _key()
    with db.connection_context():
        app = _app_named(app_name)
        stored = sources.settings_of(app)
        secret = _secret(kind, settings, bool(stored and stored["has_secret"]))
        name = "bearer_token" if kind == "scim" and settings.get("auth") == "bearer" else "client_secret"
        try:
            sources.configure(app, kind, settings, {name: secret} if secret else {}, key)
            if schedule:
                sources.set_schedule(app, schedule)
        except SourceConfigError as error:
            raise click.ClickException(str(error)) from None
        described = sources.describe(sources.source_for(app, key))
        every = sources.SCHEDULES[sources.settings_of(app)["schedule"]].lower()
    click.echo(f"'{shown(app.name)}' pulls from {shown(described)}; schedule: {every}")


def _settings(domain_url, base_url, client_id, token_url, scope):
    if domain_url:
        return "oracle", {"domain_url": domain_url, "client_id": client_id or ""}
    if token_url or client_id:
        return "scim", {"base_url": base_url, "auth": "oauth", "token_url": token_url or "",
                        "client_id": client_id or "", "scope": scope}
    return "scim", {"base_url": base_url, "auth": "bearer"}


def _secret(kind, settings, stored):
    """The secret from the environment or a prompt (without echo); '' keeps the stored one."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    what = "Bearer token" if kind == "scim" and settings.get("auth") == "bearer" else "Client secret"
    hint = " (empty: keep the stored one)" if stored else ""
    return click.prompt(f"{what}{hint}", hide_input=True, default="" if stored else None, show_default=False)
