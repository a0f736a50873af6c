"""`usersync apps ...`: create, list, show, set, map, rename, rotate-token, delete IdP apps."""

import dataclasses
import json
import shlex
import textwrap

import click
from flask import current_app
from flask.cli import with_appcontext

from cli.terminal import shown
from scim.constants import BASE_PATH as PREFIX
from models import db
from rules.options import HELP, Options
from store.tenancy import apps as app_store

OPTION_TYPES = {f.name: f.type for f in dataclasses.fields(Options)}
APP_KEYS = {
    "directory": (str, "the host directory the app provisions into (a directory name; see `usersync directories`)."),
    "enabled": (bool, "false: the app's token is refused (401) until it is enabled again."),
}
BOOLEANS = {"true": True, "yes": True, "on": True, "1": True, "false": False, "no": False, "off": False, "0": False}


def _base_url():
    return current_app.config["PUBLIC_URL"].rstrip("/") + PREFIX


def _show(app, token=None, as_json=False):
    record = {"name": app.name, "provider": app.provider, "method": app.method, "base_url": _base_url()}
    if token:
        record["token"] = token
    if as_json:
        click.echo(json.dumps(record))
        return
    click.echo(f"App:           {shown(app.name)} ({app_store.PROVIDERS[app.provider]}, {app.method.upper()})")
    click.echo(f"SCIM Base URL: {record['base_url']}")
    if token:
        click.echo(f"Bearer token:  {token}")
        click.echo("Copy the token now: it is stored only as a hash and cannot be shown again.")
    if app.method == "rest" and token:
        click.echo("This app pulls from its IdP (the token serves only if the IdP also pushes over SCIM). Next, say "
                   f"where from:\n  usersync sync-source {shown(shlex.quote(app.name))} "
                   f"{SOURCE_FLAGS.get(app.provider, SOURCE_FLAGS['custom'])}")


# What `sync-source` asks of each provider's REST API source (docs/pull-sync.md).
SOURCE_FLAGS = {
    "oracle": "--oracle DOMAIN_URL --client-id ID",
    "entra": "--entra TENANT_ID --client-id ID",
    "okta": "--okta ORG_URL",
    "keycloak": "--keycloak BASE_URL --realm REALM --client-id ID",
    "google": "--google CUSTOMER_OR_DOMAIN --admin-email EMAIL --service-account-json PATH",
    "custom": "--scim URL",
}


def _fail(error):
    raise click.ClickException(str(error))


@click.group()
def apps():
    """Manage the IdP apps that provision into this instance."""


@apps.command("create")
@click.option("--name", required=True, help="A name for the app (at most 120 characters; unique regardless of case).")
@click.option("--provider", required=True, type=click.Choice(sorted(app_store.PROVIDERS)), help="The identity provider.")
@click.option("--method", default="scim", show_default=True, type=click.Choice(app_store.METHODS), help="Sync method.")
@click.option("--directory", metavar="NAME", help="An existing host directory (default: the first directory).")
@click.option("--json", "as_json", is_flag=True, help='Print {"name","provider","base_url","token"} as JSON.')
@with_appcontext
def create(name, provider, method, directory, as_json):
    """Create an app and print its SCIM base URL and bearer token (once); for --method rest, also the
    sync-source command that says where it pulls from."""
    with db.connection_context():
        try:
            app, token = app_store.create(name, provider, method, directory)
        except app_store.AppError as error:
            _fail(error)
    _show(app, token, as_json)


