"""A pull commits its writes in short batches: never across a call to the source, all of a batch or none."""

from datetime import timedelta

import pytest

from models import db
from sync.client import ScimClient

from . import commits_by_phase
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
    seed(idp_source)
    pulling, commits = puller(page_size=3), commits_by_phase(monkeypatch)
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


def _groups_only(real, kind_of):
    """real, refusing a user's link: users' links come from their page's look-up (groups still read their own)."""
    def guarded(*args):
        if kind_of(*args) == "User":
            pytest.fail(f"a user's link asked on its own: {real.__name__}{args}")
        return real(*args)
    return guarded


def test_a_page_of_users_has_its_links_looked_up_in_one_query(puller, idp_source, monkeypatch):
    """Three users in pages of two: two look-ups, none user by user, and the rerun still finds every link."""
    from store.pull import links

    seed(idp_source)
    pulling, pages = puller(), []
    listed = links.listed
    monkeypatch.setattr(links, "get", _groups_only(links.get, lambda app_id, kind, source_id: kind))
    monkeypatch.setattr(links, "shown", _groups_only(links.shown, lambda link, directory_id: link.kind))
    monkeypatch.setattr(links, "listed", lambda app_id, kind, directory_id, ids: (
        pages.append(list(ids)) or listed(app_id, kind, directory_id, ids)))
    assert pulling.run()["counts"] == {"created": 3, "groups_created": 2}
    assert pulling.run(full=True)["counts"] == {"unchanged": 3, "groups_unchanged": 2}
    assert [len(ids) for ids in pages] == [2, 1, 2, 1]
