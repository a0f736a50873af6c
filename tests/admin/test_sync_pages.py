"""An app's Synchronization page: the source without its secret, editing it (an empty secret keeps it),
Test connection, the schedule, Synchronize now and the run's progress as JSON, the recent runs.

Runs are moved along with the runner's side of store.pull.runs (claim, checkpoint, finish), as the
scheduler of `usersync serve` does; Test connection talks to the real test IdP of tests/idp_source.py.
"""

import re

import pytest

from blueprints.admin.sync import describe_run
from models import IdpApp, db
from store.pull import runs, sources
from store.tenancy import apps as app_store
from store.tenancy import secrets
from tests.admin.pages import found, text

ADMIN = "/plugins/servlet/usersync/admin"
OWNER = "test-runner"


@pytest.fixture
def admin(admin):
    admin.get(ADMIN + "/")
    return admin


@pytest.fixture
def rest_app(app, idp):
    """An Oracle app pulling from the test IdP; its Synchronization page URL."""
    with db.connection_context():
        record, _ = app_store.create("Oracle pull", "oracle", "rest")
        sources.configure(record, "oracle", {"domain_url": idp.url, "client_id": idp.client_id},
                               {"client_secret": idp.client_secret}, secrets.key_from(app.config))
    return f"{ADMIN}/apps/{record.id}/sync"


def the_app():
    with db.connection_context():
        return IdpApp.by_name("Oracle pull")


def stored_source(app):
    with db.connection_context():
        return sources.source_for(the_app(), secrets.key_from(app.config))


def settings():
    with db.connection_context():
        return sources.settings_of(the_app())


def edit(idp, **changes):
    return {"domain_url": idp.url, "client_id": idp.client_id, "client_secret": "", **changes}


def test_the_page_shows_the_source_but_never_its_secret(admin, rest_app, idp):
    page = admin.get(rest_app)
    assert page.status_code == 200
    body = text(page)
    assert idp.client_secret not in page.get_data(as_text=True)
    assert found(r'id="secret-state">(.*?)</dd>', page) == "stored, encrypted"
    summary = found(r'<dl class="connection" id="source-summary">(.*?)</dl>', page)
    for shown in (idp.url, idp.client_id, "urn:opc:idm:__myscopes__", "Oracle identity domain"):
        assert shown in summary
    assert 'type="password" id="client_secret" name="client_secret" value=""' in body
    assert "Stored, encrypted: leave this empty to keep it" in found(r'id="client_secret-help">(.*?)</p>', page)
    assert 'id="sync-now"' in body and 'id="full" name="full" value="on"' in body
    options = re.findall(r'<option value="([^"]+)"( selected)?>', found(r'(<select id="schedule".*?</select>)', page))
    assert [value for value, _ in options] == list(sources.SCHEDULES)
    assert [value for value, selected in options if selected] == ["off"]
    assert "Off: only Synchronize now starts a run." in body
    assert 'id="sync-progress"' not in body and 'id="runs-table"' not in body  # no run yet
    assert "/static/js/sync.js" in body and "/static/js/test_connection.js" in body
    assert "<script>" not in body and " style=" not in body


def test_only_rest_apps_have_the_page_and_the_list_links_them(app, admin, rest_app):
    with db.connection_context():
        pushing, _ = app_store.create("Okta push", "okta", "scim")
    assert admin.get(f"{ADMIN}/apps/{pushing.id}/sync").status_code == 404
    assert admin.get(f"{ADMIN}/apps/9999/sync").status_code == 404
    listing = admin.get(ADMIN + "/").get_data(as_text=True)
    assert f'href="{rest_app}" id="sync-{the_app().id}" aria-label="Synchronization of Oracle pull">Sync</a>' in listing
    assert f'id="sync-{pushing.id}"' not in listing
    assert f'href="{rest_app}"' in admin.get(f"{ADMIN}/apps/{the_app().id}/edit").get_data(as_text=True)


