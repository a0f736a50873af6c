"""One JSON line per request on usersync.requests, one request id per request, and no secret in any log."""

import json
import logging
import uuid

import pytest

from tests.conftest import SCIM, AdminClient

ADMIN = "/plugins/servlet/usersync/admin"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
FIELDS = {"event", "request_id", "method", "path", "status", "ms", "app", "remote"}


@pytest.fixture
def lines(caplog):
    """The request log's lines so far, parsed."""
    caplog.set_level(logging.INFO, logger="usersync.requests")

    def parsed():
        return [json.loads(r.getMessage()) for r in caplog.records if r.name == "usersync.requests"]

    return parsed


def test_one_line_per_request_scim_admin_and_ops_alike(app, scim, idp_app, lines):
    responses = [scim.get("/Users?filter=userName%20eq%20%22x%22"), app.test_client().get(ADMIN + "/"),
                 app.test_client().get("/health"), app.test_client().get("/no-such-page")]
    logged = lines()
    assert [set(line) for line in logged] == [FIELDS] * 4
    assert [(line["method"], line["path"], line["status"]) for line in logged] == [
        ("GET", SCIM + "/Users", 200), ("GET", ADMIN + "/", 302), ("GET", "/health", 200),
        ("GET", "/no-such-page", 404)]
    assert [line["request_id"] for line in logged] == [r.headers["X-Request-Id"] for r in responses]
    assert [line["app"] for line in logged] == [idp_app[0].name, None, None, None]
    assert all(line["event"] == "request" and line["ms"] >= 0 and line["remote"] == "127.0.0.1" for line in logged)


def test_every_response_carries_a_fresh_uuid4_request_id(app, scim):
    responses = [scim.get("/Users"), scim.get("/Userz"), app.test_client().get(SCIM + "/Users"),
                 app.test_client().get(ADMIN + "/login"), app.test_client().get("/ready"),
                 app.test_client().get("/no-such-page")]
    ids = [r.headers["X-Request-Id"] for r in responses]
    assert all(uuid.UUID(value).version == 4 for value in ids)
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("incoming", ["abc-123", "lb.7f3a_9", "x" * 64])
def test_a_sane_incoming_request_id_is_kept(app, scim, lines, incoming):
    response = scim.get("/Users", headers={"X-Request-Id": incoming})
    assert response.headers["X-Request-Id"] == incoming
    assert lines()[-1]["request_id"] == incoming


@pytest.mark.parametrize("incoming", ["x" * 65, "two words", 'a"b', "a\\nb", "", "ümlaut", "a/b"])
def test_any_other_incoming_request_id_is_replaced(app, lines, incoming):
    response = app.test_client().get("/health", headers={"X-Request-Id": incoming})
    assert uuid.UUID(response.headers["X-Request-Id"]).version == 4
    assert lines()[-1]["request_id"] == response.headers["X-Request-Id"]


def test_the_traffic_log_records_the_same_id(scim, idp_app):
    from models import IdpApp, TrafficEntry, db
    from rules import options

    with db.connection_context():
        IdpApp.update(options=options.dumps(options.Options(traffic_log=True))).where(
            IdpApp.id == idp_app[0].id).execute()
    response = scim.get("/Users", headers={"X-Request-Id": "idp-trace-42"})
    with db.connection_context():
        assert [e.request_id for e in TrafficEntry.select()] == ["idp-trace-42"]
    assert response.headers["X-Request-Id"] == "idp-trace-42"


def test_no_token_password_or_cookie_reaches_any_log(app, scim, idp_app, caplog):
    """A SCIM create with a password, a failed sign-in and an admin page view, with every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    token = idp_app[1]
    password = "Pa55-word-9f3c!"
    created = scim.post(f"/Users?access_token={token}&password={password}",
                        json={"schemas": [USER], "userName": "dana", "password": password})
    assert created.status_code == 201
    admin = AdminClient(app.test_client())
    refused = admin.post(ADMIN + "/login", data={"username": "admin", "password": password})
    assert refused.status_code == 401
    admin.sign_in()
    assert admin.get(ADMIN + "/users").status_code == 200  # sends the session cookie
    session = admin.client.get_cookie("session").value
    secrets = {"token": token, "password": password, "admin password": AdminClient.PASSWORD,
               "session cookie": session, "csrf token": admin.token}
    assert all(secrets.values())
    logged = caplog.text
    assert [name for name, secret in secrets.items() if secret in logged] == []
    assert f'"path":"{SCIM}/Users"' in logged  # the create was logged, without its query string


def test_a_token_put_in_the_path_is_not_logged(app, scim, idp_app, lines):
    """The request's own token, and any app's token pasted into a URL without a header (a misconfigured IdP)."""
    token = idp_app[1]
    scim.get(f"/Users/{token}")
    app.test_client().get(f"{SCIM}/{token}/Users")
    logged = [line["path"] for line in lines()]
    assert logged == [f"{SCIM}/Users/[redacted]", f"{SCIM}/[redacted]/Users"]
    assert all(token not in path for path in logged)


def test_a_token_shaped_id_that_is_no_token_is_logged_as_sent(app, scim, lines):
    lookalike = "A" * 43
    scim.get(f"/Users/{lookalike}")
    assert lines()[-1]["path"] == f"{SCIM}/Users/{lookalike}"


def test_a_token_across_the_logged_paths_cut_is_not_logged_in_part(app, scim, idp_app, lines):
    token = idp_app[1]
    padding = "x" * (2048 - len(f"{SCIM}/Users//") - 25)  # the cut falls 25 characters into the token
    scim.get(f"/Users/{padding}/{token}")
    logged = lines()[-1]["path"]
    assert len(logged) <= 2048 and token[:20] not in logged
