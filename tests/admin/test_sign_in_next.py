"""Where sign-in goes next: a path on this site, or the default page; never another site, never a 500."""

import pytest

from tests.conftest import AdminClient

ADMIN = "/plugins/servlet/usersync/admin"
DEFAULT = ADMIN + "/"
UNSAFE = {
    "crlf": "/\r\nx", "crlf-header": "/\r\nSet-Cookie: x=1", "soh": "/users\x01", "tab-host": "/\t/evil.example",
    "backslash-host": "/\\evil.example", "backslashes": "\\\\evil.example", "scheme": "https://evil.example/",
    "protocol-relative": "//evil.example/", "javascript": "javascript:alert(1)", "relative": "users",
    "bidi": "/users\u202e", "c1": "/users\x85", "too-long": "/" + "x" * 5000,
}


def _sign_in(app, target):
    client = AdminClient(app.test_client())
    client.get(ADMIN + "/login")
    return client.post(ADMIN + "/login", data={"username": "admin", "password": AdminClient.PASSWORD,
                                                "next": target})


@pytest.mark.parametrize("target", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_unsafe_next_signs_in_to_the_default_page(app, target):
    response = _sign_in(app, target)
    assert response.status_code == 302 and response.headers["Location"] == DEFAULT


@pytest.mark.parametrize("target", UNSAFE.values(), ids=UNSAFE.keys())
def test_an_unsafe_next_is_not_carried_in_the_form(app, target):
    response = app.test_client().get(ADMIN + "/login", query_string={"next": target})
    assert response.status_code == 200
    assert 'name="next" value=""' in response.get_data(as_text=True)


def test_a_page_of_this_site_is_where_sign_in_goes(app):
    target = ADMIN + "/users?q=al%20ice&page=2"
    page = app.test_client().get(ADMIN + "/login", query_string={"next": target}).get_data(as_text=True)
    assert 'name="next" value="/plugins/servlet/usersync/admin/users?q=al%20ice&amp;page=2"' in page
    assert _sign_in(app, target).headers["Location"] == target


def test_a_page_asked_for_before_sign_in_is_reached_after_it(app):
    client = AdminClient(app.test_client())
    asked = client.get(ADMIN + "/activity?user=bob")
    assert asked.status_code == 302
    form = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/plugins/servlet/usersync/admin/activity?user=bob"' in form
    response = client.post(ADMIN + "/login", data={"username": "admin", "password": AdminClient.PASSWORD,
                                                   "next": ADMIN + "/activity?user=bob"})
    assert response.headers["Location"] == ADMIN + "/activity?user=bob"
