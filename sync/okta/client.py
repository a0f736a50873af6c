"""Reading an Okta org's users and groups (or one app's) through the Management API, a page at a time.

Okta API references followed: Users "List all users" (limit ≤ 200, Link paging; DEPROVISIONED users only
through a filter; ``filter=lastUpdated gt "…"`` includes them), Groups "List all groups" (filter on
lastUpdated / lastMembershipUpdated) and "List all member users" (limit ≤ 1000), Application Users and
Application Groups "List all …" (``expand=user`` / ``expand=group`` embed the record), "Rate limits",
and "Error object" (errorCode, errorSummary).
"""

import logging
import time
from urllib.parse import quote

from ..api import Closing
from ..client import Check
from ..errors import SourceError
from ..http import Http
from ..paging import LinkListing, Page
from . import links, records
from .errors import refusal
from .limits import RateLimits

log = logging.getLogger("usersync.sync")

DEFAULT_PAGE_SIZE = 200
MAX_PAGE_SIZE = 200  # Users API: "limit … maximum 200"; the other lists are read at the same size
MEMBER_PAGE_SIZE = 1000  # Groups API, List all member users: limit defaults to (and is read at) 1000
ACCEPT = "application/json"
DEPROVISIONED = 'status eq "DEPROVISIONED"'


