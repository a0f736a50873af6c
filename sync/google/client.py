"""Reading a Google Workspace directory: users.list, groups.list and members.list of the Admin SDK Directory API
(v1), each paged by nextPageToken; users and groups mapped to SCIM shapes for the pull engine."""

import logging
from urllib.parse import quote

from .. import resources
from ..api import Closing, JsonApi
from ..client import Check
from ..http import Http
from ..paging import LinkListing, Page
from .errors import google_error, json_body, over_quota, refusal
from .members import Members
from .token import DelegatedToken

log = logging.getLogger("usersync.sync")

# Directory API reference, users.list / groups.list / members.list: the largest maxResults each accepts.
MAX_USERS, MAX_GROUPS, MAX_MEMBERS = 500, 200, 200


class GoogleClient(Closing):
    """One Google Workspace account's directory over one HTTP client; close it (or use it as a context manager)."""

    def __init__(self, source, *, page_size=None, timeout=10.0, verify=True, retries=3, sleep=None, transport=None):
        self.source = source
        self.base = source.endpoint
        self.sizes = {name: min(page_size or most, most)
                      for name, most in (("users", MAX_USERS), ("groups", MAX_GROUPS), ("members", MAX_MEMBERS))}
        self.credentials = DelegatedToken(source)
        self.http = Http(timeout=timeout, verify=verify, retries=retries, sleep=sleep, transport=transport,
                         retry_also=over_quota)  # Google says "over quota" with a 403 as often as with a 429
        self.api = JsonApi(self.http, self.credentials, lambda response, url: refusal(self, response, url))

    def iter_users(self, since=None, start=None):
        """Every user of the account (or domain), from the continuation ``start``; the API has no change filter,
        so ``since`` is not used (the source's ``incremental`` is None)."""

        def fetch(token):
            body = self.get("/users", {**self._scope(), "maxResults": self.sizes["users"], "projection": "basic",
                                       **_token(token)})
            return Page([_user(found) for found in body.get("users") or ()], next=body.get("nextPageToken"))

        return LinkListing(fetch, start=start)

    def iter_groups(self, since=None, start=None):
        """Every group with its users: nested groups' users included, read once per listing."""
        members = Members(self)

        def fetch(token):
            body = self.get("/groups", {**self._scope(), "maxResults": self.sizes["groups"], **_token(token)})
            return Page(list(body.get("groups") or ()), next=body.get("nextPageToken"))

        return LinkListing(fetch, start=start, expand=lambda found: _group(found, members.users_of(found["id"])))

    def get_user(self, user_id):
        """users.get: the user, or None when it is gone or (read by domain) moved to another domain."""
        found = self.get("/users/" + quote(user_id, safe=""), {"projection": "basic"}, missing_ok=True)
        if found is None or not self._in_scope(found.get("primaryEmail")):
            return None
        return _user(found)

    def get_group(self, group_id):
        """groups.get and its members, or None when it is gone or (read by domain) in another domain."""
        found = self.get("/groups/" + quote(group_id, safe=""), {}, missing_ok=True)
        if found is None or not self._in_scope(found.get("email")):
            return None
        users = Members(self).users_of(found["id"])
        return None if users is None else _group(found, users)

    def check(self):
        """A token, then one user and one group: delegation, the admin's privileges and the customer all work.
        The Directory API reports no totals, so the Check has none."""
        self.get("/users", {**self._scope(), "maxResults": 1, "projection": "basic"})
        self.get("/groups", {**self._scope(), "maxResults": 1})
        return Check(None, None)

    def get(self, path, params, *, missing_ok=False):
        """The JSON object at the API's path; None for Google's 404 (not a proxy's) when ``missing_ok``."""
        url = self.base + path
        response = self.api.send(url, params)
        if response.status_code == 404 and missing_ok and google_error(response) is not None:
            return None
        if response.status_code != 200:
            raise refusal(self, response, url)
        body = json_body(response)
        if not isinstance(body, dict):
            raise refusal(self, response, url)
        return body

    def _scope(self):
        which, value = self.source.scope
        return {which: value}

    def _in_scope(self, email):
        """Read by domain, only that domain's users and groups are the source's (users.list domain=…)."""
        which, domain = self.source.scope
        return which != "domain" or (email or "").lower().endswith("@" + domain)


def _user(found):
    """A Directory API user as SCIM: userName primaryEmail; suspended or archived is inactive."""
    name = found.get("name") or {}
    inactive = found.get("suspended") is True or found.get("archived") is True
    return resources.user(found.get("id"), found.get("primaryEmail"), given=name.get("givenName"),
                          family=name.get("familyName"), display=name.get("fullName"),
                          email=found.get("primaryEmail"), active=not inactive)


def _group(found, users):
    """A Directory API group as SCIM: displayName its name (its email when it has none); None when it is gone."""
    if users is None:
        return None
    return resources.group(found.get("id"), found.get("name") or found.get("email"), users)


def _token(token):
    return {"pageToken": token} if token else {}

