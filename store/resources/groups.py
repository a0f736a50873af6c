"""SCIM Groups in one host directory, with memberships changed row by row."""


import orjson
import peewee

from models import Group, Membership, User, db, utcnow
from scim import errors
from store import sql
from store.resources import common
from store.resources.user_rows import meta
from store.sql import Prepared

_CHUNK = 500


def get(directory_id, group_id, with_members=True):
    """The canonical document of a group, or 404."""
    return documents([common.scoped_row(Group, directory_id, group_id)], with_members)[0]


def get_rendered(directory_id, group_id, base_url):
    """A group's document whose members are their response JSON already (an orjson.Fragment, $ref
    under base_url included), built by the database: a 10,000-member GET made 10,000 dicts in Python."""
    doc = documents([common.scoped_row(Group, directory_id, group_id)], False)[0]
    (members,) = db.execute_sql(_members_json_sql(), {"base": f"{base_url}/", "group": group_id}
                                if _postgres() else [f"{base_url}/", group_id]).fetchone()
    if members and members != "[]":  # SQLite's group_concat of no rows is NULL, PostgreSQL's answer '[]'
        doc["members"] = orjson.Fragment(members)
    return doc


def locked(directory_id, group_id, expected_version=None):
    """(row, document) of a group, locked for a write, after the If-Match check."""
    group = locked_row(directory_id, group_id, expected_version)
    return group, documents([group], True)[0]


def locked_row(directory_id, group_id, expected_version=None):
    """A group's row, locked for a write, after the If-Match check; its members are not read."""
    group = common.scoped_row(Group, directory_id, group_id, for_update=True)
    common.check_version(group, expected_version)
    return group


def with_members_among(group, member_ids):
    """The group's document holding only those of its members whose ids are given."""
    doc = documents([group], False)[0]
    ids = list(member_ids)
    entries = [entry for start in range(0, len(ids), _CHUNK)
               for entry in _members_of([group.id], ids[start:start + _CHUNK]).get(group.id, [])]
    if entries:
        doc["members"] = sorted(entries, key=lambda entry: entry["value"])
    return doc


def change_members(group, added, removed, redisplayed):
    """Write a membership delta, touching only the rows it names; bumps the version (of group too).

    added and redisplayed map member ids to the display sent; unknown added ids are a 400.
    """
    members = _resolve_members(group.directory_id, [{"value": mid, "display": d} for mid, d in added.items()],
                               group.id)
    removed = list(removed)
    for start in range(0, len(removed), _CHUNK):
        _DROP_MEMBERS.run(group.id, removed[start:start + _CHUNK])
    for mid, display in redisplayed.items():
        Membership.update(display=display).where(
            (Membership.group_id == group.id) & (Membership.member_id == mid)).execute()
    _add_members(group.id, members)
    now = utcnow()
    sql.update(Group, group.id, last_modified=now, version=group.version + 1)
    group.last_modified, group.version = now, group.version + 1  # the row as stored: no read for the ETag


def insert(directory_id, doc):
    """A new group and its members; returns (id, member ids). 409 on a taken displayName."""
    _check_unique(directory_id, doc["displayName"])
    members = _resolve_members(directory_id, doc.get("members"))
    group = _save(lambda fields: Group.create(directory=directory_id, **fields), doc)
    _add_members(group.id, members)
    return group.id, set(members)


def write(group, doc, read_members=()):
    """Store displayName, externalId and members; returns (added, removed) member ids.

    read_members: the member ids of the document doc was made from; one of them deleted since (by a
    transaction that committed after that read) is dropped, as if the delete had come first: no 400."""
    _check_unique(group.directory_id, doc["displayName"], group.id)
    wanted = _resolve_members(group.directory_id, doc.get("members"), group.id, gone_ok=set(read_members))
    bump = {"last_modified": utcnow(), "version": group.version + 1}
    _save(lambda fields: sql.update(Group, group.id, **fields, **bump), doc)
    return _sync_members(group.id, wanted, set(read_members))


