"""A reconcile run: the app's options applied to the users it already provisioned, batch by batch.

Each batch is planned and, unless dry, applied in one transaction: a run that stops leaves every user as it
was or as the options want it, and running again finishes the job. What a batch did is reported once its
transaction has committed.
"""

import contextlib
from dataclasses import dataclass, field

from models import db
from provisioning import host_groups
from provisioning.reconcile import moves, users
from provisioning.reconcile.plan import Counts, Result
from rules.options import load
from store.tenancy import directories
from store.trail import audit

BATCH = 500


@dataclass
class Run:
    """One run's settings, what it counted so far, and what a dry run must remember between batches (a dry run
    writes nothing, so later batches cannot read what earlier ones would have done from the store)."""

    app: object
    options: object
    target: int  # the directory the app's users belong in
    dry_run: bool
    batch_size: int
    report: object  # change -> None
    trail: host_groups.Trail
    counts: Counts = field(default_factory=Counts)
    batches: int = 0
    claimed: dict = field(default_factory=dict)  # lower host username -> id of the user renamed onto it
    claimants: dict = field(default_factory=dict)  # lower host username -> that user's host username before
    released: dict = field(default_factory=dict)  # lower host username -> id of the user renamed away from it
    created: set = field(default_factory=set)  # lower names of the host groups created
    moved: set = field(default_factory=set)  # ids of the stranded users a dry run moved
    refused: set = field(default_factory=set)  # ids of the stranded users whose move was refused
    moved_names: dict = field(default_factory=dict)  # ("userName"|"host username"|"SCIM group name", lower
    # name) -> who moves in with it, in this run
    _directories: dict = None

    @property
    def directory_id(self):
        return self.target

    def directory_name(self, directory_id):
        """A directory's name, for a move's before and after."""
        if self._directories is None:
            self._directories = directories.names()
        return self._directories.get(directory_id, str(directory_id))

    @contextlib.contextmanager
    def batch(self):
        """A batch: its changes, applied in one transaction unless dry, reported once it committed."""
        changes = []
        with contextlib.nullcontext() if self.dry_run else db.atomic():
            yield changes
        for change in changes:
            self.counts.add(change)
            self.report(change)
        if not self.dry_run:  # the store holds what was done: nothing to remember
            self.claimed.clear()
            self.claimants.clear()
            self.released.clear()


def run(app, dry_run=True, batch_size=BATCH, report=None, options=None, directory_id=None):
    """Apply (or with dry_run, plan) the app's options for the users it provisioned; returns the Result.

    report(change) is called for each change, batch by batch, once it is applied (planned, in a dry run).
    options (rules.options.Options) and directory_id plan for settings not saved yet, as a page previewing an
    admin's change does: a dry run only."""
    if not dry_run and (options is not None or directory_id is not None):
        raise ValueError("Only a dry run plans for options or a directory not saved.")
    cause = _cause(app)
    note = f"; reconcile after {cause['operation']} event {cause['id']}" if cause else "; reconcile"
    state = Run(app, options or load(app.options), directory_id or app.directory_id, dry_run, batch_size,
                report or (lambda change: None), host_groups.Trail("reconcile", "reconcile", note))
    moves.run(state)
    users.run(state)
    result = Result(app.name, dry_run, state.counts, cause, state.batches, completed=True)
    if not dry_run:
        _summary(app, result)
    return result


def _cause(app):
    """The newest change to the app's options or directory, which this run follows; None when there is none."""
    event = audit.latest_option_change(app)
    if event is None:
        return None
    return {"id": event.id, "at": audit.iso(event.at), "operation": event.operation, "reason": event.reason}


def _summary(app, result):
    counts = result.counts
    what = (f"reconciled {counts.users} user(s) in {result.batches} batch(es): {counts.renamed} renamed, "
            f"{sum(counts.joins.values())} host group joins, {sum(counts.leaves.values())} leaves, "
            f"{counts.groups_created} host group(s) created, {counts.activated} activated, "
            f"{counts.deactivated} deactivated, {counts.moved} moved; {counts.conflicts} conflict(s) left alone")
    if result.cause:
        what += f"; after {result.cause['operation']} event {result.cause['id']} at {result.cause['at']}: " \
                f"{result.cause['reason']}"
    audit.record(app, "reconcile", "applied", what, changes={"counts": counts.as_dict(), "cause": result.cause})
