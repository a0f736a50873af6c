"""Reading an Entra ID tenant through Microsoft Graph v1.0: users and groups by delta query, a group's members,
one user or group by id, and Test connection's counts."""

from urllib.parse import quote, urlencode

from ..api import Closing, JsonApi
from ..client import Check
from ..errors import ApiError, FilterRefused
from ..http import Http
from ..paging import LinkListing, Page
from ..resources import group, removed
from .chosen import ChosenGroups
from .records import USER_FIELDS, USER_TYPE, to_user

MAX_PAGE = 999  # Graph: $top on a group's members is 1 to 999
# Graph "Error responses": a delta token it no longer keeps (410 Gone); the delta must start again.
RESYNC = ("syncStateNotFound", "resyncRequired", "syncStateInvalid")


class EntraClient(Closing):
    """One tenant's Graph API over one HTTP client; close it (or use it as a context manager) when done."""

    def __init__(self, source, *, page_size=MAX_PAGE, timeout=10.0, verify=True, retries=3, sleep=None,
                 transport=None):
        if not 1 <= page_size <= MAX_PAGE:
            raise ValueError(f"page_size must be between 1 and {MAX_PAGE}, got {page_size}")
        self.source, self.base, self.page_size = source, source.endpoint, page_size
        self.credentials = source.credentials()
        self.http = Http(timeout=timeout, verify=verify, retries=retries, sleep=sleep, transport=transport)
        self.api = JsonApi(self.http, self.credentials, self._refusal)
        self.chosen = ChosenGroups(self, source.from_groups) if source.from_groups else None

    def iter_users(self, since=None, start=1):
        """Every user (Graph "user: delta", first round), or the changes since a delta link; chosen groups' users."""
        if self.chosen:
            return self.chosen.users(start)
        first = since or self.url("/users/delta", {"$select": ",".join(USER_FIELDS)})
        return self._delta(first, start, lambda raw: self._user(raw, since is not None), whole=since is None)

    def iter_groups(self, since=None, start=1):
        """Every group with its user members, or the groups changed since a delta link (whole=False)."""
        if self.chosen:
            return self.chosen.groups(start)
        # members in $select: a change of members alone makes the group appear in the next round.
        first = since or self.url("/groups/delta", {"$select": "id,displayName,members"})
        return self._delta(first, start, self._group, whole=since is None)

    def get_user(self, user_id):
        """One user, or None when it is gone (or, with chosen groups, no longer in them)."""
        raw = self.read_user(user_id)
        if raw is None or (self.chosen and not self.chosen.has_user(user_id)):
            return None
        return to_user(raw, self.source.username_attribute)

    def get_group(self, group_id):
        """One group with its user members, or None when it is gone (or, with chosen groups, not one of them)."""
        if self.chosen:
            return self.chosen.get_group(group_id)
        raw = self.api.get(self.url(f"/groups/{_segment(group_id)}", {"$select": "id,displayName"}),
                           missing_ok=True)
        members = None if raw is None else self.members(group_id)
        return None if members is None else group(raw["id"], raw.get("displayName"), members)

    def check(self):
        """A token, then one user and one group with their counts; with chosen groups, each name is found."""
        users, groups = self._count("/users"), self._count("/groups")
        if self.chosen:
            return Check(None, len(self.chosen.resolved()))
        return Check(users, groups)

    # --- reads the chosen groups share ------------------------------------------------------------

    def read_user(self, user_id):
        """The user's selected properties as Graph has them, or None."""
        return self.api.get(self.url(f"/users/{_segment(user_id)}", {"$select": ",".join(USER_FIELDS)}),
                            missing_ok=True)

    def members(self, group_id, relation="members"):
        """The ids of a group's user members ("members": direct; "transitiveMembers/microsoft.graph.user": nested
        groups flattened), every page; None when the group is gone. Other members (groups, devices) are left out."""
        url = self.url(f"/groups/{_segment(group_id)}/{relation}", {"$select": "id", "$top": self.page_size})
        return self.collect(url, lambda item: item["id"] if item.get("@odata.type", USER_TYPE) == USER_TYPE else None)

    def collect(self, url, pick):
        """``pick(item)`` of every item of a collection, following @odata.nextLink; None when it is not found."""
        found = []
        while url:
            body = self.page(url, missing_ok=True)
            if body is None:
                return None
            found += [value for value in map(pick, body["value"]) if value is not None]
            url = self.follow(body.get("@odata.nextLink"))
        return found

    def page(self, url, *, missing_ok=False, headers=None):
        """One page of a Graph collection: a JSON object with a ``value`` list (None for a 404 if missing_ok)."""
        body = self.api.get(url, missing_ok=missing_ok, headers=headers)
        if body is None:
            return None
        if not isinstance(body, dict) or not isinstance(body.get("value"), list):
            raise ApiError(f"{url} did not answer a Microsoft Graph collection. Check the Graph URL.",
                           code="not_graph", status=200, detail=self.source.advice["not_found"])
        return body

    def url(self, path, params=None):
        """The Graph URL of path with OData query options ($ and commas kept as Graph's documents write them)."""
        return self.base + path + ("?" + urlencode(params, safe="$,") if params else "")

    # --- internals -----------------------------------------------------------------------------------

    def _delta(self, first, start, expand, whole):
        """A delta round from ``first`` (or, resumed, from the next link ``start``); its watermark the deltaLink."""
        first = self.follow(first, stored=True)

        def fetch(position):
            body = self.page(self.follow(position) if position else first)
            return Page(body["value"], next=body.get("@odata.nextLink"), watermark=body.get("@odata.deltaLink"))

        return LinkListing(fetch, start=start, expand=expand, whole=whole)

    def _user(self, raw, incremental):
        """A user of a delta page; Graph "delta query overview": a later round may give an updated user with only
        the properties that changed, so such a user is read whole."""
        if "@removed" in raw:
            return removed(raw["id"])
        if incremental and any(name not in raw for name in USER_FIELDS):
            user_id, raw = raw["id"], self.read_user(raw["id"])
            if raw is None:
                return removed(user_id)
        return to_user(raw, self.source.username_attribute)

    def _group(self, raw):
        """A group of a delta page, its user members read from the group itself: a delta's members@delta are
        split across pages on the first round and hold only changes on later ones."""
        if "@removed" in raw:
            return removed(raw["id"])
        if raw.get("displayName") is None:  # a later round names only what changed
            return self.get_group(raw["id"])
        members = self.members(raw["id"])
        return None if members is None else group(raw["id"], raw["displayName"], members)

    def _count(self, path):
        """Graph "Advanced query capabilities": $count needs ConsistencyLevel: eventual; the count, or None."""
        body = self.page(self.url(path, {"$top": 1, "$select": "id", "$count": "true"}),
                         headers={"ConsistencyLevel": "eventual"})
        count = body.get("@odata.count")
        return count if isinstance(count, int) else None

    def follow(self, link, stored=False):
        """A link Graph gave, followed unchanged, but only within this Graph API: the token goes with it."""
        if link is None or link.startswith(self.base + "/"):
            return link
        if stored:  # a delta link of another Graph URL (the settings changed): start again
            raise FilterRefused(f"The delta link the last run ended with is not under {self.base}; everything is "
                                "read again.", status=None, detail="the Graph URL changed")
        raise ApiError(f"Microsoft Graph gave a next link outside {self.base}; it was not followed.",
                       code="bad_link", detail=self.api.quoted(link))

    def _refusal(self, response, url):
        """The SourceError for a Graph error response, in admin words."""
        status, advice = response.status_code, self.source.advice
        code, said = _graph_error(response, self.api.quoted)
        if status == 410 or code in RESYNC:
            return FilterRefused(f"Microsoft Graph no longer keeps the delta link the last run ended with ({status} "
                                 f"{said}); everything is read again.", status=status, detail=said)
        if status == 401:
            return ApiError(f"Microsoft Graph refused the token at {url} (401 {said}).", code="unauthorized",
                            status=401, detail=advice["unauthorized"])
        if status == 403:
            return ApiError(f"Microsoft Graph does not let the app read {url} (403 {said}).", code="forbidden",
                            status=403, detail=advice["forbidden"])
        if status == 404:
            return ApiError(f"There is no Microsoft Graph API at {url} (404). Check the Graph URL.",
                            code="not_found", status=404, detail=advice["not_found"])
        if 300 <= status < 400:
            return ApiError(f"{url} redirects ({status}) to {response.headers.get('Location', 'elsewhere')}; check "
                            "the Graph URL.", code="redirect", status=status, detail=advice["not_found"])
        if status == 429:
            return ApiError(f"Microsoft Graph kept answering 429 Too Many Requests at {url}; try again later.",
                            code="rate_limited", status=429, detail=said)
        kind = "server_error" if status >= 500 else "bad_request"
        return ApiError(f"Microsoft Graph answered {status} at {url}: {said}", code=kind, status=status, detail=said)


def _graph_error(response, quoted):
    """(code, 'code: message') of Graph's error body {"error": {"code", "message"}}, or (None, the body's start)."""
    try:
        error = response.json().get("error")
    except (ValueError, AttributeError):
        error = None
    if not isinstance(error, dict):
        return None, quoted(response.text or response.reason_phrase)
    code = error.get("code")
    return code, quoted(": ".join(str(part) for part in (code, error.get("message")) if part))


def _segment(value):
    return quote(str(value), safe="")