class OktaClient(Closing):
    """One org's Management API over one HTTP client; close it (or use it as a context manager) when done."""

    def __init__(self, source, *, page_size=DEFAULT_PAGE_SIZE, member_page_size=MEMBER_PAGE_SIZE, timeout=10.0,
                 verify=True, retries=3, sleep=None, transport=None, clock=time.monotonic):
        if not 1 <= page_size <= MAX_PAGE_SIZE or not 1 <= member_page_size <= MEMBER_PAGE_SIZE:
            raise ValueError(f"page_size must be 1 to {MAX_PAGE_SIZE}, member_page_size 1 to {MEMBER_PAGE_SIZE}")
        self.source, self.base = source, source.api_base
        self.page_size, self.member_page_size = page_size, member_page_size
        self.http = Http(timeout=timeout, verify=verify, retries=retries, sleep=sleep, transport=transport)
        self.limits = RateLimits(self.http.sleep, clock)
        hooks = self.http.client.event_hooks
        self.http.client.event_hooks = {**hooks, "response": [*hooks.get("response", []), self.limits.seen]}
        self._app = f"/apps/{quote(source.app_id, safe='')}" if source.app_id else None

    # --- the protocol the pull engine reads ---------------------------------------------------------

    def iter_users(self, since=None, start=1):
        """Every user (full: the listed ones, then the DEPROVISIONED), or those changed after ``since``."""
        if self._app:
            return self._listing(self._app + "/users", {"expand": "user"}, self._app_user, since, start)
        if since is not None:
            return self._listing("/users", {"filter": f'lastUpdated gt "{records.okta_time(since)}"'},
                                 records.user, since, start)
        segments = (("listed", {}), ("deprovisioned", {"filter": DEPROVISIONED}))
        return LinkListing(self._segments("/users", segments), start=start, expand=records.user)

    def iter_groups(self, since=None, start=1):
        """Every group with its members, or the groups whose profile or members changed after ``since``."""
        if self._app:
            return self._listing(self._app + "/groups", {"expand": "group"}, self._app_group, since, start,
                                 groups=True)
        params = {}
        if since is not None:
            moment = records.okta_time(since)
            params["filter"] = f'lastUpdated gt "{moment}" or lastMembershipUpdated gt "{moment}"'
        return self._listing("/groups", params, self._group, since, start, groups=True)

    def get_user(self, user_id):
        """The user, or None when it is gone (with an App ID: no longer assigned to the app)."""
        if self._app:
            found = self._get(f"{self._app}/users/{_segment(user_id)}", {"expand": "user"}, missing_ok=True)
            return None if found is None else self._app_user(found)
        found = self._get(f"/users/{_segment(user_id)}", {}, missing_ok=True)
        return None if found is None else records.user(found)

    def get_group(self, group_id):
        """The group with all its members, or None when it is gone (with an App ID: no longer assigned)."""
        if self._app:
            found = self._get(f"{self._app}/groups/{_segment(group_id)}", {"expand": "group"}, missing_ok=True)
            return None if found is None else self._app_group(found)
        found = self._get(f"/groups/{_segment(group_id)}", {}, missing_ok=True)
        return None if found is None else self._group(found)

    def check(self):
        """The token, the app (with an App ID) and one user and one group can be read; SourceError if not.
        Okta's lists carry no totals, so the Check has no counts."""
        if self._app:
            self._get(self._app, {})
        prefix = self._app or ""
        self._page(self.base + prefix + "/users", {"limit": 1})
        self._page(self.base + prefix + "/groups", {"limit": 1})
        return Check(None, None)

    # --- listings --------------------------------------------------------------------------------------

    def _listing(self, path, params, mapped, since, start, *, groups=False):
        """A LinkListing of one list, each record ``mapped`` as it is yielded (a group's members are read then,
        between the engine's heartbeats); with ``since`` on an app's list (which takes no filter), only the
        records changed after it, and the listing holds changes only. Okta's built-in Everyone group is left
        out of ``groups``."""

        def keep(record):
            if groups and records.built_in(record):
                return False
            return since is None or not self._app or records.after(since, *_stamps(record))

        segments = (("listed", {**params}),)
        return LinkListing(self._segments(path, segments, keep), start=start, expand=mapped, whole=since is None)

    def _segments(self, path, segments, keep=None):
        """fetch(position) for a listing read as consecutive filtered lists of one path, giving Okta's records.
        A position is [segment name, next URL or None for the segment's first page]: a stored cursor resumes
        there."""
        names = [name for name, _ in segments]

        def fetch(position):
            name, url = position if position else (names[0], None)
            params = dict(segments[names.index(name)][1]) if name in names else None
            if params is None:
                raise SourceError(f"a stored position names no part of this listing ({name!r}); run a full pull")
            if url is None:
                body, following = self._page(self.base + path, {**params, "limit": self.page_size})
            else:
                body, following = self._page(links.on_org(url, self.source.org_url), None)
            resources = [record for record in body if isinstance(record, dict) and (keep is None or keep(record))]
            if following:
                return Page(resources, next=[name, following])
            later = names.index(name) + 1
            return Page(resources, next=[names[later], None] if later < len(names) else None)

        return fetch

    def _group(self, record):
        """An Okta group and its members; None when it was deleted since it was listed."""
        members = self._members(record.get("id"))
        return None if members is None else records.group(record, members)

    def _app_user(self, assignment):
        """Application Users: the embedded user (expand=user), else the user read by id."""
        embedded = (assignment.get("_embedded") or {}).get("user")
        if not isinstance(embedded, dict):
            embedded = self._get(f"/users/{_segment(assignment.get('id'))}", {}, missing_ok=True)
            if embedded is None:
                return None
        user = records.user(embedded)
        modified = records.latest(embedded.get("lastUpdated"), assignment.get("lastUpdated"))
        return {**user, "meta": {"lastModified": modified}} if modified else user

    def _app_group(self, assignment):
        """Application Groups: the embedded group (expand=group), else the group read by id; with its members."""
        group = (assignment.get("_embedded") or {}).get("group")
        if not isinstance(group, dict):
            group = self._get(f"/groups/{_segment(assignment.get('id'))}", {}, missing_ok=True)
            if group is None or records.built_in(group):
                return None
        members = self._members(group.get("id"))
        return None if members is None else records.group(group, members, assignment.get("lastUpdated"))

    def _members(self, group_id):
        """The ids of a group's member users, every page; None when the group is gone."""
        url, params, ids = f"{self.base}/groups/{_segment(group_id)}/users", {"limit": self.member_page_size}, []
        while url:
            page = self._page(url, params, missing_ok=True)
            if page is None:
                return None
            body, following = page
            ids += [member.get("id") for member in body if isinstance(member, dict)]
            url, params = (links.on_org(following, self.source.org_url), None) if following else (None, None)
        return ids

    # --- requests --------------------------------------------------------------------------------------

    def _page(self, url, params, *, missing_ok=False):
        """(the JSON array at url, the next page's URL or None); None for a 404 when ``missing_ok``."""
        response = self._send(url, params)
        if response.status_code == 404 and missing_ok and not _app_missing(response):
            return None
        body = self._answer(response, url, params)
        if not isinstance(body, list):
            raise refusal(response, url, params, self.source, self._secrets(), shape="list")
        return body, links.next_url(response.headers.get_list("Link"))

    def _get(self, path, params, *, missing_ok=False):
        """The JSON object at base+path; None for a 404 when ``missing_ok`` (unless the app itself is gone)."""
        url = self.base + path
        response = self._send(url, params)
        if response.status_code == 404 and missing_ok and not _app_missing(response):
            return None
        body = self._answer(response, url, params)
        if not isinstance(body, dict):
            raise refusal(response, url, params, self.source, self._secrets(), shape="object")
        return body

    def _answer(self, response, url, params):
        if response.status_code != 200:
            raise refusal(response, url, params, self.source, self._secrets())
        try:
            return response.json()
        except ValueError:
            raise refusal(response, url, params, self.source, self._secrets(), shape="json") from None

    def _send(self, url, params):
        """GET with the API token (Okta API, "Authentication": Authorization: SSWS token), after any wait
        the rate limit asks for."""
        self.limits.wait()
        headers = {"Authorization": f"SSWS {self.source.api_token}", "Accept": ACCEPT}
        return self.http.send("GET", url, stage="api", params=params, headers=headers)

    def _secrets(self):
        return (self.source.api_token,)


def _segment(value):
    return quote(str(value or ""), safe="")


def _stamps(assignment):
    """When an app assignment, or the user or group it embeds, last changed."""
    embedded = next(iter((assignment.get("_embedded") or {}).values()), None)
    inner = embedded if isinstance(embedded, dict) else {}
    return (assignment.get("lastUpdated"), inner.get("lastUpdated"), inner.get("lastMembershipUpdated"))


def _app_missing(response):
    """Okta answers 404 E0000007 "… (AppInstance)" for an app that does not exist: not a user that is gone."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and "(AppInstance)" in str(body.get("errorSummary") or "")

