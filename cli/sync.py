"""`usersync sync APP [--full]` pulls from an app's IdP now; `usersync sync-source APP ...` says where from (its
flags: cli/sources.py)."""

import json
import os

import click
from flask import current_app
from flask.cli import with_appcontext

from cli import sources as source_flags
from cli.terminal import shown
from models import db
from store.pull import runs, sources
from store.tenancy import apps
from store.tenancy import secrets as secret_store
from sync.sources import SourceConfigError

SECRET_ENV = "USERSYNC_SYNC_SECRET"  # the client secret, bearer or API token, for scripts (never a flag: shell history)


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
@click.option("--oracle", metavar="DOMAIN_URL", help="An Oracle identity domain URL (https://idcs-….com).")
@click.option("--scim", metavar="URL", help="Any SCIM 2.0 API's base URL.")
@click.option("--entra", metavar="TENANT_ID", help="Microsoft Entra ID (Graph API): the tenant ID or a verified "
                                                   "domain.")
@click.option("--okta", metavar="ORG_URL", help="Okta (Management API): the org's URL, like https://dev-1.okta.com.")
@click.option("--keycloak", metavar="BASE_URL", help="Keycloak (Admin REST API): the server's root URL.")
@click.option("--google", metavar="CUSTOMER_OR_DOMAIN", help="Google Workspace (Directory API): my_customer, a "
                                                             "customer ID or a domain.")
@click.option("--client-id", help="The OAuth2 client ID (--oracle, --scim, --entra, --keycloak).")
@click.option("--token-url", help="--scim with OAuth2 client credentials: the token endpoint (else a bearer token); "
                                  "--google: where the signed assertion is sent.")
@click.option("--scope", help="--scim with OAuth2: the scope to ask for, if the server needs one.")
@click.option("--username-attribute", type=click.Choice(["userPrincipalName", "mail", "onPremisesSamAccountName"]),
              help="--entra: the attribute that becomes the userName (default userPrincipalName).")
@click.option("--from-groups", metavar='"G1,G2"', help="--entra: pull only the members of these groups.")
@click.option("--login-url", metavar="URL", help="--entra: the login host (a national cloud, a test server).")
@click.option("--graph-url", metavar="URL", help="--entra: the Microsoft Graph host.")
@click.option("--app-id", help="--okta: read only the users and groups assigned to this app.")
@click.option("--realm", help="--keycloak: the realm to read.")
@click.option("--admin-email", metavar="EMAIL", help="--google: the admin the service account acts as.")
@click.option("--service-account-json", metavar="PATH", help="--google: the service account's JSON key file, read "
                                                             "once and stored encrypted.")
@click.option("--api-url", metavar="URL", help="--google: the Directory API's host (a proxy, a test server).")
@click.option("--schedule", type=click.Choice(list(sources.SCHEDULES)), help="How often to pull by itself.")
@with_appcontext
def sync_source(app_name, schedule, **options):
    """Set where APP pulls from: exactly one of --oracle, --scim, --entra, --okta, --keycloak, --google. The client
    secret (or bearer token, or API token) is read from $USERSYNC_SYNC_SECRET or a prompt, never from a flag; an
    empty answer keeps the stored one. Google's key file is read from --service-account-json."""
    kind, settings = source_flags.chosen(options)
    name = source_flags.secret_name(kind, settings)
    key_file = options.get("service_account_json")
    given = source_flags.read_key_file(key_file) if key_file else None
    key = _key()
    with db.connection_context():
        app = _app_named(app_name)
        stored = sources.settings_of(app)
        kept = bool(stored and stored["has_secret"] and stored["kind"] == kind)
        if kind == "google" and given is None and not kept:
            raise click.UsageError("--google needs --service-account-json PATH.")
        secret = given if kind == "google" else _secret(name, kept)
        try:
            sources.configure(app, kind, settings, {name: secret} if secret else {}, key)
            if schedule:
                sources.set_schedule(app, schedule)
        except SourceConfigError as error:
            raise click.ClickException(str(error)) from None
        described = sources.describe(sources.source_for(app, key))
        every = sources.SCHEDULES[sources.settings_of(app)["schedule"]].lower()
    click.echo(f"'{shown(app.name)}' pulls from {shown(described)}; schedule: {every}")


def _secret(name, stored):
    """The secret from the environment or a prompt (without echo); '' keeps the stored one."""
    if os.environ.get(SECRET_ENV):
        return os.environ[SECRET_ENV]
    hint = " (empty: keep the stored one)" if stored else ""
    return click.prompt(f"{source_flags.PROMPTS.get(name, name)}{hint}", hide_input=True,
                        default="" if stored else None, show_default=False)