def delete(group):
    """Delete a group, its memberships and its membership in other groups; returns its member ids."""
    members = {mid for (mid,) in Membership.select(Membership.member_id).where(Membership.group == group.id).tuples()}
    Membership.delete().where(Membership.member_id == group.id).execute()
    group.delete_instance(recursive=True)
    return members


def search(directory_id, filter_string=None, sort_by=None, descending=False,
           start_index=1, count=100, with_members=True):
    """(totalResults, documents of one page) for a filter, in a stable order."""
    total, rows = common.page(Group, directory_id, filter_string, sort_by, descending, start_index, count)
    return total, documents(rows, with_members)


def users_among(member_ids):
    """The user ids among member ids (nested groups give no host memberships)."""
    ids = list(member_ids)
    return {uid for start in range(0, len(ids), _CHUNK) for (uid,) in _USER_IDS.tuples(ids[start:start + _CHUNK])}


def documents(groups, with_members):
    """Documents for a page of groups; members in one query for the whole page."""
    members = _members_of([group.id for group in groups]) if with_members else {}
    docs = []
    for group in groups:
        doc = {"id": group.id, "displayName": group.display_name}
        if group.external_id:
            doc["externalId"] = group.external_id
        if members.get(group.id):
            doc["members"] = members[group.id]
        doc["meta"] = meta("Group", group)
        docs.append(doc)
    return docs


def _members_of(group_ids, member_ids=None):
    """Members as stored (all, or those among member_ids): display is what the IdP sent
    (RFC 7643 §8.7.1 defines none for members). Plain cursor rows: a 10,000-member group
    would spend most of its GET converting values that are strings already."""
    result = {}
    if not group_ids:
        return result
    rows = _MEMBERS.tuples(group_ids) if member_ids is None else _MEMBERS_AMONG.tuples(group_ids, member_ids)
    for group_id, member_id, member_type, display in rows:
        entry = {"value": member_id, "type": member_type}
        if display:
            entry["display"] = display
        result.setdefault(group_id, []).append(entry)
    return result


# Each member as _members_of and render.resource show it: value, type, display unless empty, $ref.
_MEMBER_JSON = """CASE WHEN display IS NULL OR display = ''
    THEN {object}('value', member_id, 'type', member_type, '$ref', {base} || {kind} || member_id)
    ELSE {object}('value', member_id, 'type', member_type, 'display', display, '$ref', {base} || {kind} || member_id)
    END"""
_KIND = "CASE member_type WHEN 'Group' THEN 'Groups/' ELSE 'Users/' END"
# SQLite aggregates the rows in the subquery's order (3.44's ORDER BY inside an aggregate is not needed);
# group_concat of json_object's text takes 15 ms for 10,000 members, json_group_array 20 (it parses each again).
_SQLITE_MEMBERS_JSON = ("SELECT '[' || group_concat(entry) || ']' FROM (SELECT " + _MEMBER_JSON.format(
    object="json_object", base="?1", kind=_KIND) + ' AS entry FROM "membership" WHERE group_id = ?2 ORDER BY member_id)')
_POSTGRES_MEMBERS_JSON = ("SELECT coalesce(json_agg(" + _MEMBER_JSON.format(
    object="json_build_object", base="%(base)s", kind=_KIND)
    + ' ORDER BY member_id), \'[]\')::text FROM "membership" WHERE group_id = %(group)s')


def _members_json_sql():
    return _POSTGRES_MEMBERS_JSON if _postgres() else _SQLITE_MEMBERS_JSON


def _postgres():
    return isinstance(db.obj, peewee.PostgresqlDatabase)


def _members_query(group_ids):
    return (Membership.select(Membership.group_id, Membership.member_id, Membership.member_type, Membership.display)
            .where(Membership.group_id.in_(group_ids)).order_by(Membership.group_id, Membership.member_id))


_MEMBERS = Prepared(_members_query)
_MEMBERS_AMONG = Prepared(lambda group_ids, member_ids: _members_query(group_ids).where(
    Membership.member_id.in_(member_ids)))


def _save(write, doc):
    return write({
        "display_name": doc["displayName"],
        "display_name_lower": doc["displayName"].lower(),
        "external_id": doc.get("externalId"),
    })


