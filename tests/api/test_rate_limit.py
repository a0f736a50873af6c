"""SCIM_RATE_LIMIT: per app token, 429 with Retry-After, off by default."""

import pytest

from app import create_app
from models import User, db
from store.tenancy import apps
from store.trail import audit
from tests.conftest import ScimClient, assert_scim_error, fresh_database


@pytest.fixture
def limited(tmp_path):
    """An app allowing each token 1 request a second with bursts of 3, and two IdP apps' clients."""
    url, _ = fresh_database(tmp_path)
    application = create_app({"TESTING": True, "DATABASE_URL": url, "SCIM_RATE_LIMIT": 1.0, "SCIM_RATE_BURST": 3})
    with application.app_context(), db.connection_context():
        okta, okta_token = apps.create("Okta", "okta")
        _, entra_token = apps.create("Entra", "entra")
    client = application.test_client()
    yield okta, ScimClient(client, okta_token), ScimClient(client, entra_token)
    db.close()


def test_past_the_burst_a_token_gets_429_with_retry_after(limited):
    _, okta, _ = limited
    assert [okta.get("/Users").status_code for _ in range(3)] == [200, 200, 200]
    response = okta.post("/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                         "userName": "throttled"})
    assert_scim_error(response, 429)
    assert response.headers["Retry-After"] == "1"


def test_a_throttled_write_changes_nothing_and_is_not_audited(limited):
    record, okta, _ = limited
    for _ in range(3):
        okta.get("/Users")
    okta.post("/Users", json={"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "throttled"})
    with db.connection_context():
        assert audit.query(app=record, subject="throttled") == []
        assert not User.select().where(User.user_name == "throttled").exists()


def test_one_tokens_flood_does_not_throttle_another_app(limited):
    _, okta, entra = limited
    while okta.get("/Users").status_code != 429:
        pass
    assert entra.get("/Users").status_code == 200


def test_an_unauthenticated_request_is_refused_before_any_bucket(limited):
    _, okta, _ = limited
    anonymous = ScimClient(okta.client, "not-a-token")
    for _ in range(5):
        assert_scim_error(anonymous.get("/Users"), 401)
    assert okta.get("/Users").status_code == 200


def test_off_by_default(scim):
    assert {scim.get("/Users").status_code for _ in range(50)} == {200}
