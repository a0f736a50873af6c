"""store.tenancy.apps.note_request: the IdP's last request noted without a write on most requests, and its first
after a new token recorded once as a connection."""

from datetime import timedelta

import pytest

from models import IdpApp, utcnow
from models.audit import AuditEvent
from store.tenancy import apps

pytestmark = pytest.mark.usefixtures("store_db")


def fresh(app):
    return IdpApp.get_by_id(app.id)


def connections():
    return [(e.app_name, e.outcome, e.reason) for e in AuditEvent.select().where(AuditEvent.operation == "connect")
            .order_by(AuditEvent.id)]


def backdate(app, seconds):
    """The app as it would be seconds later: its token and its noted request that much older."""
    row, earlier = fresh(app), timedelta(seconds=seconds)
    IdpApp.update(last_request=row.last_request - earlier, token_created=row.token_created - earlier).where(
        IdpApp.id == app.id).execute()
    return fresh(app)


def test_the_first_request_is_a_connection_and_is_noted():
    app, _ = apps.create("Oracle prod", "oracle")
    assert apps.note_request(fresh(app), "GET", "/Users", 200) is True
    assert connections() == [("Oracle prod", "applied", "Oracle IDCS connected: GET /Users → 200")]
    noted = fresh(app)
    assert (noted.last_request_method, noted.last_request_status) == ("GET", 200)
    assert noted.last_request >= noted.token_created


def test_a_refused_or_failed_first_request_is_a_connection_too():
    okta, _ = apps.create("Okta", "okta")
    entra, _ = apps.create("Entra", "entra")
    assert apps.note_request(fresh(okta), "POST", "/Users", 403)
    assert apps.note_request(fresh(entra), "GET", "/Users", 500)
    assert connections() == [("Okta", "refused", "Okta connected: POST /Users → 403"),
                             ("Entra", "failed", "Microsoft Entra ID connected: GET /Users → 500")]


def test_later_requests_within_a_minute_write_nothing():
    app, _ = apps.create("Oracle prod", "oracle")
    apps.note_request(fresh(app), "GET", "/Users", 200)
    first = fresh(app)
    assert apps.note_request(first, "POST", "/Users", 201) is False
    assert apps.note_request(backdate(app, 30), "PATCH", "/Users/1", 204) is False
    later = fresh(app)
    assert (later.last_request, later.last_request_method, later.last_request_status) == (
        first.last_request - timedelta(seconds=30), "GET", 200)
    assert len(connections()) == 1


def test_a_minute_later_the_request_is_noted_again():
    app, _ = apps.create("Oracle prod", "oracle")
    apps.note_request(fresh(app), "GET", "/Users", 200)
    apps.note_request(backdate(app, 61), "DELETE", "/Users/1", 204)
    noted = fresh(app)
    assert (noted.last_request_method, noted.last_request_status) == ("DELETE", 204)
    assert utcnow() - noted.last_request < timedelta(seconds=30)
    assert len(connections()) == 1


def test_an_answer_of_another_class_is_noted_sooner_but_not_twice_a_second():
    app, _ = apps.create("Oracle prod", "oracle")
    apps.note_request(fresh(app), "GET", "/Users", 200)
    apps.note_request(fresh(app), "GET", "/Users/x", 404)  # the same second: not yet
    assert fresh(app).last_request_status == 200
    apps.note_request(backdate(app, 5), "GET", "/Users/x", 404)
    assert (fresh(app).last_request_method, fresh(app).last_request_status) == ("GET", 404)
    apps.note_request(backdate(app, 5), "GET", "/Users/y", 404)  # still failing: nothing new to say
    assert utcnow() - fresh(app).last_request > timedelta(seconds=4)


def test_a_rotated_token_makes_the_next_request_a_connection_again():
    app, _ = apps.create("Oracle prod", "oracle")
    apps.note_request(fresh(app), "GET", "/Users", 200)
    backdate(app, 5)
    rotated, _ = apps.rotate("Oracle prod")
    assert fresh(app).token_created > fresh(app).last_request
    assert apps.note_request(fresh(app), "GET", "/Users", 200) is True
    assert apps.note_request(fresh(app), "GET", "/Users", 200) is False
    assert len(connections()) == 2


def test_two_first_requests_at_once_make_one_connection():
    app, _ = apps.create("Oracle prod", "oracle")
    seen_by_both = fresh(app)  # each request loaded the app before either noted anything
    assert apps.note_request(seen_by_both, "GET", "/Users", 200) is True
    assert apps.note_request(seen_by_both, "GET", "/Groups", 200) is False
    assert len(connections()) == 1


def test_a_long_path_is_cut_in_the_event():
    app, _ = apps.create("Custom", "custom")
    apps.note_request(fresh(app), "GET", "/Users/" + "x" * 500, 404)
    [(_, _, reason)] = connections()
    assert reason.startswith("The SCIM client connected: GET /Users/xxx") and reason.endswith("… → 404")
    assert len(reason) < 260


def test_request_due_says_beforehand_whether_a_note_would_write():
    app, _ = apps.create("Oracle prod", "oracle")
    assert apps.request_due(fresh(app), 200)  # the first request: a connection
    apps.note_request(fresh(app), "GET", "/Users", 200)
    assert not apps.request_due(fresh(app), 201) and not apps.request_due(fresh(app), 500)
    assert apps.request_due(backdate(app, 5), 500) and not apps.request_due(fresh(app), 204)
    assert apps.request_due(backdate(app, 61), 200)
