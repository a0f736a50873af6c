"""A Keycloak realm's group tree read as one flat listing: each top-level group, then its sub-groups depth first,
each named by its path without the leading slash (``engineering/backend``) and carrying its direct members.

Keycloak 23 and later leave ``subGroups`` empty in a list of groups and give ``subGroupCount``, the
sub-groups being read from ``/groups/{id}/children``; older releases inline the whole tree in ``subGroups``
and have no GET on ``children``. Either way each group is listed once.
"""

from urllib.parse import quote

from ..errors import ApiError
from ..paging import LinkListing, Page
from ..resources import group

BRIEF = {"briefRepresentation": "true"}


def listing(client, start):
    """The realm's groups as a LinkListing: a page is a page of top-level groups with all their sub-groups."""
    return LinkListing(lambda position: _page(client, position), start=start,
                       expand=lambda record: _with_members(client, record))


def one(client, group_id):
    """One group with its direct members, or None if the realm no longer has it."""
    record = client.get(f"/groups/{_id(group_id)}", missing_ok=True)
    return None if record is None else _with_members(client, record)


def name_of(record, parent=None):
    """The group's name here: its path without the leading slash (a top-level group's path is /name)."""
    path = record.get("path")
    if isinstance(path, str) and path.strip("/"):
        return path.removeprefix("/")
    return f"{parent}/{record.get('name')}" if parent else record.get("name")


def _page(client, position):
    first = position["first"] if position else 0
    top = client.get_list("/groups", {**BRIEF, "first": first, "max": client.page_size})
    records = []
    for record in top:
        records.append({**record, "path": "/" + name_of(record)})
        records += _descendants(client, record)
    more = {"first": first + len(top)} if len(top) == client.page_size else None
    return Page(records, next=more)


def _descendants(client, record):
    """The sub-groups under a group, depth first, each with its full path."""
    found = []
    for child in _children(client, record):
        child = {**child, "path": "/" + name_of(child, name_of(record))}
        found.append(child)
        found += _descendants(client, child)
    return found


def _children(client, record):
    """A group's direct sub-groups: read from /children when Keycloak counts them (23+), inline otherwise."""
    if "subGroupCount" in record:
        if not record["subGroupCount"]:
            return []
    elif isinstance(record.get("subGroups"), list):
        return record["subGroups"]  # before Keycloak 23: the whole tree is inline
    try:
        return client.read_all(f"/groups/{_id(record['id'])}/children", BRIEF, missing_ok=True) or []
    except ApiError as error:
        if error.status == 405:  # before Keycloak 23 children takes POST only (and the tree was inline)
            return []
        raise


def _with_members(client, record):
    """The SCIM group of a listed record, its members read page by page; None if it was deleted since."""
    members = client.read_all(f"/groups/{_id(record['id'])}/members", BRIEF, missing_ok=True)
    if members is None:
        return None
    return group(record["id"], name_of(record), [member["id"] for member in members])


def _id(value):
    return quote(value, safe="")