@apps.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_apps(as_json):
    """List the configured apps (never their tokens)."""
    with db.connection_context():
        rows = app_store.listed()
        records = [{"name": a.name, "provider": a.provider, "method": a.method, "enabled": a.enabled,
                    "directory": a.directory.name, "created": a.created.isoformat() + "Z",
                    "last_used": a.last_used.isoformat() + "Z" if a.last_used else None} for a in rows]
    if as_json:
        click.echo(json.dumps(records))
        return
    if not records:
        click.echo("No apps configured. Create one with: usersync apps create --name NAME --provider oracle")
    for r in records:
        click.echo(f"{shown(r['name']):<30} {r['provider']:<10} {r['method'].upper():<5} {shown(r['directory']):<35} "
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


@apps.command("rename")
@click.argument("name")
@click.argument("new_name")
@with_appcontext
def rename(name, new_name):
    """Rename an app; its token, options, users and groups stay. Names are unique regardless of case."""
    with db.connection_context():
        try:
            app, changed = app_store.rename(name, new_name)
        except app_store.AppError as error:
            _fail(error)
    if changed:
        click.echo(f"Renamed app '{shown(changed['name'][0])}' to '{shown(app.name)}'.")
    else:
        click.echo(f"Nothing changed: the app is named '{shown(app.name)}' already.")


@apps.command("delete")
@click.argument("name")
@with_appcontext
def delete(name):
    """Delete an app; its users and groups stay in their directory."""
    with db.connection_context():
        try:
            app = app_store.delete(name)
        except app_store.AppError as error:
            _fail(error)
    click.echo(f"Deleted app '{shown(app.name)}'.")


def as_text(value):
    """A setting as `apps set` reads it: true/false, comma-separated lists, JSON objects, text."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _setting(value):
    """A setting as `apps set` reads it, its control characters written out for the terminal."""
    return shown(as_text(value)) if as_text(value) else "(empty)"


def parse_setting(key, text):
    """The value of KEY=text as its option's type; ValueError says what is wrong with it."""
    kind = OPTION_TYPES.get(key) or APP_KEYS[key][0]
    if kind is bool:
        if text.strip().lower() not in BOOLEANS:
            raise ValueError(f"expected true or false (yes/no, on/off, 1/0), got {text!r}.")
        return BOOLEANS[text.strip().lower()]
    if kind is list:
        return [item.strip() for item in text.split(",") if item.strip()]
    if kind is dict:
        try:
            value = json.loads(text or "{}")
        except json.JSONDecodeError as exc:
            raise ValueError(f'not valid JSON ({exc}); expected e.g. {{"Engineering": ["jira-developers"]}}.') from None
        if not isinstance(value, dict):
            raise ValueError("expected a JSON object of IdP group -> [host groups].")
        return value
    return text


def _settings(pairs):
    """{key: value} from KEY=VALUE arguments; every problem reported at once."""
    values, problems = {}, []
    for pair in pairs:
        key, sep, text = pair.partition("=")
        key = key.strip()
        if not sep:
            problems.append(f"{pair!r} is not KEY=VALUE.")
        elif key not in HELP and key not in APP_KEYS:
            problems.append(f"{key}: unknown key; see `usersync apps set --help`.")
        elif key in values:
            problems.append(f"{key}: given more than once.")
        else:
            try:
                values[key] = parse_setting(key, text)
            except ValueError as exc:
                problems.append(f"{key}: {exc}")
    if problems:
        _fail("\n".join(problems) + "\nNothing was saved.")
    return values


class _KeysEpilog(click.Command):
    """Lists every settable key with its help, built from rules.options.HELP so it cannot drift."""

    def format_epilog(self, ctx, formatter):
        defaults = dataclasses.asdict(Options())
        rows = [(key, f"{text} [default: {as_text(defaults[key]) or '(empty)'}]") for key, text in HELP.items()]
        rows += [(key, text) for key, (_, text) in APP_KEYS.items()]
        width = max(len(key) for key, _ in rows) + 4
        # Not write_dl: its wrapping splits "jira-developers" at the hyphen, and the help must stay copyable.
        wrapper = textwrap.TextWrapper(width=max(formatter.width, width + 40), break_on_hyphens=False,
                                       break_long_words=False, subsequent_indent=" " * width)
        formatter.write_paragraph()
        formatter.write_text("Keys:")
        for key, text in rows:
            formatter.write("\n".join(wrapper.wrap(f"  {key:<{width - 2}}{text}")) + "\n")
        formatter.write_paragraph()
        formatter.write_text("Booleans: true/false, yes/no, on/off, 1/0. default_groups: comma-separated. "
                             "group_mapping: JSON. An empty value clears a pattern or a list.")


@apps.command("set", cls=_KeysEpilog)
@click.argument("name")
@click.argument("settings", nargs=-1, required=True, metavar="KEY=VALUE...")
@click.option("--create-directory", is_flag=True, help="With directory=NAME: create the directory if it is missing.")
@with_appcontext
def set_(name, settings, create_directory):
    """Change an app's provisioning options, directory or enabled state; all or nothing.

    Example: usersync apps set "Oracle IDCS" username_regex='(.*)@.*' username_replacement='$1'
    """
    values = _settings(settings)
    directory, enabled = values.pop("directory", None), values.pop("enabled", None)
    with db.connection_context():
        try:
            _, changed, created = app_store.configure(name, values, directory, enabled, create_directory)
        except app_store.AppError as error:
            _fail(f"{error}\nNothing was saved.")
    if created is not None:
        click.echo(f"Created directory '{shown(created.name)}'.")
    for key, (old, new) in changed.items():
        click.echo(f"{key}: {_setting(old)} -> {_setting(new)}")
    if not changed:
        click.echo("Nothing changed.")


@apps.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object (never the token).")
@with_appcontext
def show(name, as_json):
    """Show an app: provider, directory, state and every provisioning option."""
    with db.connection_context():
        try:
            record = {**app_store.show(name), "base_url": _base_url()}
        except app_store.AppError as error:
            _fail(error)
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    click.echo(f"App:           {shown(record['name'])} ({record['provider_label']}, {record['method'].upper()})")
    click.echo(f"SCIM Base URL: {record['base_url']}")
    click.echo(f"Enabled:       {as_text(record['enabled'])}")
    click.echo(f"Directory:     {shown(record['directory'])}")
    click.echo(f"Created:       {record['created']}")
    click.echo(f"Last used:     {record['last_used'] or 'never'}")
    click.echo("Options:")
    width = max(map(len, record["options"]))
    for key, value in record["options"].items():
        click.echo(f"  {key:<{width}}  {_setting(value)}")


@apps.command("map")
@click.argument("name")
@click.argument("idp_group")
@click.argument("host_groups", nargs=-1, required=True)
@with_appcontext
def map_group(name, idp_group, host_groups):
    """Map an IdP group to host groups (replacing its earlier mapping)."""
    with db.connection_context():
        try:
            app_store.map_group(name, idp_group, list(host_groups))
        except app_store.AppError as error:
            _fail(error)
    click.echo(f"Mapped IdP group '{idp_group}' to {', '.join(dict.fromkeys(host_groups))}.")


@apps.command("unmap")
@click.argument("name")
@click.argument("idp_group")
@with_appcontext
def unmap_group(name, idp_group):
    """Remove an IdP group's mapping."""
    with db.connection_context():
        try:
            app_store.unmap_group(name, idp_group)
        except app_store.AppError as error:
            _fail(error)
    click.echo(f"Unmapped IdP group '{idp_group}'.")
