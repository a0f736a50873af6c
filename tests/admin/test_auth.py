"""Sign-in, sign-out, CSRF, throttling and security headers of the admin pages."""

import pytest

from tests.conftest import AdminClient

ADMIN = "/plugins/servlet/usersync/admin"


def test_pages_need_a_signed_in_session(app):
    response = app.test_client().get(ADMIN + "/")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_sign_in_and_out(app):
    admin = AdminClient(app.test_client()).sign_in()
    assert admin.get(ADMIN + "/").status_code == 200
    assert admin.post(ADMIN + "/logout").status_code == 302
    assert admin.get(ADMIN + "/").status_code == 302


def test_wrong_password_keeps_the_username_and_says_why(app):
    client = AdminClient(app.test_client())
    response = client.post(ADMIN + "/login", data={"username": "admin", "password": "nope"})
    assert response.status_code == 401
    assert "not right" in response.get_data(as_text=True) and 'value="admin"' in response.get_data(as_text=True)


def test_sign_in_is_throttled(app):
    client = AdminClient(app.test_client())
    for _ in range(app.config["LOGIN_MAX_FAILURES"]):
        client.post(ADMIN + "/login", data={"username": "admin", "password": "nope"})
    response = client.post(ADMIN + "/login", data={"username": "admin", "password": AdminClient.PASSWORD})
    assert response.status_code == 429 and "Too many" in response.get_data(as_text=True)


def test_form_posts_need_the_csrf_token(app, admin):
    response = admin.client.post(ADMIN + "/logout", data={})
    assert response.status_code == 400


def test_no_open_redirect_after_sign_in(app):
    client = AdminClient(app.test_client())
    client.get(ADMIN + "/login")
    response = client.post(ADMIN + "/login", data={"username": "admin", "password": AdminClient.PASSWORD,
                                                   "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(ADMIN + "/")


@pytest.mark.parametrize("path", [ADMIN + "/login", ADMIN + "/"])
def test_security_headers(admin, path):
    response = admin.get(path)
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert "unsafe-inline" not in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def test_session_cookie_flags(app):
    client = AdminClient(app.test_client())
    client.get(ADMIN + "/login")
    response = client.client.post(ADMIN + "/login", data={"csrf_token": client.token, "username": "admin",
                                                          "password": AdminClient.PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_a_non_ascii_csrf_token_is_a_400_not_a_500(app):
    client = app.test_client()
    client.get(ADMIN + "/login")
    response = client.post(ADMIN + "/login", data={"csrf_token": "é", "username": "admin", "password": "x"})
    assert response.status_code == 400


def test_sign_out_ends_a_copied_session_too(app):
    admin = AdminClient(app.test_client()).sign_in()
    copy = app.test_client()
    copy.set_cookie("session", admin.client.get_cookie("session").value)
    assert copy.get(ADMIN + "/").status_code == 200
    admin.post(ADMIN + "/logout")
    assert copy.get(ADMIN + "/").status_code == 302


def test_a_new_password_ends_every_session(app):
    from models import db
    from store.tenancy import admin as admin_store

    admin = AdminClient(app.test_client()).sign_in()
    with db.connection_context():
        admin_store.set_password("another-long-password")
    assert admin.get(ADMIN + "/").status_code == 302
