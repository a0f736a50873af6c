"""The SCIM servlet over real HTTP: waitress, threads, keep-alive, media types, auth, and a clean stop."""

import re
import signal
import socket
import subprocess
import threading
import time
import uuid
from urllib.parse import quote

import pytest

from .conftest import (
    PREFIX,
    REPO,
    SCIM_JSON,
    START_TIMEOUT,
    STOP_TIMEOUT,
    Server,
    assert_scim_error,
    assert_scim_json,
    free_port,
    usersync,
)

pytestmark = pytest.mark.e2e

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


def unique(prefix="e2e"):
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def new_user(user_name):
    return {"schemas": [USER], "userName": user_name, "displayName": "Barbara Jensen",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "emails": [{"value": f"{user_name}@example.com", "type": "work", "primary": True}]}


def create_user(server, user_name=None, conn=None):
    response = server.request("POST", "/Users", new_user(user_name or unique()), conn=conn)
    assert response.status == 201, response
    return response


def test_user_lifecycle(server):
    user_name = unique("bjensen")
    created = create_user(server, user_name)
    assert_scim_json(created)
    body = created.json()
    path = f"/Users/{body['id']}"
    assert body["userName"] == user_name and body["active"] is True
    # RFC 7644 §3.1: Location is the resource's URI, built from the Host this request came in on.
    assert created.headers["Location"] == body["meta"]["location"] == server.base_url + path
    assert created.headers["ETag"] == body["meta"]["version"]

    fetched = server.request("GET", path)
    assert fetched.status == 200, fetched
    assert_scim_json(fetched)
    assert fetched.json() == body

    patch = {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "displayName", "value": "Babs Jensen"},
        {"op": "replace", "value": {"active": False}},
        {"op": "add", "path": "title", "value": "Tour Guide"}]}
    patched = server.request("PATCH", path, patch)
    assert patched.status == 200, patched
    assert_scim_json(patched)
    updated = patched.json()
    assert (updated["displayName"], updated["active"], updated["title"]) == ("Babs Jensen", False, "Tour Guide")
    assert updated["meta"]["version"] != body["meta"]["version"]
    assert patched.headers["ETag"] == updated["meta"]["version"]
    assert server.request("GET", path).json() == updated

    deleted = server.request("DELETE", path)
    assert deleted.status == 204, deleted
    assert deleted.body == b""
    assert_scim_error(server.request("GET", path), 404)
    assert_scim_error(server.request("DELETE", path), 404)


MEDIA_TYPE_CASES = [
    # (id, method, path, body, headers, token, status)
    ("service-provider-config", "GET", "/ServiceProviderConfig", None, None, True, 200),
    ("resource-types", "GET", "/ResourceTypes", None, None, True, 200),
    ("schemas", "GET", "/Schemas", None, None, True, 200),
    ("list-users", "GET", "/Users", None, None, True, 200),
    ("filter-users", "GET", "/Users?filter=" + quote('userName eq "nobody-here"'), None, None, True, 200),
    ("list-groups", "GET", "/Groups", None, None, True, 200),
    ("unknown-user-404", "GET", "/Users/does-not-exist", None, None, True, 404),
    ("routing-404", "GET", "/Nope", None, None, True, 404),
    ("routing-404-no-token", "GET", "/Nope", None, None, False, 404),
    ("routing-405", "DELETE", "/Users", None, None, True, 405),
    ("routing-405-discovery", "PUT", "/ServiceProviderConfig", None, None, True, 405),
    ("no-token-401", "GET", "/Users", None, None, False, 401),
    ("malformed-json-400", "POST", "/Users", b'{"userName": ', {"Content-Type": SCIM_JSON}, True, 400),
    ("no-username-400", "POST", "/Users", {"schemas": [USER], "displayName": "x"}, None, True, 400),
    ("bad-filter-400", "GET", "/Users?filter=" + quote("userName zz"), None, None, True, 400),
    ("text-plain-415", "POST", "/Users", b"userName=x", {"Content-Type": "text/plain"}, True, 415),
]


@pytest.mark.parametrize("method, path, body, headers, with_token, status",
                         [case[1:] for case in MEDIA_TYPE_CASES], ids=[case[0] for case in MEDIA_TYPE_CASES])