def test_an_empty_secret_keeps_the_stored_one(app, admin, rest_app, idp):
    response = admin.post(rest_app + "/source", data=edit(idp, client_id="another-client"))
    assert response.status_code == 302 and response.headers["Location"].endswith(rest_app)
    kept = stored_source(app)
    assert (kept.client_id, kept.client_secret) == ("another-client", idp.client_secret)
    page = admin.get(rest_app)
    assert "Saved the connection settings of 'Oracle pull'." in text(page) and "replaced" not in text(page)


def test_a_typed_secret_replaces_the_stored_one(app, admin, rest_app, idp):
    response = admin.post(rest_app + "/source", data=edit(idp, client_secret="the-new-secret"))
    assert response.status_code == 302
    assert stored_source(app).client_secret == "the-new-secret"
    page = admin.get(rest_app)
    assert "The client secret was replaced." in text(page) and "the-new-secret" not in page.get_data(as_text=True)


def test_a_new_address_needs_the_secret_typed_again(app, admin, rest_app, idp):
    response = admin.post(rest_app + "/source", data=edit(idp, domain_url="https://idcs-elsewhere.example.com"))
    assert response.status_code == 400
    assert "Client secret must be typed again: the Domain URL changed" in found(r'id="client_secret-error">(.*?)</p>',
                                                                                response)
    assert stored_source(app).domain_url == idp.url  # nothing saved
    tested = admin.post(rest_app + "/test", data=edit(idp, domain_url="https://idcs-elsewhere.example.com"))
    assert tested.status_code == 400 and tested.get_json()["field"] == "client_secret"
    assert idp.token_requests == 0
    moved = admin.post(rest_app + "/source", data=edit(idp, domain_url="https://idcs-elsewhere.example.com",
                                                       client_secret="typed-again"))
    assert moved.status_code == 302 and stored_source(app).domain_url == "https://idcs-elsewhere.example.com"


def test_a_bad_setting_is_shown_beside_its_field_and_the_typed_secret_is_not_sent_back(app, admin, rest_app,
                                                                                      idp):
    response = admin.post(rest_app + "/source", data=edit(idp, domain_url="ftp://x", client_secret="typed-1"))
    assert response.status_code == 400
    assert found(r'id="domain_url-error">(.*?)</p>', response).startswith("Domain URL must be an https:// URL")
    assert 'value="ftp://x"' in text(response) and "typed-1" not in response.get_data(as_text=True)
    assert "or leave it empty to keep the stored one" in found(r'id="client_secret-retype">(.*?)</p>', response)
    assert re.search(r'<details id="source-edit" open>', response.get_data(as_text=True))
    assert stored_source(app).domain_url == idp.url


def test_test_connection_uses_the_stored_secret_unless_one_is_typed(admin, rest_app, idp):
    idp.add_users(4)
    outcome = admin.post(rest_app + "/test", data=edit(idp)).get_json()
    assert outcome["ok"] and outcome["headline"] == "Connected: 4 users, 0 groups"
    refused = admin.post(rest_app + "/test", data=edit(idp, client_secret="wrong")).get_json()
    assert (refused["ok"], refused["stage"], refused["code"]) == (False, "token", "token_refused")
    assert "activated" in refused["detail"]


def test_test_connection_without_javascript_renders_the_outcome(admin, rest_app, idp):
    idp.fail_api(403, times=None)
    response = admin.post(rest_app + "/source", data={**edit(idp), "action": "test"})
    assert response.status_code == 200
    assert 'data-ok="false" data-stage="api" data-code="forbidden"' in text(response)
    assert "'User Administrator' app role" in found(r'id="test-detail">(.*?)</p>', response)
    assert "Saved" not in text(response)


def test_a_secret_the_key_cannot_read_must_be_typed_again(app, admin, rest_app, idp):
    app.config["SYNC_SECRET_KEY"] = "another-key-entirely-0123456789"
    response = admin.post(rest_app + "/test", data=edit(idp))
    assert response.status_code == 400
    outcome = response.get_json()
    assert outcome["field"] == "client_secret" and "enter the client secret again" in outcome["message"]
    page = admin.get(rest_app)
    assert page.status_code == 200  # the page itself needs no secret


