"""The application object: Flask's per-request checks remembered, no session for the SCIM servlet."""

import asyncio

from flask import session

from app import _KNOWN_FUNCTIONS, UsersyncFlask


def test_ensure_sync_remembers_plain_functions_and_still_runs_async_ones():
    flask_app = UsersyncFlask(__name__)

    def plain():
        return "plain"

    async def later():
        await asyncio.sleep(0)
        return "async"

    assert flask_app.ensure_sync(plain) is plain
    assert flask_app.ensure_sync(plain) is plain and flask_app._coroutine == {plain: False}
    try:
        assert flask_app.ensure_sync(later)() == "async"
    except RuntimeError as missing:  # Flask runs async views through asgiref, an optional extra
        assert "async" in str(missing)
    assert flask_app._coroutine[later] is True


def test_callables_made_per_request_cannot_grow_the_memory_without_end():
    flask_app = UsersyncFlask(__name__)
    for n in range(_KNOWN_FUNCTIONS + 50):
        callback = (lambda n=n: n)
        assert flask_app.ensure_sync(callback) is callback
    assert len(flask_app._coroutine) == _KNOWN_FUNCTIONS


def test_a_scim_request_opens_no_session_and_sets_no_cookie(app, scim):
    seen = []
    app.before_request(lambda: seen.append(type(session._get_current_object()).__name__))
    response = scim.get("/Users")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers
    assert seen == ["NullSession"]


def test_the_admin_pages_keep_their_cookie_session(admin):
    response = admin.client.get("/plugins/servlet/usersync/admin/")
    assert response.status_code in (200, 302)
    with admin.client.session_transaction() as signed_in:
        assert signed_in  # the sign-in stored its session, and it reads back
