"""`usersync audit` (the audit trail: query, export, purge) and `usersync traffic NAME` (an app's traffic log)."""

import json

import click
from flask import current_app
from flask.cli import with_appcontext

from cli.terminal import cut, shown
from models import db
from store.tenancy import apps as app_store
from store.trail import audit as audit_store
from store.trail import traffic as traffic_store


class _Time(click.ParamType):
    """ISO 8601 (2026-11-01T00:00:00Z) or an age (7d, 24h, 30m)."""

    name = "TIME"

    def convert(self, value, param, ctx):
        try:
            return audit_store.parse_time(value)
        except audit_store.AuditError as error:
            self.fail(str(error), param, ctx)


def _table(events, total):
    if not events:
        click.echo("No audit events match.")
        return
    click.echo(f"{'time (UTC)':<20} {'app':<20} {'operation':<16} {'subject':<30} {'outcome':<8} reason")
    for event in events:
        click.echo(f"{audit_store.iso(event.at):<20} {cut(event.app_name, 20):<20} {cut(event.operation, 16):<16} "
                   f"{cut(event.subject, 30):<30} {shown(event.outcome):<8} {shown(event.reason)}")
    if total > len(events):
        click.echo(f"({len(events)} of {total} matching events shown; raise --limit, 0 for all)")


@click.group(invoke_without_command=True)
@click.option("--app", "app_name", metavar="NAME", help="Only this app's events (also of a deleted app).")
@click.option("--since", type=_Time(), help="From this time on: 2026-11-01T00:00:00Z, or an age: 7d, 24h, 30m.")
@click.option("--until", type=_Time(), help="Before this time (same forms as --since).")
@click.option("--user", "subject", metavar="TEXT", help="Subject (userName or group name) containing TEXT, any case.")
@click.option("--outcome", type=click.Choice(audit_store.OUTCOMES), help="Only this outcome.")
@click.option("--operation", metavar="OP", help="Only this operation, e.g. create-user, update-group, settings.")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(min=0), help="At most this many (0: all).")
@click.option("--csv", "as_csv", is_flag=True, help="CSV to stdout (header first).")
@click.option("--json", "as_json", is_flag=True, help="A JSON array.")
@click.pass_context
@with_appcontext
def audit(ctx, app_name, since, until, subject, outcome, operation, limit, as_csv, as_json):
    """The audit trail, newest first: every provisioning decision and why."""
    if ctx.invoked_subcommand is not None:
        return
    if as_csv and as_json:
        raise click.UsageError("Choose one of --csv and --json.")
    filters = {"app": app_name, "since": since, "until": until, "subject": subject, "outcome": outcome,
               "operation": operation}
    with db.connection_context():
        events = audit_store.query(**filters, limit=limit or None)
        total = audit_store.count(**filters) if not (as_csv or as_json) else len(events)
    if as_csv:
        click.echo(audit_store.to_csv(events), nl=False, color=True)  # color: click would strip ESC [ … m when piped
    elif as_json:
        click.echo(json.dumps([audit_store.as_dict(event) for event in events], ensure_ascii=False))
    else:
        _table(events, total)


@audit.command("purge")
@click.option("--older-than-days", type=click.IntRange(min=0),
              help="Delete events older than this many days [default: AUDIT_RETENTION_DAYS, 90].")
@with_appcontext
def purge(older_than_days):
    """Delete old audit events (the server also does this at start-up)."""
    days = current_app.config["AUDIT_RETENTION_DAYS"] if older_than_days is None else older_than_days
    with db.connection_context():
        purged = audit_store.purge(days)
    click.echo(f"Purged {purged} audit event{'s' if purged != 1 else ''} older than {days} days.")


@click.command()
@click.argument("name")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(min=1), help="At most this many.")
@click.option("--json", "as_json", is_flag=True, help="A JSON array, bodies included.")
@click.option("--clear", is_flag=True, help="Delete this app's traffic log instead.")
@with_appcontext
def traffic(name, limit, as_json, clear):
    """An app's recent SCIM exchanges, newest first (the app's traffic_log option must be on)."""
    with db.connection_context():
        try:
            app = app_store.named(name)
        except app_store.AppNotFound as error:
            raise click.ClickException(str(error)) from None
        if clear:
            cleared = traffic_store.clear(app)
            click.echo(f"Cleared {cleared} exchange{'s' if cleared != 1 else ''} of '{shown(name)}'.")
            return
        entries = traffic_store.recent(app, limit=limit)
    if as_json:
        click.echo(json.dumps([traffic_store.as_dict(entry) for entry in entries], ensure_ascii=False))
        return
    if not entries:
        click.echo(f"No traffic logged for '{shown(name)}'. Turn it on with: "
                   f"usersync apps set '{shown(name)}' traffic_log=true")
    for entry in entries:
        record = traffic_store.as_dict(entry)
        click.echo(f"{record['at']}  {shown(entry.method):<6} {entry.status}  {entry.latency_ms:>8.1f} ms  "
                   f"{shown(entry.path)}  [{shown(entry.request_id)}]")