def test_the_schedule_is_saved_and_shown(admin, rest_app):
    response = admin.post(rest_app + "/schedule", data={"schedule": "twice-daily"})
    assert response.status_code == 302
    assert settings()["schedule"] == "twice-daily" and settings()["next_run"]
    page = admin.get(rest_app)
    assert "'Oracle pull' now synchronizes: twice a day." in text(page)
    assert re.search(r'<option value="twice-daily" selected>', page.get_data(as_text=True))
    assert "Next run: " in found(r'id="schedule-help">(.*?)</p>', page)


def test_an_unknown_schedule_is_refused_beside_the_select(admin, rest_app):
    response = admin.post(rest_app + "/schedule", data={"schedule": "fortnightly"})
    assert response.status_code == 400
    assert found(r'id="schedule-error">(.*?)</p>', response).startswith("Schedule must be one of")
    assert re.search(r'id="schedule"[^>]*aria-invalid="true"', response.get_data(as_text=True))
    assert settings()["schedule"] == "off"


def test_synchronize_now_queues_a_run_and_the_page_follows_it(admin, rest_app):
    response = admin.post(rest_app + "/run", data={"full": "on"})
    assert response.status_code == 302
    run_id = int(re.search(r"run=(\d+)#sync-progress$", response.headers["Location"]).group(1))
    status = admin.get(f"{rest_app}/runs/{run_id}")
    assert status.is_json
    run = status.get_json()
    assert (run["status"], run["final"], run["full"], run["trigger"]) == ("queued", False, True, "Synchronize now")
    assert run["summary"].startswith("Queued")
    page = admin.get(response.headers["Location"])
    body = text(page)
    assert found(r'id="run-summary" role="status">(.*?)</p>', page).startswith("Queued")
    assert f'data-status-url="{rest_app}/runs/{run_id}" data-final="false"' in body
    assert 'id="run-reload"' in body and 'id="run-links" hidden' in body
    assert found(r'<tr data-run="(\d+)"', page) == str(run_id)


def test_a_second_request_while_one_is_queued_says_so(admin, rest_app):
    first = admin.post(rest_app + "/run", data={})
    run_id = re.search(r"run=(\d+)", first.headers["Location"]).group(1)
    second = admin.post(rest_app + "/run", data={})
    assert second.status_code == 302 and f"run={run_id}" in second.headers["Location"]
    body = text(admin.get(second.headers["Location"]))
    assert f"Synchronization #{run_id} of 'Oracle pull' is already queued or running" in body
    with db.connection_context():
        assert len(runs.recent(the_app())) == 1


def test_progress_is_reported_until_the_run_is_over(admin, rest_app):
    location = admin.post(rest_app + "/run", data={}).headers["Location"]
    run_id = int(re.search(r"run=(\d+)", location).group(1))
    with db.connection_context():
        assert runs.claim(run_id, OWNER)
        runs.checkpoint(run_id, OWNER, phase="users", done=2, total=5, counts={"created": 2})
    running = admin.get(f"{rest_app}/runs/{run_id}").get_json()
    assert (running["status_label"], running["phase_label"], running["done"], running["total"]) == (
        "Running", "Reading users", 2, 5)
    assert running["counts"] == [["created", 2]] and not running["final"]
    page = admin.get(location)
    assert '<progress id="run-bar" aria-labelledby="run-phase" max="5" value="2">' in page.get_data(as_text=True)
    assert found(r'id="run-done">(.*?)</p>', page) == "2 of 5"
    with db.connection_context():
        runs.finish(run_id, OWNER, "succeeded", phase="done", done=5, total=5,
                         counts={"created": 5, "groups_created": 1})
    done = admin.get(f"{rest_app}/runs/{run_id}").get_json()
    assert done["final"] and done["summary"] == "Finished: 5 created, 1 groups created."
    assert done["finished"].endswith("Z")
    page = admin.get(rest_app)
    body = text(page)
    assert 'data-final="true"' in body and 'id="run-links" hidden' not in body and 'id="run-reload"' not in body
    assert f'href="{ADMIN}/activity?app=Oracle+pull" id="run-activity"' in body
    assert f'href="{ADMIN}/users?app={the_app().id}" id="run-users"' in body
    assert '<span class="lozenge success" data-cell="status">Succeeded</span>' in body


