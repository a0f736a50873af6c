"""Error pages in the product's look outside the SCIM servlet (which keeps its Error bodies), and the favicon."""

import logging

import pytest
from flask import abort

from tests.conftest import SCIM, assert_scim_error

from .pages import ADMIN, text

WIZARD = "/plugins/servlet/usersync/configure"


@pytest.fixture
def failing(app):
    """Routes that fail on purpose: a 403, and a bug (an exception no handler expects)."""
    app.add_url_rule(ADMIN + "/testing-forbidden", "forbidden", lambda: abort(403))
    app.add_url_rule(WIZARD + "/testing-bug", "bug", lambda: 1 / 0)
    app.add_url_rule(SCIM + "/testing-bug", "scim_bug", lambda: 1 / 0)
    return app


def assert_product_page(response, status, message):
    """Our page, with the status, the message and the admin pages' headers; never Werkzeug's default page."""
    assert response.status_code == status
    assert response.mimetype == "text/html"
    body = text(response)
    assert f'id="error-page" data-status="{status}"' in body and message in body
    assert "admin.css" in body and 'rel="icon"' in body  # the product's look
    assert "Werkzeug" not in body and "<title>404 Not Found</title>" not in body and "Traceback" not in body
    assert response.headers["Content-Security-Policy"].startswith("default-src 'self'")
    return body


@pytest.mark.parametrize("path", [ADMIN + "/no-such-page", WIZARD + "/no-such-step", "/no-such-page"])
def test_an_unknown_address_gets_the_404_page(admin, path):
    body = assert_product_page(admin.get(path), 404, "There is no page at this address.")
    assert ">Configured IDPs</a>" in body  # signed in: the navigation and a way back


def test_signed_out_the_404_page_offers_sign_in(anonymous):
    body = assert_product_page(anonymous.get("/no-such-page"), 404, "There is no page at this address.")
    assert ">Sign in</a>" in body and "Sign out" not in body


@pytest.mark.parametrize("path", [ADMIN + "/no-such-page", WIZARD + "/no-such-step", ADMIN + "/apps/x/edit"])
def test_signed_out_an_unknown_admin_address_asks_to_sign_in_as_a_known_one_does(anonymous, path):
    """A 404 there would tell an anonymous caller which admin pages exist."""
    unknown, known = anonymous.get(path), anonymous.get(ADMIN + "/users")
    assert (unknown.status_code, known.status_code) == (302, 302)
    assert unknown.headers["Location"].startswith(ADMIN + "/login?next=")
    assert known.headers["Location"].startswith(ADMIN + "/login?next=")
    assert anonymous.delete(ADMIN + "/users").headers["Location"].startswith(ADMIN + "/login?")  # not a 405


def test_a_missing_record_says_what_is_missing(admin):
    assert_product_page(admin.get(ADMIN + "/users/no-such-user"), 404, "There is no user with the id 'no-such-user'.")
    assert_product_page(admin.get(ADMIN + "/apps/999/options"), 404, "999")  # rules.errors.NotFound from the store
    assert_product_page(admin.get(ADMIN + "/groups/scim/nope"), 404, "There is no SCIM group with the id 'nope'.")


def test_a_refused_form_gets_the_400_page(admin):
    response = admin.client.post(ADMIN + "/directories", data={"name": "x"})  # without the CSRF token
    assert_product_page(response, 400, "The form expired or did not come from this site.")


def test_forbidden_and_failures_get_their_pages(failing, admin, caplog):
    assert_product_page(admin.get(ADMIN + "/testing-forbidden"), 403, "You cannot open this page.")
    with caplog.at_level(logging.ERROR):
        body = assert_product_page(admin.get(WIZARD + "/testing-bug"), 500, "could not finish this request")
    assert "ZeroDivisionError" not in body
    assert any("ZeroDivisionError" in (record.exc_text or "") for record in caplog.records)  # logged, not shown


def test_scim_paths_keep_their_scim_error_bodies(failing, scim):
    assert_scim_error(scim.get("/NoSuchEndpoint"), 404)
    assert_scim_error(scim.get("/Users/no-such-id"), 404)
    assert_scim_error(scim.get("/testing-bug"), 500)


def test_the_favicon_is_served_at_the_root_and_linked_from_every_page(admin):
    response = admin.client.get("/favicon.ico")
    assert response.status_code == 200 and response.mimetype == "image/vnd.microsoft.icon"
    assert response.get_data()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    response.close()
    page = admin.get(ADMIN + "/").get_data(as_text=True)
    assert '<link rel="icon" href="/favicon.ico"' in page
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in page
    svg = admin.client.get("/static/favicon.svg")
    assert svg.status_code == 200 and b"<svg" in svg.get_data()
    svg.close()
