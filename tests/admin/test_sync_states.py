"""The Synchronization page says one thing per run state: its kind alike everywhere, a red bar once it failed,
no stale "queued" message, one full stop after a quoted reason."""

import re

import pytest

from blueprints.admin.sync import describe_run
from models import db
from store.pull import runs, sources
from store.tenancy import apps as app_store
from store.tenancy import secrets
from tests.admin.pages import found, text

ADMIN = "/plugins/servlet/usersync/admin"
OWNER = "test-runner"
RUN = {"id": 1, "app": 1, "phase": "users", "done": 0, "total": None, "counts": {}, "error": None,
       "full": False, "trigger": "manual", "requested": "2026-11-28T21:00:00Z", "started": None, "finished": None}


@pytest.fixture
def rest_app(app, idp):
    """An Oracle app pulling from the test IdP; its Synchronization page URL."""
    with db.connection_context():
        record, _ = app_store.create("Oracle pull", "oracle", "rest")
        sources.configure(record, "oracle", {"domain_url": idp.url, "client_id": idp.client_id},
                          {"client_secret": idp.client_secret}, secrets.key_from(app.config))
    return f"{ADMIN}/apps/{record.id}/sync"


def served(admin, path):
    """A static file's text, as the browser gets it."""
    response = admin.get(path)
    try:
        assert response.status_code == 200
        return response.get_data(as_text=True)
    finally:
        response.close()


def failed_run(admin, rest_app, full, error):
    """Synchronize now, then the runner's side fails the run; returns the page's address after the request."""
    location = admin.post(rest_app + "/run", data={"full": "on"} if full else {}).headers["Location"]
    run_id = int(re.search(r"run=(\d+)", location).group(1))
    with db.connection_context():
        runs.claim(run_id, OWNER)
        runs.checkpoint(run_id, OWNER, phase="users", done=2, total=5, counts={"created": 2})
        runs.finish(run_id, OWNER, "failed", error=error, done=2, total=5, counts={"created": 2})
    return location


@pytest.mark.parametrize("full, kind", [(True, "Full"), (False, "Changes only")])
def test_the_kind_reads_the_same_in_the_progress_and_in_recent_runs(admin, rest_app, full, kind):
    location = admin.post(rest_app + "/run", data={"full": "on"} if full else {}).headers["Location"]
    page = admin.get(location)
    assert found(r'<span id="run-kind">(.*?)</span>', page) == kind
    assert found(r'<tr data-run="\d+" data-status="queued">\s*<td>#\d+</td>\s*<td>.*?</td>\s*<td>.*?</td>\s*'
                 r'<td>(.*?)</td>', page) == kind
    run_id = int(re.search(r"run=(\d+)", location).group(1))
    assert admin.get(f"{rest_app}/runs/{run_id}").get_json()["kind"] == kind


def test_after_a_failure_the_page_shows_it_failed_with_a_red_bar_and_no_queued_message(admin, rest_app):
    location = failed_run(admin, rest_app, True, "The token endpoint refused the client ID or secret.")
    page = admin.get(location)
    body = text(page)
    assert "queued" not in body.lower()
    assert re.search(r'id="sync-progress"[^>]*data-final="true" data-status="failed"', body)
    assert found(r'id="run-status" data-status="failed">(.*?)</span>', page) == "Failed"
    css = served(admin, "/static/admin.css")
    assert '.sync-progress[data-status="failed"] progress' in css and "accent-color: var(--red)" in css
    script = served(admin, "/static/js/sync.js")
    assert "section.dataset.status = run.status" in script  # the bar turns red while the page follows the run


def test_a_reason_ending_in_a_full_stop_gets_no_second_one(admin, rest_app):
    location = failed_run(admin, rest_app, False, "The token endpoint refused the client ID or secret.")
    summary = found(r'id="run-summary" role="status">(.*?)</p>', admin.get(location))
    assert summary == ("Failed: The token endpoint refused the client ID or secret. "
                       "Done before it stopped: 2 created.")
    assert ".." not in text(admin.get(location))


@pytest.mark.parametrize("error, summary", [
    ("Its process stopped", "Interrupted: Its process stopped."),
    ("Its process stopped.", "Interrupted: Its process stopped."),
    ("Is the server up?", "Interrupted: Is the server up?"),
    (None, "Interrupted: no reason was recorded."),
])
def test_a_summary_ends_in_one_stop(error, summary):
    assert describe_run({**RUN, "status": "interrupted", "error": error})["summary"] == summary
