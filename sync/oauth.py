"""Credentials for a source's API: a static bearer token, or OAuth2 client credentials fetched and cached."""

import base64
import threading
import time
from urllib.parse import quote_plus

from .errors import TokenError, scrub

DEFAULT_LIFETIME = 300  # seconds assumed when a token response has no expires_in
REFRESH_MARGIN = 60  # seconds before expiry a cached token is replaced


class BearerToken:
    """A token an admin pasted; it cannot be renewed."""

    renewable = False
    fetches = 0

    def __init__(self, token):
        self._token = token

    def header(self, http):
        """The Authorization header value."""
        return f"Bearer {self._token}"

    def invalidate(self):
        """Nothing to do: a pasted token is what it is."""

    def secrets(self):
        return (self._token,)

    def __repr__(self):
        return "BearerToken([redacted])"


class ClientCredentials:
    """RFC 6749 §4.4: a token from the token endpoint for the client's own id and secret, kept until near expiry."""

    renewable = True

    def __init__(self, token_url, client_id, client_secret, scope=None, *, advice=None, clock=time.monotonic):
        self.token_url, self.client_id, self.scope = token_url, client_id, scope
        self._secret = client_secret
        self._token = None
        self._renew_at = 0.0
        self._clock = clock
        self._lock = threading.Lock()
        self.advice = advice or {}
        self.fetches = 0  # how many tokens were fetched (for tests and the sync log)

    def header(self, http):
        """The Authorization header value, fetching a token when none is cached or it is about to expire."""
        with self._lock:
            if self._token is None or self._clock() >= self._renew_at:
                self._fetch(http)
            return f"Bearer {self._token}"

    def invalidate(self):
        """Forget the cached token (the API answered 401 to it)."""
        with self._lock:
            self._token = None

    def secrets(self):
        return (self._secret, self._token)

    def _fetch(self, http):
        """A new token from the token endpoint, kept until shortly before it expires."""
        token, lifetime = self._read(self._request(http))
        self.fetches += 1
        self._token = token
        self._renew_at = self._clock() + lifetime - min(REFRESH_MARGIN, lifetime / 2)

    def _request(self, http):
        """POST the client-credentials grant; RFC 6749 §2.3.1: HTTP Basic with the form-encoded id and secret."""
        form = {"grant_type": "client_credentials"}
        if self.scope:
            form["scope"] = self.scope
        basic = base64.b64encode(f"{quote_plus(self.client_id)}:{quote_plus(self._secret)}".encode()).decode()
        return http.send("POST", self.token_url, stage="token", data=form,
                         headers={"Authorization": f"Basic {basic}", "Accept": "application/json"})

    def _read(self, response):
        """(access_token, lifetime in seconds) from a token response, or the TokenError it amounts to."""
        body = _json(response)
        if response.status_code == 200 and isinstance(body, dict) and body.get("access_token"):
            return body["access_token"], _lifetime(body.get("expires_in"))
        raise self._refusal(response, body)

    def _refusal(self, response, body):
        """RFC 6749 §5.2: the error a token endpoint answered, in admin words."""
        status, url = response.status_code, self.token_url
        if not isinstance(body, dict):
            if status in (404, 405):
                return TokenError(f"There is no OAuth2 token endpoint at {url} ({status}). Check the token URL.",
                                  code="token_not_found", status=status, detail=self.advice.get("token_url"))
            kind = response.headers.get("Content-Type", "no Content-Type")
            return TokenError(f"{url} answered {status} with {kind}, not an OAuth2 token response. "
                              "Check the token URL.", code="token_bad_response", status=status,
                              detail=scrub(response.text, self.secrets()))
        error = str(body.get("error") or "")
        described = scrub(body.get("error_description") or error, self.secrets())
        if status == 200:
            return TokenError(f"{url} answered 200 without an access_token.", code="token_bad_response", status=200)
        if error == "invalid_client" or (status == 401 and error in ("", "unauthorized")):
            return TokenError(f"The token endpoint refused the client ID or secret ({status} {error or 'unauthorized'}"
                              f": {described}).", code="token_refused", status=status,
                              detail=self.advice.get("invalid_client"))
        if error == "invalid_scope":
            return TokenError(f"The token endpoint refused the scope {self.scope!r}: {described}.",
                              code="token_scope", status=status, detail=self.advice.get("invalid_scope"))
        if error in ("unauthorized_client", "unsupported_grant_type"):
            return TokenError(f"The client may not use the client-credentials grant ({error}: {described}).",
                              code="token_grant", status=status, detail=self.advice.get("unauthorized_client"))
        return TokenError(f"The token endpoint answered {status} {error}: {described}.", code="token_error",
                          status=status)

    def __repr__(self):
        return f"ClientCredentials(token_url={self.token_url!r}, client_id={self.client_id!r}, secret=[redacted])"


def _json(response):
    """The parsed JSON body, or None when the body is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def _lifetime(value):
    """RFC 6749 §5.1 expires_in in seconds; some servers send it as a string."""
    try:
        seconds = int(value)
    except (TypeError, ValueError):
        return DEFAULT_LIFETIME
    return seconds if seconds > 0 else DEFAULT_LIFETIME
