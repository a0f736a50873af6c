"""The audit trail and traffic log through the app: refused writes recorded, exchanges logged redacted."""

import logging
import uuid

import pytest

from models import IdpApp, db
from models.audit import AuditEvent, TrafficEntry
from rules import options
from tests.conftest import SCIM, ScimClient, assert_scim_error

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
PASSWORD = "Pa55-word-9f3c!"


def new_user(name="bjensen", **extra):
    return {"schemas": [USER], "userName": name, **extra}


def create(scim, name="bjensen", **extra):
    response = scim.post("/Users", json=new_user(name, **extra))
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()


def set_options(idp_app, **values):
    with db.connection_context():
        IdpApp.update(options=options.dumps(options.Options(**values))).where(IdpApp.id == idp_app[0].id).execute()


def refusals():
    """The audited failures (refused or failed), oldest first; the app's first request, a connection, aside."""
    with db.connection_context():
        return [row for row in AuditEvent.select().where(AuditEvent.outcome.in_(("refused", "failed")),
                                                         AuditEvent.operation != "connect")
                .order_by(AuditEvent.id).dicts()]


def exchanges():
    """The traffic log, oldest first."""
    with db.connection_context():
        return list(TrafficEntry.select().order_by(TrafficEntry.id).dicts())


# --- failures in the audit trail ---------------------------------------------------------------------

def test_a_refused_create_is_audited_with_the_username_and_the_detail(scim, idp_app):
    create(scim, "bjensen@example.com")
    body = assert_scim_error(scim.post("/Users", json=new_user("bjensen@example.com")), 409, "uniqueness")
    [event] = refusals()
    assert (event["operation"], event["outcome"], event["resource_type"], event["resource_id"]) == (
        "create-user", "refused", "User", None)
    assert event["subject"] == "bjensen@example.com" and event["reason"] == body["detail"]
    assert (event["app"], event["app_name"]) == (idp_app[0].id, idp_app[0].name)


def test_a_create_refused_because_import_is_off_says_so(scim, idp_app):
    set_options(idp_app, import_users=False)
    body = assert_scim_error(scim.post("/Users", json=new_user("jsmith")), 403)
    [event] = refusals()
    assert (event["operation"], event["outcome"], event["subject"]) == ("create-user", "refused", "jsmith")
    assert event["reason"] == body["detail"] and "import is disabled" in event["reason"]


@pytest.mark.parametrize("method, path, body, status, operation, resource_type", [
    ("PATCH", "/Users/missing-id", {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title",
                                                                           "value": "x"}]},
     404, "update-user", "User"),
    ("PUT", "/Groups/missing-id", {"schemas": [GROUP], "displayName": "Sales"}, 404, "update-group", "Group"),
    ("DELETE", "/Users/missing-id", None, 404, "delete-user", "User"),
    ("DELETE", "/Groups/missing-id", None, 404, "delete-group", "Group"),
    ("POST", "/Groups", {"schemas": [GROUP]}, 400, "create-group", "Group"),
    ("POST", "/Bulk", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"]}, 400, "bulk", None),
])
def test_each_refused_write_names_its_operation_and_resource(scim, method, path, body, status, operation,
                                                             resource_type):
    response = scim.request(method, path, json=body)
    detail = assert_scim_error(response, status, response.get_json(force=True).get("scimType"))["detail"]
    [event] = refusals()
    assert (event["operation"], event["outcome"], event["resource_type"], event["reason"]) == (
        operation, "refused", resource_type, detail)
    assert event["resource_id"] == ("missing-id" if "missing-id" in path else None)
    assert event["subject"] == ("Sales" if method == "PUT" else None)


def test_a_refused_update_names_the_stored_user_when_the_body_does_not(scim):
    user = create(scim, "alice")
    response = scim.patch(f"/Users/{user['id']}", headers={"If-Match": 'W/"99"'},
                          json={"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title",
                                                                       "value": "CEO"}]})
    assert_scim_error(response, 412)
    [event] = refusals()
    assert (event["operation"], event["resource_id"], event["subject"]) == ("update-user", user["id"], "alice")