def test_every_response_is_scim_json(server, method, path, body, headers, with_token, status):
    response = server.request(method, path, body, headers, token=server.token if with_token else None)
    if status < 400:
        assert response.status == status, response
        assert_scim_json(response)
        response.json()
    elif status == 404 and not with_token:
        # An unrouted path may be refused for want of a token first; either way it is a SCIM Error.
        assert response.status in (401, 404), response
        assert_scim_error(response, response.status)
    else:
        assert_scim_error(response, status)
    if status == 405:
        assert method not in response.headers.get("Allow", ""), response
        assert "GET" in response.headers.get("Allow", ""), response


@pytest.mark.parametrize("token", [None, "not-a-token", ""], ids=["missing", "wrong", "empty"])
@pytest.mark.parametrize("path", ["/ServiceProviderConfig", "/Users", "/Groups"])
def test_requests_without_a_valid_token_are_401(server, path, token):
    response = server.request("GET", path, token=token)
    assert_scim_error(response, 401)
    assert response.headers.get("WWW-Authenticate", "").startswith("Bearer"), response


def test_keep_alive_connection_serves_several_requests(server):
    conn = server.connection()
    try:
        first = server.request("GET", "/ServiceProviderConfig", conn=conn)
        assert first.status == 200, first
        sock = conn.sock
        local = sock.getsockname()
        created = create_user(server, conn=conn)
        user_id = created.json()["id"]
        responses = [
            created,
            server.request("GET", f"/Users/{user_id}", conn=conn),
            server.request("GET", "/Users/does-not-exist", conn=conn),
            server.request("PATCH", f"/Users/{user_id}", {"schemas": [PATCH_OP], "Operations": [
                {"op": "replace", "path": "displayName", "value": "Kept Alive"}]}, conn=conn),
            server.request("GET", "/Users?count=1", conn=conn),
            server.request("GET", "/Users", token="not-a-token", conn=conn),
            server.request("POST", "/Users", b'{"userName": ', {"Content-Type": SCIM_JSON}, conn=conn),
        ]
        assert [r.status for r in responses] == [201, 200, 404, 200, 200, 401, 400], responses
        # http.client drops its socket whenever a response says the connection will close.
        assert conn.sock is sock and sock.getsockname() == local, responses
        assert all(r.headers.get("Connection", "").lower() != "close" for r in responses), responses
        # waitress closes after any body-less 204/304 (task.py: no Content-Length => close_on_finish);
        # clients reconnect, so the same HTTPConnection carries on.
        assert server.request("DELETE", f"/Users/{user_id}", conn=conn).status == 204
        assert_scim_error(server.request("GET", f"/Users/{user_id}", conn=conn), 404)
    finally:
        conn.close()


def test_body_less_responses_do_not_claim_html(server):
    """204 and 304 carry no body, so no Content-Type, or the SCIM one; never Flask's text/html default."""
    created = create_user(server).json()
    path = f"/Users/{created['id']}"
    not_modified = server.request("GET", path, headers={"If-None-Match": created["meta"]["version"]})
    deleted = server.request("DELETE", path)
    assert (not_modified.status, deleted.status) == (304, 204), (not_modified, deleted)
    for response in (not_modified, deleted):
        assert response.body == b"", response
        assert response.headers.get("Content-Type", SCIM_JSON).startswith(SCIM_JSON), response


