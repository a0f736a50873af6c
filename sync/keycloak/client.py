"""Reading a Keycloak realm's users (and, through ``groups``, its group tree) from the Admin REST API."""

from urllib.parse import quote

from ..api import Closing, JsonApi
from ..client import Check
from ..errors import ApiError
from ..http import Http
from ..paging import LinkListing, Page
from ..resources import user
from . import groups
from .token import REALM_MISSING, KeycloakCredentials

DEFAULT_PAGE_SIZE = 100  # Keycloak's own default max for the admin lists
MAX_PAGE_SIZE = 1000


class KeycloakClient(Closing):
    """One realm's Admin REST API over one HTTP client; close it (or use it as a context manager) when done."""

    def __init__(self, source, *, page_size=DEFAULT_PAGE_SIZE, timeout=10.0, verify=True, retries=3, sleep=None,
                 transport=None):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        self.source = source
        self.page_size = page_size
        self.credentials = KeycloakCredentials(source)
        self.http = Http(timeout=timeout, verify=verify, retries=retries, sleep=sleep, transport=transport)
        self.api = JsonApi(self.http, self.credentials, self._refusal)

    def iter_users(self, since=None, start=None):
        """Every user of the realm, a page at a time (``first``/``max``); ``since`` is ignored: every run reads all."""
        return LinkListing(self._users_page, start=start)

    def iter_groups(self, since=None, start=None):
        """Every group of the realm, sub-groups included, each with its direct members."""
        return groups.listing(self, start)

    def get_user(self, user_id):
        """One user, or None if the realm no longer has it."""
        record = self.get(f"/users/{quote(user_id, safe='')}", missing_ok=True)
        return None if record is None else to_user(record)

    def get_group(self, group_id):
        """One group with its direct members, or None if the realm no longer has it."""
        return groups.one(self, group_id)

    def check(self):
        """A token, then one user, one group and its members, and the counts: every role the pull needs works."""
        self.get_list("/users", {"first": 0, "max": 1, "briefRepresentation": "true"})
        users = self.get("/users/count")
        top = self.get_list("/groups", {"first": 0, "max": 1, "briefRepresentation": "true"})
        if top:
            self.get_list(f"/groups/{quote(top[0]['id'], safe='')}/members", {"first": 0, "max": 1,
                                                                             "briefRepresentation": "true"})
        counted = self.get("/groups/count")
        return Check(_integer(users), _integer(counted.get("count") if isinstance(counted, dict) else None),
                     endpoint=self.source.admin_url_at(self.credentials.prefix or ""))

    # --- the Admin REST API ----------------------------------------------------------------------

    def url(self, path):
        """The Admin REST API URL of path; the token comes first, as it settles the path prefix (/auth or not)."""
        self.credentials.header(self.http)
        return self.source.admin_url_at(self.credentials.prefix or "") + path

    def get(self, path, params=None, *, missing_ok=False):
        return self.api.get(self.url(path), params, missing_ok=missing_ok)

    def get_list(self, path, params, *, missing_ok=False):
        """A JSON array (Keycloak's lists are bare arrays of objects), or None for a 404 when ``missing_ok``."""
        body = self.get(path, params, missing_ok=missing_ok)
        if body is None and missing_ok:
            return None
        if not isinstance(body, list) or not all(isinstance(item, dict) and item.get("id") for item in body):
            raise ApiError(f"{self.url(path)} did not answer a list of Keycloak objects. Check the base URL.",
                           code="not_keycloak", status=200, detail=self.api.quoted(str(body)))
        return body

    def read_all(self, path, params=None, *, missing_ok=False):
        """Every item of a first/max paged list, each once; None for a 404 on the first page when ``missing_ok``."""
        items, seen, first = [], set(), 0
        while True:
            chunk = self.get_list(path, {**(params or {}), "first": first, "max": self.page_size},
                                  missing_ok=missing_ok and first == 0)
            if chunk is None:
                return None
            fresh = [item for item in chunk if item["id"] not in seen]
            seen.update(item["id"] for item in fresh)
            items += fresh
            if len(chunk) < self.page_size or not fresh:  # a short page ends it; a repeated one too
                return items
            first += len(chunk)

    def _users_page(self, position):
        """One page of users; the next page starts at ``first`` + what came (a short page is the last)."""
        first = position["first"] if position else 0
        records = self.get_list("/users", {"first": first, "max": self.page_size, "briefRepresentation": "false"})
        more = {"first": first + len(records)} if len(records) == self.page_size else None
        return Page([to_user(r) for r in records if not r.get("serviceAccountClientId")], next=more)

    def _refusal(self, response, url):
        """The SourceError for a non-200 answer from the Admin REST API, in admin words."""
        status, advice = response.status_code, self.source.advice
        error = _error(response)
        said = f" {error}" if error and not error.startswith("HTTP ") else ""  # not "403 HTTP 403 Forbidden"
        if status == 401:
            return ApiError(f"The Admin REST API at {url} refused the token (401{said}).", code="unauthorized",
                            status=401, detail=advice["unauthorized"])
        if status == 403:
            return ApiError(f"The service account may not read {url} (403{said}).", code="forbidden", status=403,
                            detail=advice["forbidden"])
        if status == 404 and error == REALM_MISSING:
            return ApiError(f"Keycloak has no realm {self.source.realm!r} ({url} answered 404).",
                            code="realm_not_found", status=404, detail=advice["realm"])
        if status == 404:
            return ApiError(f"There is no Admin REST API at {url} (404).", code="not_found", status=404,
                            detail=advice["not_found"])
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            return ApiError(f"{url} redirects ({status}) to {where}; check the base URL.", code="redirect",
                            status=status)
        if status == 429:
            return ApiError(f"Keycloak (or a proxy in front of it) kept answering 429 Too Many Requests at {url}; "
                            "try again later.", code="rate_limited", status=429, detail=self.api.quoted(error))
        detail = self.api.quoted(error or response.text or response.reason_phrase)
        if status >= 500:
            return ApiError(f"Keycloak failed with {status} at {url}: {detail}", code="server_error", status=status,
                            detail=detail)
        return ApiError(f"Keycloak answered {status} at {url}: {detail}", code="bad_request", status=status,
                        detail=detail)


def to_user(record):
    """A Keycloak UserRepresentation as a SCIM user: ``enabled`` is active; Keycloak has no display name, so
    it is the first and last name."""
    given, family = record.get("firstName"), record.get("lastName")
    display = " ".join(part for part in (given, family) if part) or None
    return user(record["id"], record.get("username"), given=given, family=family, display=display,
                email=record.get("email"), active=record.get("enabled", True) is not False)


def _error(response):
    """Keycloak's error text: {"error": …} (with error_description) or {"errorMessage": …}, else None."""
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, dict):
        return None
    text = body.get("error") or body.get("errorMessage")
    return str(text) if text else None


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