def test_a_malformed_body_is_audited_without_a_subject(scim):
    response = scim.request("POST", "/Users", headers={"Content-Type": "application/scim+json"},
                            data=b'{"userName": "bob",')
    assert_scim_error(response, 400, "invalidSyntax")
    [event] = refusals()
    assert (event["operation"], event["subject"]) == ("create-user", None)


def test_an_unexpected_error_on_a_write_is_audited_as_failed_without_internals(scim, monkeypatch):
    def explode(*_args, **_kwargs):
        raise RuntimeError("SELECT internals FROM the_database")

    monkeypatch.setattr("scim.validation.inbound", explode)
    body = assert_scim_error(scim.post("/Users", json=new_user("carol")), 500)
    [event] = refusals()
    assert (event["operation"], event["outcome"], event["subject"]) == ("create-user", "failed", "carol")
    assert event["reason"] == body["detail"] and "SELECT" not in event["reason"]


@pytest.mark.parametrize("method, path, body, status", [
    ("GET", "/Users/missing-id", None, 404),
    ("POST", "/Users/.search", {"schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
                                "filter": "nonsense eq"}, 400),
    ("GET", "/Users?filter=bad%20filter", None, 400),
])
def test_failed_reads_are_not_audited(scim, method, path, body, status):
    assert scim.request(method, path, json=body).status_code == status
    assert refusals() == []


def test_a_401_is_neither_audited_nor_logged(app, idp_app):
    set_options(idp_app, traffic_log=True)
    stranger = ScimClient(app.test_client(), "not-a-token")
    assert_scim_error(stranger.post("/Users", json=new_user("mallory")), 401)
    assert refusals() == [] and exchanges() == []


def test_an_audit_that_cannot_be_written_never_changes_the_response(scim, monkeypatch, caplog):
    def broken(*_args, **_kwargs):
        raise RuntimeError("database is locked")

    monkeypatch.setattr("store.trail.audit.record", broken)
    assert_scim_error(scim.delete("/Users/missing-id"), 404)
    assert "could not audit the failed DELETE" in caplog.text


# --- request ids and the traffic log --------------------------------------------------------------

def test_every_scim_response_carries_a_fresh_request_id(app, scim):
    ids = [scim.get("/Users").headers.get("X-Request-Id"),
           scim.get("/Userz").headers.get("X-Request-Id"),  # a routing 404
           app.test_client().get(SCIM + "/Users").headers.get("X-Request-Id")]  # a 401
    assert all(uuid.UUID(value).version == 4 for value in ids)
    assert len(set(ids)) == 3


def test_the_traffic_log_is_off_by_default(scim):
    create(scim)
    assert exchanges() == []


def test_when_on_each_exchange_is_logged_with_its_request_id_and_redacted_body(scim, idp_app):
    set_options(idp_app, traffic_log=True)
    created = scim.post("/Users", json=new_user("bjensen", password=PASSWORD))
    duplicate = scim.post("/Users", json=new_user("bjensen", password=PASSWORD))
    missing = scim.get("/Users/missing-id?attributes=userName")
    unrouted = scim.get("/Userz")
    statuses = [r.status_code for r in (created, duplicate, missing, unrouted)]
    assert statuses == [201, 409, 404, 404]
    logged = exchanges()
    assert [(e["method"], e["status"]) for e in logged] == [("POST", 201), ("POST", 409), ("GET", 404), ("GET", 404)]
    assert [e["request_id"] for e in logged] == [
        r.headers["X-Request-Id"] for r in (created, duplicate, missing, unrouted)]
    assert logged[0]["path"] == SCIM + "/Users"
    assert logged[2]["path"] == SCIM + "/Users/missing-id?attributes=userName"
    assert logged[3]["path"] == SCIM + "/Userz"
    assert '"password": "[redacted]"' in logged[0]["request_body"] and PASSWORD not in logged[0]["request_body"]
    assert '"id": "%s"' % created.get_json()["id"] in logged[0]["response_body"]
    assert '"uniqueness"' in logged[1]["response_body"]
    assert logged[2]["request_body"] is None
    assert all(e["latency_ms"] >= 0 for e in logged)


