"""A pull commits its writes in short batches: never across a call to the source, all of a batch or none."""

from datetime import timedelta

import pytest

from models import db
from sync.client import ScimClient

from .test_pull import FIRST_HOST, Killed, seed


def watching(source, opened):
    """The test IdP's client, noting whether a write transaction was open at each request it sends."""
    client = ScimClient(source, page_size=2, retries=1, sleep=lambda _s: None)
    send = client.http.client.request

    def request(*args, **kwargs):
        opened.append(db.in_transaction())
        return send(*args, **kwargs)

    client.http.client.request = request
    return client


def test_no_transaction_is_open_while_the_source_is_called(puller, idp_source):
    seed(idp_source)
    pulling, opened = puller(), []
    pulling.client = lambda source: watching(source, opened)
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert opened and not any(opened)  # the token, users' pages, groups' pages and each group's members


def test_the_writes_between_two_calls_to_the_source_share_one_commit(puller, idp_source, monkeypatch):
    """Three users on one page: one batch, so one commit for them, not three."""
    from provisioning.pull.state import Pull

    seed(idp_source)
    pulling, commits = puller(page_size=3), []
    settle = Pull.settle

    def counted(pull, now=False):
        before = pull._batch
        settle(pull, now)
        if before is not None and pull._batch is None:
            commits.append(pull.cursor.phase)

    monkeypatch.setattr(Pull, "settle", counted)
    monkeypatch.setattr("provisioning.pull.state.BATCH_SECONDS", 60.0)
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert commits.count("users") == 1


def test_a_crash_inside_a_batch_loses_the_batch_only_and_the_rerun_ends_exact(puller, idp_source, monkeypatch):
    """The process dies after the second user's write, before its batch commits: the first page is read again."""
    from provisioning.pull import users as pulled_users

    seed(idp_source)
    pulling, applied = puller(), []
    real = pulled_users.apply

    def dying(pull, resource):
        real(pull, resource)
        applied.append(resource["userName"])
        if len(applied) == 2:
            assert db.in_transaction()  # both writes wait in one open batch
            raise Killed()

    monkeypatch.setattr("provisioning.pull.engine.users.apply", dying)
    monkeypatch.setattr("provisioning.pull.state.BATCH_SECONDS", 60.0)
    with pytest.raises(Killed):
        pulling.run()
    assert pulling.users() == {}  # the batch was rolled back whole: no user without its link
    monkeypatch.undo()
    from models import SyncRun, utcnow

    with db.connection_context():  # the process is gone: its heartbeat goes stale
        SyncRun.update(heartbeat=utcnow() - timedelta(minutes=2)).execute()
    resumed = pulling.run()
    assert (resumed["status"], resumed["counts"]) == ("succeeded", {"created": 3, "groups_created": 2})
    assert pulling.users() == FIRST_HOST
