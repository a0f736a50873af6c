"""The Activity pages: the audit trail with its filters and CSV export, and each app's traffic log."""

import csv
import io
import re
from datetime import datetime, timedelta, timezone

import pytest

from models import db
from models.audit import AuditEvent
from store.tenancy import apps

from .pages import ADMIN, USER, assert_sign_in_required, deactivate, provision

PASSWORD = "Pa55-word-9f3c!"


def page(admin, path):
    response = admin.get(ADMIN + path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def events(html):
    """(operation, outcome, subject) of every row, newest first."""
    return re.findall(r'data-operation="([^"]+)" data-outcome="([^"]+)" data-subject="([^"]*)"', html)


def backdate(subject, days):
    with db.connection_context():
        AuditEvent.update(at=datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=days)).where(
            AuditEvent.subject == subject).execute()


def traffic_on(idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"traffic_log": True})


@pytest.mark.parametrize("method, path", [
    ("get", "/activity"), ("get", "/activity.csv"), ("get", "/apps/1/traffic"), ("post", "/apps/1/traffic/clear")])
def test_the_activity_pages_need_a_signed_in_admin(anonymous, method, path):  # noqa: F811
    assert_sign_in_required(anonymous, method, path)


def test_the_activity_shows_provisioning_newest_first_with_outcomes_and_changes(admin, scim, idp_app):
    user_id = provision(scim, "bjensen")
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 409
    deactivate(scim, user_id)
    html = page(admin, "/activity")
    writes = [event for event in events(html) if event[0] != "connect"]  # the first request's connection aside
    assert writes[:3] == [("update-user", "applied", "bjensen"), ("create-user", "refused", "bjensen"),
                          ("create-user", "applied", "bjensen")]
    assert 'class="lozenge success outcome" data-outcome="applied">applied</span>' in html
    assert 'class="lozenge removed outcome" data-outcome="refused">refused</span>' in html
    assert "<code>active: true → false</code>" in html and idp_app[0].name in html
    assert f'href="{ADMIN}/users/{user_id}">bjensen</a>' in html  # the subject links to the user


def test_the_activity_filters(admin, scim, idp_app):
    provision(scim, "old-user")
    backdate("old-user", 10)
    provision(scim, "bjensen")
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 409
    with db.connection_context():
        apps.create("Okta", "okta")
    recent = {e[2] for e in events(page(admin, "/activity?since=7d"))}
    assert "bjensen" in recent and "old-user" not in recent
    assert {e[2] for e in events(page(admin, "/activity?until=7d"))} == {"old-user"}
    assert events(page(admin, "/activity?outcome=refused")) == [("create-user", "refused", "bjensen")]
    assert {e[0] for e in events(page(admin, "/activity?operation=create-user&user=BJEN"))} == {"create-user"}
    assert events(page(admin, "/activity?app=Okta&operation=create-user")) == []
    today = datetime.now(timezone.utc).date()
    assert events(page(admin, f"/activity?until={today - timedelta(days=30)}")) == []
    html = page(admin, "/activity?outcome=refused&user=bjen")
    assert '<option value="refused" selected>' in html and 'value="bjen"' in html
    with db.connection_context():
        apps.delete(idp_app[0].name)
    html = page(admin, f"/activity?app={idp_app[0].name}&user=old")  # a deleted app's events stay findable
    assert events(html) == [("create-user", "applied", "old-user")]
    assert f'<option value="{idp_app[0].name}" selected>' in html


def test_bad_activity_filters_say_so_beside_the_filter_and_the_page_still_works(admin, scim):
    provision(scim, "bjensen")
    html = page(admin, "/activity?since=yesterdayish&outcome=maybe&operation=DROP%20TABLE&page=-3")
    assert re.search(r'id="activity-since-error">&#39;yesterdayish&#39; is not a time', html)
    assert re.search(r'id="activity-outcome-error">&#39;maybe&#39; is not an outcome', html)
    assert re.search(r'id="activity-operation-error">[^<]*is not an operation', html)
    assert re.search(r'id="page-error"[^>]*>&#39;-3&#39; is not a page', html)
    assert ("create-user", "applied", "bjensen") in events(html)
    assert "Until must be later than since" in page(admin, "/activity?since=1d&until=2d")
    html = page(admin, "/activity?since=99999999999d&until=9999-12-31T23:00:00-05:00&endpoint=x")
    assert html.count("is out of range") == 2 and ("create-user", "applied", "bjensen") in events(html)
    assert f'id="activity-export" href="{ADMIN}/activity.csv?since=99999999999d' in html


