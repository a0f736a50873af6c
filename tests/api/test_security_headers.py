"""Security headers on every response, from one app-wide hook: pages, error pages, redirects, static files, SCIM
answers and health probes; JSON gets a CSP that allows nothing, and what a response set itself stays."""

import pytest

from blueprints.admin.security import API_POLICY, PAGE_POLICY
from tests.conftest import SCIM

ADMIN = "/plugins/servlet/usersync/admin"
WIZARD = "/plugins/servlet/usersync/configure"
COMMON = {"X-Frame-Options": "DENY", "X-Content-Type-Options": "nosniff", "Referrer-Policy": "same-origin"}
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}


def assert_secured(response, policy):
    for name, value in {**COMMON, "Content-Security-Policy": policy}.items():
        assert response.headers.get(name) == value, (name, response.status_code, dict(response.headers))


@pytest.mark.parametrize("path, status", [
    ("/no-such-page", 404),
    ("/", 302),
    (ADMIN + "/", 302),
    (ADMIN + "/no-such-page", 302),  # to sign in, as a known page
    (WIZARD + "/no-such-step", 302),
    (ADMIN + "/login", 200),
])
def test_pages_errors_and_redirects_of_anyone(app, path, status):
    response = app.test_client().get(path)
    assert response.status_code == status
    assert_secured(response, PAGE_POLICY)
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/static/admin.css", "/static/js/copy.js", "/favicon.ico"])
def test_static_files_keep_their_own_caching(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert_secured(response, PAGE_POLICY)
    assert response.headers["Cache-Control"] != "no-store"
    response.close()


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_health_probes(app, path):
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert_secured(response, API_POLICY)
    assert response.headers["Cache-Control"] == "no-store"


def test_signed_in_pages(admin):
    for path in (ADMIN + "/", ADMIN + "/activity", WIZARD + "/", ADMIN + "/no-such-page"):
        response = admin.get(path)
        assert response.status_code in (200, 404), path
        assert_secured(response, PAGE_POLICY)


def test_scim_answers_keep_their_own_headers(app, scim):
    created = scim.post("/Users", json=USER)
    assert created.status_code == 201
    assert_secured(created, API_POLICY)
    assert created.headers["Location"].startswith("http://localhost" + SCIM + "/Users/")
    assert created.headers["ETag"].startswith('W/"') and created.mimetype == "application/scim+json"
    for response in (scim.get("/Users"), scim.get("/ServiceProviderConfig"), scim.get("/Users/no-such-id")):
        assert_secured(response, API_POLICY)
        assert response.mimetype == "application/scim+json"
    anonymous = app.test_client().get(SCIM + "/Users")
    assert anonymous.status_code == 401 and anonymous.headers["WWW-Authenticate"] == 'Bearer realm="usersync"'
    assert_secured(anonymous, API_POLICY)


def test_a_response_that_sets_a_header_keeps_it(app):
    app.add_url_rule("/testing-framed", "framed", lambda: ("x", 200, {"X-Frame-Options": "SAMEORIGIN",
                                                                       "Cache-Control": "max-age=60"}))
    response = app.test_client().get("/testing-framed")
    assert response.headers["X-Frame-Options"] == "SAMEORIGIN" and response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["Content-Security-Policy"] == PAGE_POLICY
