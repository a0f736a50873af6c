"""An IdP's first request after a new token is a connection on the audit trail, errors included; every app's last
request is noted for Configured IDPs, without a write on each request."""

import logging
from datetime import timedelta

from models import IdpApp, db
from models.audit import AuditEvent
from rules import options
from store.tenancy import apps
from tests.conftest import SCIM, ScimClient

USER = "urn:ietf:params:scim:schemas:core:2.0:User"


def connections():
    """(app name, outcome, reason) of every connection event, oldest first."""
    with db.connection_context():
        return [(e.app_name, e.outcome, e.reason) for e in
                AuditEvent.select().where(AuditEvent.operation == "connect").order_by(AuditEvent.id)]


def noted(idp_app):
    """(when, method, status) of the app's last request as stored."""
    with db.connection_context():
        row = IdpApp.get_by_id(idp_app[0].id)
    return row.last_request, row.last_request_method, row.last_request_status


def age(idp_app, seconds):
    """The app as it would be seconds later: its token and its noted request that much older."""
    with db.connection_context():
        row, earlier = IdpApp.get_by_id(idp_app[0].id), timedelta(seconds=seconds)
        IdpApp.update(last_request=row.last_request - earlier, token_created=row.token_created - earlier).where(
            IdpApp.id == row.id).execute()


def test_oracle_test_connectivity_is_a_connection_on_the_trail(scim, idp_app):
    assert noted(idp_app) == (None, None, None)
    assert scim.get("/Users?count=1").status_code == 200  # what Oracle's Test Connectivity sends
    assert connections() == [(idp_app[0].name, "applied", "Oracle IDCS connected: GET /Users → 200")]
    when, method, status = noted(idp_app)
    assert when is not None and (method, status) == ("GET", 200)


def test_only_the_first_request_is_a_connection_and_the_next_ones_write_nothing(scim, idp_app):
    scim.get("/Users?count=1")
    first = noted(idp_app)
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 201
    assert scim.get("/Users?filter=userName%20eq%20%22bjensen%22").status_code == 200
    assert noted(idp_app) == first
    assert len(connections()) == 1


def test_a_minute_later_the_last_request_is_noted_again(scim, idp_app):
    scim.get("/Users?count=1")
    age(idp_app, 61)
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 201
    assert noted(idp_app)[1:] == ("POST", 201)
    assert len(connections()) == 1


def test_a_change_from_success_to_failure_is_noted_at_once(scim, idp_app):
    scim.get("/Users?count=1")
    age(idp_app, 5)
    assert scim.get("/Users/no-such-id").status_code == 404
    assert noted(idp_app)[1:] == ("GET", 404)


def test_a_refused_first_request_is_a_refused_connection(scim, idp_app):
    with db.connection_context():
        IdpApp.update(options=options.dumps(options.Options(import_users=False))).where(
            IdpApp.id == idp_app[0].id).execute()
    assert scim.post("/Users", json={"schemas": [USER], "userName": "jsmith"}).status_code == 403
    assert connections() == [(idp_app[0].name, "refused", "Oracle IDCS connected: POST /Users → 403")]
    assert noted(idp_app)[1:] == ("POST", 403)


def test_a_wrong_base_uri_is_a_connection_that_says_where_it_went(scim, idp_app):
    assert scim.get("/scim/v2/Users?count=1").status_code == 404  # a routing 404, never seen by the blueprint
    assert connections() == [(idp_app[0].name, "refused", "Oracle IDCS connected: GET /scim/v2/Users → 404")]


def test_the_path_is_the_one_the_idp_sent(scim, idp_app):
    assert scim.get("/users/").status_code == 200  # forgiven: a trailing slash and the endpoint's case
    assert connections()[0][2] == "Oracle IDCS connected: GET /users/ → 200"


def test_a_401_is_no_connection_and_notes_nothing(app, idp_app):
    stranger = ScimClient(app.test_client(), "not-a-token")
    assert stranger.get("/Users?count=1").status_code == 401
    assert app.test_client().get(SCIM + "/Users").status_code == 401
    assert connections() == [] and noted(idp_app) == (None, None, None)


def test_a_disabled_app_is_no_connection(scim, idp_app):
    with db.connection_context():
        apps.set_enabled(idp_app[0].name, False)
    assert scim.get("/Users?count=1").status_code == 401
    assert connections() == []


def test_a_rotated_token_connects_again(app, scim, idp_app):
    scim.get("/Users?count=1")
    age(idp_app, 5)
    with db.connection_context():
        _, token = apps.rotate(idp_app[0].name)
    assert scim.get("/Users?count=1").status_code == 401  # the old token
    assert len(connections()) == 1
    assert ScimClient(app.test_client(), token).get("/ServiceProviderConfig").status_code == 200
    assert [reason for _, _, reason in connections()] == ["Oracle IDCS connected: GET /Users → 200",
                                                          "Oracle IDCS connected: GET /ServiceProviderConfig → 200"]


def test_a_note_that_cannot_be_written_never_changes_the_response(scim, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr("store.tenancy.apps.note_request", broken)
    with caplog.at_level(logging.ERROR):
        response = scim.get("/Users?count=1")
    assert response.status_code == 200 and response.get_json()["totalResults"] == 0
    assert "could not note the SCIM request GET" in caplog.text
    assert connections() == []


def test_admin_pages_note_nothing(app, admin, idp_app):
    admin.get("/plugins/servlet/usersync/admin/", headers={"Authorization": f"Bearer {idp_app[1]}"})
    assert connections() == [] and noted(idp_app) == (None, None, None)
