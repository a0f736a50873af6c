"""`usersync users list|show`: host users as the host sees them, and where each came from."""

import json

import click
from flask.cli import with_appcontext

from cli import host_side
from cli.terminal import cut, shown
from models import db
from store.pages import names
from store.pages import users as user_pages


@click.group()
def users():
    """Read the host users: usernames, status, host groups, and the IdP apps they came from."""


def _record(row):
    return {"host_username": row["host_username"], "user_name": row["user_name"], "status": _status(row),
            "directory": row["directory_name"], "app": row["app_name"], "email": row.get("email"),
            "name": row.get("full_name")}


def _status(row):
    if not row["scim_linked"]:
        return "unlinked"
    return "active" if user_pages.is_active(row["active"]) else "inactive"


@users.command("list")
@click.option("--directory", metavar="NAME", help="Only the users of this directory.")
@click.option("--app", "app_name", metavar="NAME", help="Only the users this IdP app provisioned.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_users(directory, app_name, as_json):
    """List host users by host username, with the IdP's userName, status, directory and app."""
    with db.connection_context():
        directory_id, app_id = host_side.directory_id(directory), host_side.app_id(app_name)
        found = (_record(row) for row in host_side.rows(
            lambda number, size: user_pages.users(None, directory_id, None, app_id, number, size)))
        if as_json:
            host_side.echo_json_array(found)
            return
        _table(found)


def _table(records):
    host_side.echo_table(records, f"{'host username':<32} {'userName (IdP)':<36} {'status':<9} {'directory':<30} app",
                         lambda r: f"{cut(r['host_username'], 32):<32} {cut(r['user_name'], 36):<36} "
                                   f"{r['status']:<9} {cut(r['directory'], 30):<30} {cut(r['app'], 30)}",
                         "No host users match.")


@users.command("show")
@click.argument("username")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def show(username, as_json):
    """Show a host user: its userName at the IdP and app, status, host groups and SCIM groups (in each directory
    that has a user of this host username)."""
    with db.connection_context():
        found = [_detail(user_pages.user_detail(user_id)) for user_id in names.user_ids_named(username)]
    if not found:
        raise click.ClickException(f"No host user named '{username}'.")
    if as_json:
        click.echo(json.dumps({"host_username": found[0]["host_username"], "users": found}, ensure_ascii=False))
        return
    for number, record in enumerate(found):
        if number:
            click.echo("")
        _print(record)


def _detail(detail):
    user = detail["user"]
    email = user_pages.primary_emails([user["id"]]).get(user["id"])
    return {**_record(user), "email": email, "id": user["id"], "created": host_side.iso(user["created"]),
            "host_groups": [{"name": g["name"], "reason": g["reason"], "app": g["app_name"]}
                            for g in detail["host_groups"]],
            "scim_groups": [g["display_name"] for g in detail["scim_groups"]]}


def _print(r):
    click.echo(f"Host user:    {shown(r['host_username'])}")
    click.echo(f"Directory:    {shown(r['directory'])}")
    click.echo(f"userName:     {shown(r['user_name'])}" + (f" (from IdP app '{shown(r['app'])}')" if r["app"] else ""))
    click.echo(f"Status:       {r['status']}")
    click.echo(f"Host groups:  {len(r['host_groups'])}")
    for group in r["host_groups"]:
        given = f"{group['reason']}, by '{shown(group['app'])}'" if group["app"] else group["reason"]
        click.echo(f"  {shown(group['name'])} ({given})")
    click.echo(f"SCIM groups:  {', '.join(shown(name) for name in r['scim_groups']) or '-'}")
