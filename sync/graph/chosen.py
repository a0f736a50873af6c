"""Entra's "Synchronize users from": the users are the members of groups chosen by display name (nested groups
flattened), deduplicated, and the groups listed are those groups only; every run reads them whole."""

from urllib.parse import quote

from ..errors import ApiError
from ..paging import LinkListing, Page
from ..resources import group
from .records import USER_FIELDS, USER_TYPE, to_user

TRANSITIVE_USERS = "transitiveMembers/microsoft.graph.user"


class ChosenGroups:
    """The chosen groups of one client, found by name once per client."""

    def __init__(self, client, names):
        self.client, self.names = client, names
        self._found = None  # [(group id, displayName)]

    def resolved(self):
        """(id, displayName) of each group named; every group of a name when several share it. ApiError naming
        a name no group has: pulling fewer users than meant would remove the others."""
        if self._found is None:
            found = []
            for name in self.names:
                matches = self._named(name)
                if not matches:
                    raise ApiError(f"There is no group named {name!r} in the tenant (Synchronize users from).",
                                   code="group_not_found", detail=self.client.source.advice["group_not_found"])
                found += matches
            self._found = list(dict.fromkeys(found))
        return self._found

    def users(self, start):
        """Every user of the chosen groups, a page of one group's transitive users at a time; each once."""
        attribute = self.client.source.username_attribute
        return LinkListing(self._user_page, start=start, expand=lambda raw: to_user(raw, attribute))

    def groups(self, start):
        """The chosen groups, one a page, each with its transitive user members."""
        return LinkListing(self._group_page, start=start)

    def get_group(self, group_id):
        name = dict(self.resolved()).get(group_id)
        members = None if name is None else self.client.members(group_id, TRANSITIVE_USERS)
        return None if members is None else group(group_id, name, members)

    def has_user(self, user_id):
        """Whether the user is in a chosen group, nested groups included."""
        client = self.client
        url = client.url(f"/users/{quote(user_id, safe='')}/transitiveMemberOf/microsoft.graph.group", {"$select": "id"})
        groups = client.collect(url, lambda item: item.get("id"))
        return bool(set(groups or ()) & {group_id for group_id, _name in self.resolved()})

    def _named(self, name):
        """Graph "List groups", $filter=displayName eq '…' (an OData string: a quote is doubled)."""
        quoted = name.replace("'", "''")
        url = self.client.url("/groups", {"$filter": f"displayName eq '{quoted}'", "$select": "id,displayName"})
        return self.client.collect(url, lambda item: (item["id"], item.get("displayName") or name)) or []

    def _user_page(self, position):
        """A page of a group's transitive users; the position is {"group": id, "link": next link or None}."""
        ids = [group_id for group_id, _name in self.resolved()]
        if not isinstance(position, dict) or position.get("group") not in ids:
            position = {"group": ids[0], "link": None}  # first, or the groups changed since: all again
        group_id, client = position["group"], self.client
        url = client.follow(position["link"]) or client.url(
            f"/groups/{group_id}/{TRANSITIVE_USERS}", {"$select": ",".join(USER_FIELDS), "$top": client.page_size})
        body = client.page(url, missing_ok=True) or {"value": []}
        users = [raw for raw in body["value"] if raw.get("@odata.type", USER_TYPE) == USER_TYPE]
        if body.get("@odata.nextLink"):
            return Page(users, next={"group": group_id, "link": body["@odata.nextLink"]})
        after = ids.index(group_id) + 1
        return Page(users, next={"group": ids[after], "link": None} if after < len(ids) else None)

    def _group_page(self, position):
        groups = self.resolved()
        ids = [group_id for group_id, _name in groups]
        index = ids.index(position) if position in ids else 0
        found = self.get_group(ids[index])
        return Page([found] if found else [], next=ids[index + 1] if index + 1 < len(ids) else None)
