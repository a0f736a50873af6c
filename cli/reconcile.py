"""`usersync apps reapply NAME`: the app's current options applied to the users it already provisioned."""

import json
import tempfile

import click
from flask.cli import with_appcontext

from cli.terminal import cut, shown
from models import db
from provisioning import reconcile
from store.tenancy import apps as app_store

_COUNTS = (("users", "Users looked at"), ("renamed", "Renamed"), ("groups_created", "Host groups created"),
           ("activated", "Activated"), ("deactivated", "Deactivated"), ("moved", "Moved (users)"),
           ("groups_moved", "Moved (SCIM groups)"), ("conflicts", "Conflicts"))


class _Spool:
    """The changes as they come, kept in a temporary file so the counts print first without holding every
    change in memory."""

    def __init__(self):
        self.file = tempfile.TemporaryFile("w+", encoding="utf-8")

    def __enter__(self):
        return self

    def __exit__(self, *_):
        self.file.close()

    def __call__(self, change):
        self.file.write(json.dumps(change.as_dict(), ensure_ascii=False) + "\n")

    def lines(self):
        self.file.flush()
        self.file.seek(0)
        return iter(self.file)

    def changes(self):
        return (json.loads(line) for line in self.lines())


@click.command("reapply")
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="Show what would change, and change nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object: counts, changes, result.")
@click.option("--batch-size", default=reconcile.BATCH, show_default=True, type=click.IntRange(1, 5000),
              hidden=True, help="Users per transaction.")
@with_appcontext
def reapply(name, dry_run, as_json, batch_size):
    """Apply the app's current options to the users and groups it already provisioned.

    New SCIM requests always follow the options; users already there follow a changed option only when it is
    reapplied: host usernames (the username rule), host groups (mapping, unmapped groups, include/exclude,
    keep existing groups, default groups for all), status (enable/disable users) and the app's directory.
    Conflicts are reported and left alone. Without --dry-run the changes are applied, 500 users per
    transaction: a run that stops can be run again to finish.
    """
    with _Spool() as spool:
        with db.connection_context():
            try:
                app = app_store.named(name)
            except app_store.AppError as error:
                raise click.ClickException(str(error)) from None
            try:
                result = reconcile.run(app, dry_run=dry_run, batch_size=batch_size, report=spool)
            except Exception as error:  # noqa: BLE001 (a clean message; the batches before it stay applied)
                raise click.ClickException(_stopped(dry_run, error)) from None
        (_print_json if as_json else _print_text)(result, spool)


def _stopped(dry_run, error):
    if dry_run:
        return f"The dry run stopped: {error}. Nothing was written."
    return (f"The reapply stopped: {error}. The batches before the one that failed are applied, that one is "
            "not; run the command again to finish.")


def _print_json(result, spool):
    head = json.dumps(result.as_dict(), ensure_ascii=False)
    click.echo(head[:-1] + ', "changes": [', nl=False)
    for number, line in enumerate(spool.lines()):
        click.echo(("," if number else "") + line.rstrip("\n"), nl=False)
    click.echo("]}")


def _print_text(result, spool):
    counts = result.counts
    click.echo(f"App '{shown(result.app)}': " + ("dry run, nothing is written." if result.dry_run
                                                 else "the app's options applied to its users."))
    if result.cause:
        click.echo(f"After {result.cause['operation']} event {result.cause['id']} at {result.cause['at']}: "
                   f"{cut(result.cause['reason'], 100)}")
    for key, label in _COUNTS:
        click.echo(f"  {label + ':':<24}{getattr(counts, key):>7}")
    for label, per_group in (("Joins", counts.joins), ("Leaves", counts.leaves)):
        click.echo(f"  {label + ':':<24}{sum(per_group.values()):>7}")
        for group, number in sorted(per_group.items()):
            click.echo(f"    {cut(group, 40):<40}{number:>7}")
    _print_changes(spool, conflicts=False)
    _print_changes(spool, conflicts=True)
    if result.dry_run:
        click.echo(f"{counts.changes} change(s) planned; run again without --dry-run to apply them.")
    else:
        click.echo(f"Applied {counts.changes} change(s) in {result.batches} batch(es); "
                   f"{counts.conflicts} conflict(s) left alone.")


def _print_changes(spool, conflicts):
    header = False
    for change in spool.changes():
        if (change["kind"] == "conflict") != conflicts:
            continue
        if not header:
            header = True
            click.echo("Conflicts (left alone):" if conflicts else "Changes:")
            click.echo(f"  {'kind':<16}{'user or group':<32}{'before':<28}{'after':<28}why")
        kind = f"{change['about']} refused" if conflicts else change["kind"]
        click.echo(f"  {kind:<16}{cut(change['subject'], 31):<32}{cut(change['before'], 27):<28}"
                   f"{cut(change['after'], 27):<28}{shown(change['detail'])}")
