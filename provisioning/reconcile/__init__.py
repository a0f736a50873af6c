"""Reconcile: an app's options applied to the users and groups it already provisioned.

New SCIM events always follow the options; a change of options reaches the users already there only
through a reconcile. From what the IdP last sent (each user's userName and active, the SCIM groups and
their members) and the app's options it plans the host state they should have, and the difference from
today: host usernames to rewrite, host memberships to add and remove, host groups to create, users to
activate or deactivate, users to move into the app's directory. Conflicts are named and left alone.
A dry run plans without writing; a run applies batch by batch (engine.py).
"""

from provisioning.reconcile.engine import BATCH, run
from provisioning.reconcile.plan import KINDS, Change, Counts, Result


def preview(app, limit=200, options=None, directory_id=None):
    """(Result, the first limit changes) of a dry run, for the saved options or for options (and a directory) an
    admin has not saved yet: the counts cover every change."""
    shown = []

    def keep(change):
        if len(shown) < limit:
            shown.append(change)
    return run(app, dry_run=True, report=keep, options=options, directory_id=directory_id), shown


__all__ = ["BATCH", "KINDS", "Change", "Counts", "Result", "preview", "run"]