def test_the_log_keeps_the_newest_entries_and_cuts_long_bodies(app, scim, idp_app):
    set_options(idp_app, traffic_log=True)
    app.config.update(TRAFFIC_LOG_MAX_ENTRIES=3, TRAFFIC_LOG_MAX_BODY=40)
    ids = [scim.post("/Users", json=new_user(f"user{number}")).headers["X-Request-Id"] for number in range(5)]
    logged = exchanges()
    assert [e["request_id"] for e in logged] == ids[2:]
    for entry in logged:
        kept, marker, dropped = entry["request_body"].partition("…[truncated ")
        assert kept == '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"]'[:40] and marker
        assert dropped.endswith(" bytes]")
    assert all(len(e["response_body"]) < 80 for e in logged)


def test_a_traffic_log_that_cannot_be_written_never_changes_the_response(scim, idp_app, monkeypatch, caplog):
    set_options(idp_app, traffic_log=True)

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("store.trail.traffic.record", broken)
    response = scim.get("/Users")
    assert response.status_code == 200 and response.headers["X-Request-Id"]
    assert "could not log SCIM exchange" in caplog.text


def test_no_token_or_password_is_kept_anywhere(app, scim, idp_app, caplog):
    """Every text column of the audit trail and traffic log, the log output and every response body."""
    caplog.set_level(logging.DEBUG)
    token = idp_app[1]
    set_options(idp_app, traffic_log=True)
    user = create(scim, "dana", password=PASSWORD)
    responses = [
        scim.post("/Users", json=new_user("dana", password=PASSWORD)),  # 409
        scim.patch(f"/Users/{user['id']}", json={"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "password", "value": PASSWORD},
            {"op": "replace", "value": {"password": PASSWORD, "title": "CEO"}}]}),
        scim.put(f"/Users/{user['id']}", headers={"If-Match": 'W/"99"'},
                 json=new_user("dana", password=PASSWORD)),  # 412
        scim.patch(f"/Users/{user['id']}", json={"schemas": [PATCH_OP], "Operations": [
            {"op": "bogus", "path": "password", "value": PASSWORD}]}),  # 400
        scim.get(f"/Users?access_token={token}&password={PASSWORD}"),
        scim.post("/Users", headers={"Content-Type": "application/scim+json"},
                  data=('{"userName": "eve", "password": "%s", "token": "%s",' % (PASSWORD, token)).encode()),
        scim.post("/Bulk", json={"schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
                                 "Operations": [{"method": "POST", "path": "/Users", "bulkId": "b1",
                                                 "data": new_user("frank", password=PASSWORD)}]}),
    ]
    assert [r.status_code for r in responses] == [409, 200, 412, 400, 200, 400, 200]
    with db.connection_context():
        texts = [value for model in (AuditEvent, TrafficEntry) for row in model.select().dicts()
                 for value in row.values() if isinstance(value, str)]
        assert TrafficEntry.select().count() == 8 and AuditEvent.select().count() >= 4
    texts += [caplog.text] + [r.get_data(as_text=True) for r in responses]
    for secret in (token, PASSWORD):
        assert not [text for text in texts if secret in text]


def test_a_bulk_operation_can_record_its_own_failure(app, idp_app):
    """What Bulk's dispatcher can call for each refused operation (the Bulk request itself answers 200)."""
    from flask import g

    from blueprints.scim import failures
    from scim import errors

    with app.test_request_context(SCIM + "/Bulk", method="POST"), db.connection_context():
        g.flask_httpauth_user = idp_app[0]
        failures.record(errors.Forbidden("User import is disabled for this app."), method="POST", path="/Users",
                        body={"userName": "bulk-user"})
        failures.record(errors.NotFound(), method="DELETE", path="/Groups/g-1", body={})
    [create, delete] = refusals()
    assert (create["operation"], create["subject"], create["reason"]) == (
        "create-user", "bulk-user", "User import is disabled for this app.")
    assert (delete["operation"], delete["resource_id"], delete["subject"]) == ("delete-group", "g-1", None)


def test_another_apps_token_pasted_into_a_path_is_not_kept_in_the_traffic_log(scim, idp_app):
    from models import db
    from store.tenancy import apps

    set_options(idp_app, traffic_log=True)
    with db.connection_context():
        _, other_token = apps.create("Okta elsewhere", "okta")
    scim.get(f"/Users/{other_token}")
    (entry,) = exchanges()
    assert other_token not in entry["path"] and entry["path"].endswith("/Users/[redacted]")