def test_the_activity_pages_fifty_events_at_a_time(admin):
    with db.connection_context(), db.atomic():
        AuditEvent.insert_many([{"operation": "settings", "outcome": "applied", "subject": f"s{i:02}"}
                                for i in range(60)]).execute()
    first, second = page(admin, "/activity?operation=settings"), page(admin, "/activity?operation=settings&page=2")
    assert len(events(first)) == 50 and "Events 1–50 of 60" in first
    assert f'rel="next" href="{ADMIN}/activity?operation=settings&amp;page=2"' in first
    assert [e[2] for e in events(second)] == [f"s{i:02}" for i in range(9, -1, -1)]


def test_export_csv_with_the_same_filters(admin, scim, idp_app):
    provision(scim, "bjensen")
    provision(scim, "=cmd")
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 409
    html = page(admin, "/activity?outcome=applied&operation=create-user")
    assert f'id="activity-export" href="{ADMIN}/activity.csv?outcome=applied&amp;operation=create-user"' in html
    response = admin.get(ADMIN + "/activity.csv?outcome=applied&operation=create-user")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    today = datetime.now(timezone.utc).strftime("%Y%m%d")
    assert response.headers["Content-Disposition"] == f'attachment; filename="usersync-audit-{today}.csv"'
    table = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert table[0] == ["at", "app", "operation", "resource_type", "resource_id", "subject", "outcome", "reason",
                        "changes"]
    assert [(r[2], r[5], r[6]) for r in table[1:]] == [("create-user", "'=cmd", "applied"),
                                                        ("create-user", "bjensen", "applied")]
    assert all(r[1] == idp_app[0].name for r in table[1:])
    response = admin.get(ADMIN + "/activity.csv?since=soon")  # bad filters: back to the page, which says why
    assert response.status_code == 302 and response.headers["Location"].endswith("/activity?since=soon")


# --- traffic log -------------------------------------------------------------------------------------

def test_the_traffic_log_shows_exchanges_with_passwords_redacted(admin, scim, idp_app):
    traffic_on(idp_app)
    provision(scim, "bjensen", password=PASSWORD)
    assert scim.get("/Users?filter=userName%20eq%20%22bjensen%22").status_code == 200
    html = page(admin, f"/apps/{idp_app[0].id}/traffic")
    assert PASSWORD not in html and "[redacted]" in html and scim.token not in html
    assert re.findall(r'<tr data-request-id="[^"]+" data-status="(\d+)">', html) == ["200", "201"]
    assert "<td>POST</td>" in html and "<code>/plugins/servlet/usersync/scim/Users</code>" in html
    assert re.search(r"<td>\d+\.\d&nbsp;ms</td>", html)
    assert "<details><summary>Request body</summary><pre>" in html and "&#34;userName&#34;: &#34;bjensen&#34;" in html
    assert 'id="traffic-off"' not in html
    assert f'href="{ADMIN}/apps/{idp_app[0].id}/traffic"' in page(admin, "/activity")


def test_the_traffic_log_says_when_it_is_off(admin, app, idp_app):
    html = page(admin, f"/apps/{idp_app[0].id}/traffic")
    assert 'id="traffic-off"' in html and "No exchange is logged." in html
    if "admin.options" in app.view_functions:
        assert 'traffic log option</a>' in html
    else:
        assert f'usersync apps set &#34;{idp_app[0].name}&#34; traffic_log=true' in html


def test_the_traffic_log_links_to_the_options_page_when_there_is_one(app, idp_app):
    from tests.conftest import AdminClient

    if "admin.options" not in app.view_functions:
        app.add_url_rule("/plugins/servlet/usersync/admin/apps/<int:app_id>/options", "admin.options",
                         lambda app_id: "options")
    admin = AdminClient(app.test_client()).sign_in()
    html = page(admin, f"/apps/{idp_app[0].id}/traffic")
    assert re.search(r'<a href="[^"]+">traffic log option</a>', html)


def test_clear_the_traffic_log(admin, scim, idp_app):
    traffic_on(idp_app)
    provision(scim, "bjensen")
    path = f"{ADMIN}/apps/{idp_app[0].id}/traffic"
    assert admin.client.post(path + "/clear", data={}).status_code == 400  # no CSRF token
    assert "<td>POST</td>" in admin.get(path).get_data(as_text=True)
    response = admin.post(path + "/clear")
    assert response.status_code == 302
    html = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "Cleared 1 exchange from the traffic log" in html and "No exchange is logged." in html
    assert admin.get(ADMIN + "/apps/999/traffic").status_code == 404
    assert admin.post(ADMIN + "/apps/999/traffic/clear").status_code == 404
