"""`usersync groups list|show`: host groups, their members, and the IdP groups that feed them."""

import json

import click
from flask.cli import with_appcontext

from cli import host_side
from cli.terminal import cut, shown
from models import db
from store.pages import host_groups as host_group_pages
from store.pages import names


@click.group()
def groups():
    """Read the host groups: members by host username, and which IdP groups feed each."""


def _record(row):
    return {"name": row["name"], "directory": row["directory_name"], "members": row["members"],
            "created_by": row["created_by_name"], "description": row["description"]}


@groups.command("list")
@click.option("--directory", metavar="NAME", help="Only the host groups of this directory.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON array.")
@with_appcontext
def list_groups(directory, as_json):
    """List host groups by name, with their directory, member count and the app that created each."""
    with db.connection_context():
        directory_id = host_side.directory_id(directory)
        found = (_record(row) for row in host_side.rows(
            lambda number, size: host_group_pages.host_groups(None, directory_id, number, size)))
        if as_json:
            host_side.echo_json_array(found)
            return
        host_side.echo_table(found, f"{'host group':<36} {'members':>8}  {'directory':<30} created by",
                             lambda r: f"{cut(r['name'], 36):<36} {r['members']:>8}  {cut(r['directory'], 30):<30} "
                                       f"{cut(r['created_by'], 30)}",
                             "No host groups match.")


@groups.command("show")
@click.argument("name")
@click.option("--directory", metavar="NAME", help="The host group of this directory (needed when several have it).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@with_appcontext
def show(name, directory, as_json):
    """Show a host group: its members by host username and the IdP groups (and default groups) that feed it."""
    with db.connection_context():
        found = names.host_groups_named(name, host_side.directory_id(directory))
        if not found:
            raise click.ClickException(f"No host group named '{name}'" + (f" in '{directory}'." if directory else "."))
        if len(found) > 1:
            raise click.ClickException(f"Host groups named '{name}' are in {len(found)} directories ("
                                       f"{', '.join(g['directory_name'] for g in found)}); name one with --directory.")
        record = _detail(found[0])
    if as_json:
        click.echo(json.dumps(record, ensure_ascii=False))
        return
    _print(record)


def _detail(group):
    members = [{"host_username": row["host_username"], "user_name": row["user_name"], "reason": row["reason"],
                "app": row["app_name"]}
               for row in host_side.rows(lambda number, size: host_group_pages.host_group_members(group, number, size))]
    feeders, defaults = host_group_pages.feeding_scim_groups(group)
    record = _record(group)
    return {**record, "member_count": record.pop("members"), "members": members,
            "fed_by": [{"idp_group": row["display_name"], "members": row["members"], "mapped_by": row["mapped_by"]}
                       for row in feeders],
            "default_group_of": defaults}


def _print(r):
    click.echo(f"Host group:   {shown(r['name'])}")
    click.echo(f"Directory:    {shown(r['directory'])}")
    click.echo(f"Created by:   {shown(r['created_by'])}")
    click.echo("Fed by:       " + (", ".join(f"IdP group '{shown(f['idp_group'])}' ({f['members']} member(s); mapped "
                                             f"by {', '.join(shown(a) for a in f['mapped_by'])})"
                                             for f in r["fed_by"]) or "-"))
    if r["default_group_of"]:
        click.echo(f"Default of:   {', '.join(shown(a) for a in r['default_group_of'])}")
    click.echo(f"Members:      {r['member_count']}")
    for m in r["members"]:
        given = f"{m['reason']}, by '{shown(m['app'])}'" if m["app"] else m["reason"]
        click.echo(f"  {cut(m['host_username'], 32):<32} {cut(m['user_name'], 36):<36} {given}")
