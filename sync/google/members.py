"""A group's users as members.list gives them (Directory API v1, members.list: type USER, GROUP or CUSTOMER),
with nested groups flattened: Atlassian groups hold users only."""

import logging
from urllib.parse import quote

log = logging.getLogger("usersync.sync")


class Members:
    """Groups' members read through one client, each group's pages read once (a nested group shared by many
    groups too)."""

    def __init__(self, client):
        self.client = client
        self._direct = {}

    def users_of(self, group_id):
        """The ids of the group's users, those of nested groups included (in order, repeats kept for the
        caller to drop); None when the group is gone."""
        direct = self._read(group_id)
        return None if direct is None else self._flattened(group_id, direct, (group_id,))

    def _flattened(self, group_id, direct, path):
        users = []
        for member in direct:
            kind, member_id = member.get("type"), member.get("id")
            if kind == "USER":
                users.append(member_id)
            elif kind == "GROUP" and member_id in path:
                log.info("Google group %s is a member of itself through %s; each user is counted once",
                         member_id, " → ".join(path))
            elif kind == "GROUP":
                users += self._flattened(member_id, self._read(member_id) or (), (*path, member_id))
            elif kind == "CUSTOMER":
                # Google: a CUSTOMER member makes every user of the account a member; copying that would put
                # the whole directory in the group, so it is left out (docs/pull-sync.md says so).
                log.info("Google group %s has every user of the account as a member (CUSTOMER %s); left out",
                         group_id, member_id)
        return users

    def _read(self, group_id):
        """members.list of one group, every page; None when the group is gone (404)."""
        if group_id not in self._direct:
            self._direct[group_id] = self._pages(group_id)
        return self._direct[group_id]

    def _pages(self, group_id):
        path, members, token, tokens = f"/groups/{quote(group_id, safe='')}/members", [], None, set()
        while True:
            params = {"maxResults": self.client.sizes["members"], **({"pageToken": token} if token else {})}
            body = self.client.get(path, params, missing_ok=True)
            if body is None:
                return None
            members += body.get("members") or ()
            token = body.get("nextPageToken")
            if not token or token in tokens:  # the last page, or a source that repeats itself
                return members
            tokens.add(token)
