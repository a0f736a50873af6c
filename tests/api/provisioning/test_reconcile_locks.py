"""A reconcile that applies holds its batch's users from the read to the commit (PostgreSQL: rows read FOR
UPDATE; SQLite's write transaction holds the whole database), so a SCIM write cannot land between its plan and
its writes."""

import concurrent.futures
import os

import pytest

from . import create_user, make_app
from .reconciling import reapply, set_options

pytestmark = pytest.mark.skipif(not os.environ.get("USERSYNC_TEST_DATABASE_URL"),
                                reason="needs USERSYNC_TEST_DATABASE_URL (PostgreSQL row locks)")


def _held_elsewhere(user_id):
    """Whether another connection finds the user's row locked (it asks NOWAIT: no waiting, no timing)."""
    import peewee

    from models import User, db

    def attempt():
        with db.connection_context(), db.atomic():
            try:
                User.select(User.id).where(User.id == user_id).for_update(nowait=True).get()
            except peewee.OperationalError as error:
                assert "lock" in str(error)
                return True
            return False

    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(attempt).result()


@pytest.mark.parametrize("dry_run", [False, True])
def test_the_users_a_batch_plans_for_stay_locked_until_it_writes_them_when_applying(app, monkeypatch, dry_run):
    from provisioning.reconcile import users

    client = make_app(app, "Acme")
    alice = create_user(client, "alice@example.com")
    set_options(client, username_regex="(.*)@.*", username_replacement="$1")
    held = []
    plan = users._plan

    def planning(state, rows, changes):
        held.append(_held_elsewhere(alice["id"]))
        return plan(state, rows, changes)

    monkeypatch.setattr(users, "_plan", planning)
    result, _changes = reapply(client, dry_run=dry_run)
    assert result.counts.renamed == 1
    assert held == [not dry_run]  # a dry run writes nothing and holds nothing
