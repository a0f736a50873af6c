"""`usersync backup PATH` and `usersync restore PATH`: the whole store to one file and back."""

import click
from flask.cli import with_appcontext

from models import db
from store.ops import backup as backup_store


def _print_counts(counts):
    width = max(map(len, counts))
    for table, rows in counts.items():
        click.echo(f"  {table:<{width}}  {rows:>7}")


def _described(holdings):
    """'3 users and 1 app', naming only what there is."""
    parts = [f"{n} {kind if n != 1 else kind[:-1]}" for kind, n in holdings.items() if n]
    return " and ".join([", ".join(parts[:-1]), parts[-1]] if len(parts) > 1 else parts)


@click.command(short_help="Back up the whole store to one file, even while serving.")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(backup_store.FORMATS),
              help="sqlite: a copy of the SQLite database file (the default on SQLite); "
                   "json: every table as JSON (the only format on PostgreSQL; restores into either).")
@click.option("--force", is_flag=True, help="Overwrite PATH if it exists.")
@with_appcontext
def backup(path, fmt, force):
    """Write a consistent backup of the whole store to PATH; safe while `usersync serve` runs.

    The file has mode 0600: it holds the apps' token hashes and the admin's password hash.
    Restore it with `usersync restore PATH`.
    """
    with db.connection_context():
        try:
            fmt, counts = backup_store.backup(path, fmt, force)
        except backup_store.BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Wrote a {fmt} backup to {path}:")
    _print_counts(counts)


@click.command(short_help="Replace the whole store with a backup (sqlite or json).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--yes", is_flag=True, help="Replace the store's contents even if it is not empty.")
@with_appcontext
def restore(path, yes):
    """Replace everything in the store with the backup at PATH (sqlite or json, detected).

    A json backup restores into SQLite or PostgreSQL, a sqlite one into SQLite only; either must
    come from the same schema version. Stop provisioning first (disable the apps or stop
    `usersync serve`): a request in flight lands before or after the restore, never inside it.
    """
    with db.connection_context():
        try:
            loaded = backup_store.load(path)
            holdings = backup_store.holdings()
            if any(holdings.values()) and not yes:
                raise click.ClickException(
                    f"This store is not empty: it holds {_described(holdings)}, which the restore would "
                    "replace. Run again with --yes to replace them. Nothing was restored.")
            counts = backup_store.restore(loaded)
        except backup_store.BackupError as error:
            raise click.ClickException(str(error)) from None
    click.echo(f"Restored the {loaded.format} backup {path} (schema version {loaded.schema_version}):")
    _print_counts(counts)