def test_a_failed_run_says_why(admin, rest_app):
    location = admin.post(rest_app + "/run", data={}).headers["Location"]
    run_id = int(re.search(r"run=(\d+)", location).group(1))
    with db.connection_context():
        runs.claim(run_id, OWNER)
        runs.finish(run_id, OWNER, "failed", error="The token endpoint refused the client ID or secret")
    run = admin.get(f"{rest_app}/runs/{run_id}").get_json()
    assert run["final"] and run["lozenge"] == "removed"
    assert run["summary"] == "Failed: The token endpoint refused the client ID or secret."


def test_describe_run_words():
    base = {"id": 1, "app": 1, "phase": "vanished", "done": 0, "total": None, "counts": {}, "error": None,
            "full": False, "trigger": "schedule", "requested": "2026-11-28T21:00:00Z", "started": None,
            "finished": None}
    assert describe_run({**base, "status": "running"})["summary"] == (
        "Handling users and groups the source no longer has…")
    interrupted = describe_run({**base, "status": "interrupted", "error": "Its process stopped",
                                "counts": {"updated": 3}})
    assert interrupted["summary"] == "Interrupted: Its process stopped. Done before it stopped: 3 updated."
    assert interrupted["trigger"] == "Schedule" and interrupted["final"]


def test_another_apps_run_is_not_shown(app, admin, rest_app, idp):
    with db.connection_context():
        other, _ = app_store.create("Other pull", "custom", "rest")
        sources.configure(other, "scim", {"base_url": idp.scim_base, "auth": "bearer"},
                               {"bearer_token": idp.static_token}, secrets.key_from(app.config))
        run_id = runs.request(other)
    assert admin.get(f"{rest_app}/runs/{run_id}").status_code == 404
    assert admin.get(f"{rest_app}/runs/9999").status_code == 404
    assert f'data-run="{run_id}"' not in admin.get(f"{rest_app}?run={run_id}").get_data(as_text=True)


def test_an_app_without_a_source_asks_for_one(app, admin):
    with db.connection_context():
        record, _ = app_store.create("Bare pull", "onelogin", "rest")
    url = f"{ADMIN}/apps/{record.id}/sync"
    page = admin.get(url)
    body = text(page)
    assert 'id="no-source"' in body and '<details id="source-edit" open>' in body
    assert 'id="sync-now"' not in body and 'id="schedule"' not in body
    assert 'id="auth-bearer" name="auth" value="bearer" aria-describedby="auth-help" checked' in body
    refused = admin.post(url + "/run", data={})
    assert "has no source to pull from" in text(admin.get(refused.headers["Location"]))
    schedule = admin.post(url + "/schedule", data={"schedule": "daily"})
    assert schedule.status_code == 400 and "connection settings first" in found(r'id="schedule-error">(.*?)</p>',
                                                                                 schedule)


def test_a_disabled_app_does_not_synchronize(admin, rest_app):
    with db.connection_context():
        app_store.configure("Oracle pull", enabled=False)
    response = admin.post(rest_app + "/run", data={})
    assert "is disabled: enable it to pull" in text(admin.get(response.headers["Location"]))


@pytest.mark.parametrize("path", ["/source", "/test", "/schedule", "/run"])
def test_every_post_needs_the_csrf_token(admin, rest_app, idp, path):
    response = admin.client.post(rest_app + path, data={**edit(idp, client_secret="x"), "schedule": "daily"})
    assert response.status_code == 400
    assert settings()["schedule"] == "off" and idp.token_requests == 0
    with db.connection_context():
        assert runs.recent(the_app()) == []


@pytest.mark.parametrize("method, path", [("GET", ""), ("POST", "/source"), ("POST", "/test"), ("POST", "/schedule"),
                                          ("POST", "/run"), ("GET", "/runs/1")])
def test_every_page_needs_sign_in(app, rest_app, method, path):
    response = app.test_client().open(rest_app + path, method=method)
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
