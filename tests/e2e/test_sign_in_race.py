"""Sign-in throttling under real concurrency: however many wrong passwords arrive at once, a real `usersync serve`
checks at most LOGIN_MAX_FAILURES of them (5) before it refuses the rest, on SQLite and on PostgreSQL."""

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urlencode

import pytest

from config import Config

from .conftest import Server

pytestmark = pytest.mark.e2e

LOGIN = "/plugins/servlet/usersync/admin/login"
ATTEMPTS = 40
LIMIT = Config.LOGIN_MAX_FAILURES


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A server of its own, with more threads than the limit so that checks can overlap."""
    instance = Server(tmp_path_factory.mktemp("sign-in-race"), threads=12).start(app_name="race")
    yield instance
    assert instance.stop() == 0, instance.stderr_text()


def _form_session(server):
    """(cookie, CSRF token) of a fresh sign-in form."""
    response = server.request("GET", LOGIN, raw_path=True, token=None, headers={"Accept": "text/html"})
    assert response.status == 200, response
    cookie = response.headers["Set-Cookie"].split(";")[0]
    token = re.search(rb'name="csrf_token" value="([^"]+)"', response.body).group(1).decode()
    return cookie, token


def _sign_in(server, cookie, token, username, password, barrier=None):
    body = urlencode({"csrf_token": token, "username": username, "password": password}).encode()
    if barrier is not None:
        barrier.wait()
    return server.request("POST", LOGIN, body, raw_path=True, token=None, timeout=60, headers={
        "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded", "Accept": "text/html"}).status


def _concurrent_wrong_passwords(server, username):
    cookie, token = _form_session(server)
    barrier = threading.Barrier(ATTEMPTS)
    with ThreadPoolExecutor(ATTEMPTS) as pool:
        return sorted(pool.map(lambda n: _sign_in(server, cookie, token, username, f"wrong password {n}", barrier),
                               range(ATTEMPTS)))


def test_concurrent_wrong_passwords_are_checked_at_most_the_limit_times(server):
    statuses = _concurrent_wrong_passwords(server, "admin")
    # 401: the password was checked and was wrong; 429: refused before any check.
    assert statuses.count(401) == LIMIT and statuses.count(429) == ATTEMPTS - LIMIT, statuses
    cookie, token = _form_session(server)
    assert _sign_in(server, cookie, token, "admin", server.env["USERSYNC_ADMIN_PASSWORD"]) == 429  # locked out


def test_each_username_has_its_own_count(server):
    cookie, token = _form_session(server)
    password = server.env["USERSYNC_ADMIN_PASSWORD"]
    assert [_sign_in(server, cookie, token, "Root", "nope") for _ in range(LIMIT - 1)] == [401] * (LIMIT - 1)
    assert _sign_in(server, cookie, token, "root", password) == 401  # the 5th check: no such admin
    assert _sign_in(server, cookie, token, "ROOT", password) == 429
    statuses = _concurrent_wrong_passwords(server, "operator")
    assert statuses.count(401) == LIMIT, statuses
