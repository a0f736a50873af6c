"""GET JSON from an IdP's own admin API with a source's credentials: RFC 6750 §3.1, a 401 to a cached token
fetches a new one once; any other answer than 200 JSON becomes the caller's error, in its admin words."""

import logging

from .errors import ApiError, scrub

log = logging.getLogger("usersync.sync")

ACCEPT = "application/json"


class Closing:
    """A source's client owns one Http (``self.http``): close it when done, or use the client in a with block."""

    def close(self):
        self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class JsonApi:
    """Bearer-authenticated GETs over one Http; ``refusal(response, url)`` gives the SourceError for a non-200."""

    def __init__(self, http, credentials, refusal, *, accept=ACCEPT):
        self.http, self.credentials, self.refusal, self.accept = http, credentials, refusal, accept

    def get(self, url, params=None, *, missing_ok=False, headers=None):
        """The parsed JSON at url (any JSON value), or None for a 404 when ``missing_ok``; SourceError otherwise."""
        # httpx replaces a URL's query with any params given, even none: a next link keeps its own query.
        response = self.send(url, params or None, headers)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            raise self.refusal(response, url)
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no Content-Type")
            raise ApiError(f"{url} answered with {kind}, not JSON. Check the URL.", code="not_json",
                           status=200, detail=self.quoted(response.text)) from None

    def send(self, url, params, extra=None):
        """The response to GET url with the current token (and ``extra`` headers); on 401 to a cached token a new
        one is fetched, once."""
        for attempt in (1, 2):
            fetched = self.credentials.fetches
            headers = {**(extra or {}), "Authorization": self.credentials.header(self.http), "Accept": self.accept}
            response = self.http.send("GET", url, stage="api", params=params, headers=headers)
            fresh = self.credentials.fetches != fetched
            if response.status_code != 401 or not self.credentials.renewable or fresh or attempt == 2:
                return response
            log.info("source refused the cached token at %s; fetching a new one", url)
            self.credentials.invalidate()
        return response  # pragma: no cover

    def quoted(self, text):
        """Text from a response, on one line and without any secret."""
        return scrub(text, self.credentials.secrets())
