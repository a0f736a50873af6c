"""Reading users and groups from a source's SCIM 2.0 API: paged lists, incremental filters, one group."""

from dataclasses import dataclass
from datetime import UTC
from urllib.parse import quote

from .api import Closing, JsonApi
from .errors import ApiError, FilterRefused, scrub
from .http import Http
from .paging import Listing

ACCEPT = "application/scim+json, application/json;q=0.9"
DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 1000  # Oracle IDCS: "1000 is the largest value that you can use" for count


@dataclass(frozen=True)
class Check:
    """What a connectivity check found: how many users and groups the source reports (None: not said), and
    where the API answered when that is not the source's endpoint (Keycloak 16 and older: under /auth)."""

    users: int | None
    groups: int | None
    endpoint: str | None = None


class ScimClient(Closing):
    """One source's SCIM API over one HTTP client; close it (or use it as a context manager) when done."""

    def __init__(self, source, *, page_size=DEFAULT_PAGE_SIZE, timeout=10.0, verify=True, retries=3,
                 sleep=None, transport=None):
        if not 1 <= page_size <= MAX_PAGE_SIZE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE_SIZE}, got {page_size}")
        self.source = source
        self.base = source.scim_base
        self.page_size = page_size
        self.credentials = source.credentials()
        self.http = Http(timeout=timeout, verify=verify, retries=retries, sleep=sleep, transport=transport)
        self.api = JsonApi(self.http, self.credentials, None, accept=ACCEPT)  # refusals are told by _refusal

    def iter_users(self, since=None, attributes=None, start=1):
        """Every user (or those modified after ``since``), as a Listing from startIndex ``start``;
        FilterRefused if ``since`` is refused."""
        return self._listing("/Users", since, attributes=attributes, start=start)

    def iter_groups(self, since=None, attributes=None, members=True, start=1):
        """Every group (or those modified after ``since``) with its full members unless ``members`` is False."""
        if not members:
            return self._listing("/Groups", since, attributes=attributes, excluded="members", start=start)
        if self.source.members_in_list:
            return self._listing("/Groups", since, attributes=attributes, start=start)
        # Oracle IDCS: members are returned only on request, at most 10,000 per GET, so each
        # group's members are read from the group itself, a page at a time.
        return self._listing("/Groups", since, attributes=attributes, expand=self._with_members, start=start)

    def get_user(self, user_id):
        """One user, or None if it no longer exists."""
        return self._get("/Users/" + quote(user_id, safe=""), {}, missing_ok=True)

    def get_group(self, group_id):
        """One group with all its members, or None if it no longer exists."""
        path = "/Groups/" + quote(group_id, safe="")
        if self.source.member_page_size is None:
            return self._get(path, {}, missing_ok=True)
        return self._paged_group(path, self.source.member_page_size)

    def check(self):
        """One small page of users and of groups: credentials, scope and path all work (else SourceError)."""
        users = self._get("/Users", {"startIndex": 1, "count": 1}, listing=True)
        groups = self._get("/Groups", {"startIndex": 1, "count": 1, "attributes": "displayName"}, listing=True)
        return Check(_count(users), _count(groups))

    def _listing(self, path, since, *, attributes=None, excluded=None, expand=None, start=1):
        """A Listing of ``path``, filtered on meta.lastModified when ``since`` is given."""
        params = {}
        if since is not None:
            params["filter"] = f'meta.lastModified gt "{_scim_datetime(since)}"'
        if attributes:
            params["attributes"] = ",".join(attributes) if not isinstance(attributes, str) else attributes
        elif excluded:
            params["excludedAttributes"] = excluded  # RFC 7644 §3.4.2.5: one of the two, not both

        def fetch(start, count):
            return self._get(path, {**params, "startIndex": start, "count": count}, listing=True)

        return Listing(fetch, self.page_size, expand=expand, start=start)

    def _with_members(self, group):
        """The group as listed, with the members read from the group itself; None if it was deleted since."""
        full = self.get_group(group["id"])
        return None if full is None else {**group, "members": full.get("members") or []}

    def _paged_group(self, path, size):
        """Oracle IDCS: a group's members a page at a time with attributes=members[startIndex=N&count=M]."""
        group, members, start = None, [], 1
        while True:
            page = self._get(path,
                             {"attributes": f"displayName,members[startIndex={start}&count={size}]"},
                             missing_ok=True)
            if page is None:
                return None
            group = group or page
            chunk = page.get("members") or []
            repeated = bool(members) and chunk[:1] == members[:1]  # the source ignored the paging
            if not repeated:
                members.extend(chunk)
            if repeated or len(chunk) != size:
                return {**group, "members": members}
            start += len(chunk)

    def _get(self, path, params, *, listing=False, missing_ok=False):
        """The JSON object at base+path, or None for a 404 when ``missing_ok``; SourceError otherwise."""
        url = self.base + path
        response = self._send(url, params)
        if response.status_code == 404 and missing_ok:
            return None
        if response.status_code != 200:
            raise self._refusal(response, url, params)
        body = _json_object(response)
        if body is None or (listing and "Resources" not in body and "totalResults" not in body):
            raise self._not_scim(response, url)
        return body

    def _send(self, url, params):
        """GET with credentials (a new token once on a 401 to a cached one)."""
        return self.api.send(url, params)

    def _refusal(self, response, url, params):
        """The SourceError for a non-200 answer from the API, in admin words."""
        status, advice = response.status_code, self.source.advice
        detail = self._detail(response)
        if status in (400, 501) and "filter" in params:
            return FilterRefused(f"The source refused the filter {params['filter']!r} ({status}: {detail}); "
                                 "a full pull is needed.", status=status, detail=detail)
        if status == 401:
            return ApiError(f"The SCIM API at {url} refused the token (401): {detail}", code="unauthorized",
                            status=401, detail=advice["unauthorized"])
        if status == 403:
            return ApiError(f"The token may not read {url} (403): {detail}", code="forbidden", status=403,
                            detail=advice["forbidden"])
        if status == 404:
            return ApiError(f"There is no SCIM endpoint at {url} (404). Check the base URL.", code="not_found",
                            status=404, detail=advice["not_found"])
        if 300 <= status < 400:
            where = response.headers.get("Location", "elsewhere")
            return ApiError(f"{url} redirects ({status}) to {where}; use that URL as the base URL.",
                            code="redirect", status=status)
        if status == 429:
            return ApiError(f"The source kept answering 429 Too Many Requests at {url}; try again later.",
                            code="rate_limited", status=429, detail=detail)
        if status >= 500:
            return ApiError(f"The source failed with {status} at {url}: {detail}", code="server_error",
                            status=status, detail=detail)
        return ApiError(f"The source answered {status} at {url}: {detail}", code="bad_request", status=status,
                        detail=detail)

    def _not_scim(self, response, url):
        """A 200 that is not a SCIM JSON answer: a login page, a proxy, the wrong path."""
        kind = response.headers.get("Content-Type", "no Content-Type")
        return ApiError(f"{url} answered with {kind}, not a SCIM response. Check the base URL.", code="not_scim",
                        status=response.status_code, detail=self._detail(response))

    def _detail(self, response):
        """RFC 7644 §3.12 detail (or the start of the body), without any secret."""
        body = _json_object(response)
        text = (body.get("detail") or body.get("error_description") or body.get("message")) if body else None
        return scrub(text or response.text or response.reason_phrase, self.credentials.secrets())


def _json_object(response):
    """The body as a dict, or None when it is not a JSON object."""
    try:
        body = response.json()
    except ValueError:
        return None
    return body if isinstance(body, dict) else None


def _count(body):
    try:
        return int(body["totalResults"])
    except (KeyError, TypeError, ValueError):
        return None


def _scim_datetime(moment):
    """RFC 7643 §2.3.5 dateTime in UTC, to the second: flooring can only re-read a resource, never skip one."""
    if isinstance(moment, str):
        return moment
    if moment.tzinfo is None:
        raise ValueError("since must be an aware datetime (UTC)")
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