def _resolve_members(directory_id, members, own_id=None, gone_ok=frozenset()):
    """{member id: ("User"|"Group", display)} for the requested members; unknown ids are a 400."""
    displays = {entry["value"]: entry.get("display") for entry in members or () if entry.get("value")}
    wanted = list(displays)
    if own_id in wanted:
        raise errors.InvalidValue("A group cannot be a member of itself.")
    found = {}
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start:start + _CHUNK]
        found.update({uid: "User" for (uid,) in _USERS_AMONG.tuples(directory_id, chunk)})
        found.update({gid: "Group" for (gid,) in _GROUPS_AMONG.tuples(directory_id, chunk)})
    missing = [value for value in wanted if value not in found and value not in gone_ok]
    wanted = [value for value in wanted if value in found]
    if missing:
        raise errors.InvalidValue(f"Member '{missing[0]}' is not a User or Group of this directory.")
    return {value: (found[value], displays[value]) for value in wanted}


_USER_IDS = Prepared(lambda ids: User.select(User.id).where(User.id.in_(ids)))
_USERS_AMONG = Prepared(lambda directory_id, ids: User.select(User.id).where(
    common.scope(User, directory_id) & User.id.in_(ids)))
_GROUPS_AMONG = Prepared(lambda directory_id, ids: Group.select(Group.id).where(
    (Group.directory == directory_id) & Group.id.in_(ids)))
_DROP_MEMBERS = Prepared(lambda group_id, member_ids: Membership.delete().where(
    (Membership.group_id == group_id) & Membership.member_id.in_(member_ids)))


def _sync_members(group_id, wanted, read_members=frozenset()):
    """Write only what changed: removed members, added members, renamed displays.

    A member of read_members no longer stored was removed since by a concurrent delete of that
    user or group (every group write holds the group's lock): it is not added back."""
    existing = dict(Membership.select(Membership.member_id, Membership.display)
                    .where(Membership.group_id == group_id).tuples())
    removed = list(existing.keys() - wanted.keys())
    for start in range(0, len(removed), _CHUNK):
        _DROP_MEMBERS.run(group_id, removed[start:start + _CHUNK])
    for mid, (_, display) in wanted.items():
        if mid in existing and existing[mid] != display:
            Membership.update(display=display).where(
                (Membership.group_id == group_id) & (Membership.member_id == mid)).execute()
    added = {mid: member for mid, member in wanted.items() if mid not in existing and mid not in read_members}
    _add_members(group_id, added)
    return set(added), set(removed)


def _add_members(group_id, members):
    _hold(members)
    rows = [{"group": group_id, "member_id": mid, "member_type": kind, "display": display}
            for mid, (kind, display) in members.items()]
    sql.insert_many(Membership, rows)


def _hold(members):
    """PostgreSQL: share-lock the users and groups about to become members, so a DELETE of one in
    flight either finishes first (and this write fails with the usual 400) or waits for it and then
    takes the new membership with it. SQLite runs one write at a time and needs no lock."""
    if isinstance(db.obj, peewee.SqliteDatabase) or not members:
        return
    ids = list(members)
    held = set()
    for start in range(0, len(ids), _CHUNK):
        chunk = ids[start:start + _CHUNK]
        # Read again once a lock is granted: a user unlinked meanwhile no longer matches.
        for model, visible in ((User, User.scim_linked == True), (Group, True)):  # noqa: E712
            held |= {mid for (mid,) in model.select(model.id).where(model.id.in_(chunk) & visible)
                     .for_update("FOR SHARE").tuples()}
    missing = [mid for mid in ids if mid not in held]
    if missing:
        raise errors.InvalidValue(f"Member '{missing[0]}' is not a User or Group of this directory.")


def _check_unique(directory_id, name, own_id=None):
    query = Group.select(Group.id).where(
        (Group.directory == directory_id) & (Group.display_name_lower == name.lower()))
    if own_id is not None:
        query = query.where(Group.id != own_id)
    if query.exists():
        raise errors.Uniqueness(f"displayName '{name}' is already in use.")