def test_concurrent_creates_on_four_threads(server):
    """Distinct userNames all succeed; one userName raced by six clients is created exactly once."""
    distinct = [unique("racer") for _ in range(8)]
    contested = unique("contested")
    results = {}

    def post(key, user_name):
        results[key] = server.request("POST", "/Users", new_user(user_name))

    threads = [threading.Thread(target=post, args=(name, name)) for name in distinct]
    threads += [threading.Thread(target=post, args=(f"same-{i}", contested)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert all(results[name].status == 201 for name in distinct), [results[name] for name in distinct]
    same = [results[f"same-{i}"] for i in range(6)]
    assert sorted(r.status for r in same) == [201] + [409] * 5, same
    for response in same:
        if response.status == 409:
            assert_scim_error(response, 409, "uniqueness")
    listed = server.request("GET", "/Users?filter=" + quote(f'userName eq "{contested}"')).json()
    assert listed["totalResults"] == 1, listed


def test_sigterm_stops_the_server_cleanly(tmp_path):
    instance = Server(tmp_path).start()
    idle = instance.connection()
    try:
        # An idle keep-alive connection must not hold the shutdown up.
        assert instance.request("GET", "/ServiceProviderConfig", conn=idle).status == 200
        code = instance.stop(signal.SIGTERM)
    finally:
        idle.close()
        instance.kill()
    stderr = instance.stderr_text()
    assert code == 0, f"exit code {code}; stderr:\n{stderr}"
    assert f"usersync serving on http://127.0.0.1:{instance.port}" in stderr, stderr
    assert f"{PREFIX}" in stderr, stderr
    assert "usersync stopped" in stderr, stderr
    assert "Traceback" not in stderr, stderr
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", instance.port), timeout=2).close()


ADMIN_PAGE = "/plugins/servlet/usersync/admin/"
FRAMED_PASSWORD = re.compile(r"^\|  Password    (\S+) +\|$", re.MULTILINE)


def serve_once(workdir, env=None, database_url=None):
    """Start `usersync serve` on the store in workdir, or on database_url's (env: changes to its environment), stop
    it; its stderr."""
    instance = Server(workdir, database_url=database_url)
    instance.env.update(env or {})
    instance.env = {key: value for key, value in instance.env.items() if value is not None}
    instance.serve()
    assert instance.stop() == 0, instance.stderr_text()
    return instance, instance.stderr_text()


def signs_in(database_url, password):
    """Whether the admin pages of the store at database_url take this password."""
    from app import create_app
    from tests.conftest import AdminClient

    client = AdminClient(create_app({"DATABASE_URL": database_url, "SECRET_KEY": "e2e-only"}).test_client())
    response = client.post(ADMIN_PAGE + "login", data={"username": "admin", "password": password})
    return response.status_code == 302


def test_the_first_start_frames_the_generated_password_and_every_start_says_where_to_sign_in(tmp_path):
    first, stderr = serve_once(tmp_path, {"USERSYNC_ADMIN_PASSWORD": None})
    sign_in = f"http://127.0.0.1:{first.port}{ADMIN_PAGE}"
    (password,) = FRAMED_PASSWORD.findall(stderr)
    frame = stderr[stderr.index("+--"):stderr.rindex("--+") + 3].splitlines()
    assert frame[0] == frame[-1] and set(frame[0]) == {"+", "-"}, stderr
    assert all(line.startswith("|  ") and line.endswith("  |") and len(line) == len(frame[0])
               for line in frame[1:-1]), stderr
    assert f"|  Sign in at  {sign_in}" in stderr and "|  Username    admin" in stderr, stderr
    assert "usersync admin set-password" in stderr
    assert signs_in(first.database_url, password)

    again, stderr = serve_once(tmp_path, {"USERSYNC_ADMIN_PASSWORD": None}, first.database_url)
    assert again.database_url == first.database_url
    assert password not in stderr and "Password" not in stderr, stderr
    assert (f"Sign in at http://127.0.0.1:{again.port}{ADMIN_PAGE} as 'admin'. "
            "Forgot the password? Set a new one with: usersync admin set-password") in stderr, stderr


def test_the_sign_in_address_follows_the_public_url(tmp_path):
    instance, stderr = serve_once(tmp_path, {"USERSYNC_PUBLIC_URL": "https://jira.example.com/jira/"})
    assert f"usersync serving on http://127.0.0.1:{instance.port}" in stderr, stderr
    assert f"(SCIM base URL: https://jira.example.com/jira{PREFIX})" in stderr, stderr
    assert f"Sign in at https://jira.example.com/jira{ADMIN_PAGE} as 'admin'." in stderr, stderr
    assert instance.env["USERSYNC_ADMIN_PASSWORD"] not in stderr


def test_a_server_on_every_interface_is_signed_in_to_on_loopback(tmp_path):
    instance, port = Server(tmp_path), free_port()
    log = tmp_path / "wildcard.stderr"
    with open(log, "wb") as stderr:
        process = subprocess.Popen(usersync("serve", "--host", "0.0.0.0", "--port", str(port)), cwd=REPO,
                                   env=instance.env, stdout=subprocess.DEVNULL, stderr=stderr)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while "Sign in at" not in log.read_text() and process.poll() is None and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            process.send_signal(signal.SIGTERM)
            process.wait(STOP_TIMEOUT)
    text = log.read_text()
    assert f"usersync serving on http://0.0.0.0:{port}" in text, text
    assert f"Sign in at http://127.0.0.1:{port}{ADMIN_PAGE} as 'admin'." in text, text


def test_a_taken_port_is_a_clear_error(tmp_path):
    instance = Server(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(usersync("serve", "--host", "127.0.0.1", "--port", str(port)), cwd=REPO,
                                env=instance.env, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1, result.stderr
    assert f"Error: Cannot listen on 127.0.0.1 port {port}: Address already in use." in result.stderr
    assert "--port" in result.stderr and "Traceback" not in result.stderr
