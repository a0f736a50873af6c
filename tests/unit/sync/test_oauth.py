"""OAuth2 client credentials (RFC 6749 §4.4): the request, caching until near expiry, and refusals in words."""

import base64
import json
from urllib.parse import parse_qsl

import httpx
import pytest

from sync.errors import TokenError
from sync.http import Http
from sync.oauth import ClientCredentials

TOKEN_URL = "https://idp.example.com/oauth2/v1/token"


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def token_endpoint(*answers):
    """A MockTransport answering each token request with the next (status, body[, content type])."""
    seen, queue = [], list(answers)

    def handle(request):
        seen.append(request)
        status, body, *kind = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(body, dict):
            return httpx.Response(status, json=body)
        return httpx.Response(status, text=body, headers={"Content-Type": kind[0] if kind else "text/html"})

    return httpx.MockTransport(handle), seen


def credentials(scope="urn:opc:idm:__myscopes__", secret="s3cret:&+", clock=None):
    return ClientCredentials(TOKEN_URL, "client id", secret, scope, clock=clock or Clock())


def test_the_request_is_basic_auth_with_form_encoded_id_and_secret():
    transport, seen = token_endpoint((200, {"access_token": "t1", "token_type": "Bearer", "expires_in": 3600}))
    with Http(transport=transport) as http:
        assert credentials().header(http) == "Bearer t1"
    request = seen[0]
    scheme, _, value = request.headers["Authorization"].partition(" ")
    assert scheme == "Basic"
    assert base64.b64decode(value).decode() == "client+id:s3cret%3A%26%2B"  # RFC 6749 §2.3.1
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert dict(parse_qsl(request.content.decode())) == {"grant_type": "client_credentials",
                                                         "scope": "urn:opc:idm:__myscopes__"}


def test_no_scope_is_sent_when_none_is_configured():
    transport, seen = token_endpoint((200, {"access_token": "t1", "expires_in": 60}))
    with Http(transport=transport) as http:
        credentials(scope=None).header(http)
    assert dict(parse_qsl(seen[0].content.decode())) == {"grant_type": "client_credentials"}


def test_a_token_is_cached_until_shortly_before_it_expires():
    clock = Clock()
    transport, seen = token_endpoint((200, {"access_token": "t1", "expires_in": 3600}),
                                     (200, {"access_token": "t2", "expires_in": "3600"}))
    oauth = credentials(clock=clock)
    with Http(transport=transport) as http:
        assert oauth.header(http) == "Bearer t1"
        clock.now += 3600 - 61
        assert oauth.header(http) == "Bearer t1" and len(seen) == 1
        clock.now += 2  # within the last minute: renewed
        assert oauth.header(http) == "Bearer t2" and oauth.fetches == 2
        oauth.invalidate()
        assert oauth.header(http) == "Bearer t2" and oauth.fetches == 3


def test_a_short_lived_token_is_renewed_at_half_its_life():
    clock = Clock()
    transport, seen = token_endpoint((200, {"access_token": "t", "expires_in": 20}))
    oauth = credentials(clock=clock)
    with Http(transport=transport) as http:
        oauth.header(http)
        clock.now += 9
        oauth.header(http)
        clock.now += 2
        oauth.header(http)
    assert len(seen) == 2


@pytest.mark.parametrize("answer, code, words", [
    ((401, {"error": "invalid_client", "error_description": "Client authentication failed."}), "token_refused",
     "refused the client ID or secret (401 invalid_client: Client authentication failed.)"),
    ((400, {"error": "invalid_client"}), "token_refused", "refused the client ID or secret (400 invalid_client"),
    ((401, "Unauthorized", "text/plain"), "token_bad_response", "answered 401 with text/plain"),
    ((400, {"error": "invalid_scope"}), "token_scope", "refused the scope 'urn:opc:idm:__myscopes__'"),
    ((400, {"error": "unauthorized_client"}), "token_grant", "may not use the client-credentials grant"),
    ((400, {"error": "unsupported_grant_type"}), "token_grant", "may not use the client-credentials grant"),
    ((404, "<html>Not Found</html>"), "token_not_found", f"no OAuth2 token endpoint at {TOKEN_URL} (404)"),
    ((200, "<html>Sign in</html>"), "token_bad_response", "answered 200 with text/html, not an OAuth2 token"),
    ((200, {"token_type": "Bearer"}), "token_bad_response", "answered 200 without an access_token"),
    ((500, {"error": "server_error"}), "token_error", "answered 500 server_error"),
])
def test_refusals_say_what_failed(answer, code, words):
    transport, _ = token_endpoint(answer)
    with Http(transport=transport, retries=0) as http, pytest.raises(TokenError) as failed:
        credentials().header(http)
    assert failed.value.code == code and failed.value.stage == "token"
    assert words in str(failed.value)


def test_advice_rides_along_as_detail():
    transport, _ = token_endpoint((401, {"error": "invalid_client"}))
    oauth = ClientCredentials(TOKEN_URL, "c", "s", advice={"invalid_client": "Copy the secret again."})
    with Http(transport=transport) as http, pytest.raises(TokenError) as failed:
        oauth.header(http)
    assert failed.value.detail == "Copy the secret again."


def test_an_echoed_secret_is_scrubbed():
    transport, _ = token_endpoint((400, {"error": "invalid_request", "error_description": "bad secret s3cret:&+"}))
    with Http(transport=transport) as http, pytest.raises(TokenError) as failed:
        credentials().header(http)
    assert "s3cret" not in str(failed.value) and "[redacted]" in str(failed.value)


def test_token_requests_are_retried_on_503(sleeps):
    transport, seen = token_endpoint((503, json.dumps({})), (200, {"access_token": "t", "expires_in": 60}))
    with Http(transport=transport, sleep=sleeps) as http:
        assert credentials().header(http) == "Bearer t"
    assert len(seen) == 2 and len(sleeps) == 1

