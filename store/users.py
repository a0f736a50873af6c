"""Host users as SCIM Users in one directory: the persistence primitives provisioning builds on."""

import peewee

from models import Group, Membership, User, UserValue, utcnow
from scim import errors

from . import common, passwords, prepared, user_rows
from .prepared import Prepared

_CHUNK = 500  # ids in one IN list (each list length's SQL is kept)

_VALUES = Prepared(lambda ids: UserValue.select().where(UserValue.user.in_(ids)).order_by(
    UserValue.attribute, UserValue.position))
_GROUPS = Prepared(lambda ids: Membership.select(Membership.member_id, Group.id, Group.display_name)
                   .join(Group).where(Membership.member_id.in_(ids)).order_by(Group.display_name))
_UNLINKED = Prepared(lambda directory_id, name_lower: User.select().where(
    (User.directory == directory_id) & (User.scim_linked == False)  # noqa: E712
    & (User.user_name_lower == name_lower)).limit(1))
_TAKEN = {column: Prepared(lambda directory_id, value, own_id, column=column: User.select(User.id).where(
    (User.directory == directory_id) & (getattr(User, column) == value) & (User.id != own_id)).limit(1))
    for column in ("user_name_lower", "host_username_lower")}


def get(directory_id, user_id, with_groups=True):
    """The canonical document of a SCIM-visible user, or 404."""
    user = common.scoped_row(User, directory_id, user_id)
    return documents([user], with_groups)[0]


def locked(directory_id, user_id, expected_version=None):
    """(row, document) of a visible user, locked for a write, after the If-Match check."""
    user = locked_row(directory_id, user_id, expected_version)
    return user, documents([user], True)[0]


def locked_row(directory_id, user_id, expected_version=None):
    """A visible user's row, locked for a write, after the If-Match check; its values are not read."""
    user = common.scoped_row(User, directory_id, user_id, for_update=True)
    common.check_version(user, expected_version)
    return user


def unlinked(directory_id, user_name):
    """The user with this userName that SCIM once deleted but the host kept; or None.

    Only the same IdP userName re-links: another one that maps onto the kept host username is a
    409, so a deleted account (and its host groups) never passes to a different person."""
    return _UNLINKED.first(directory_id, user_name.lower())


def insert(directory_id, doc, host_username, app_id):
    """A new user from a canonical document; 409 when the userName or host username is taken."""
    check_unique(directory_id, doc["userName"], host_username)
    fields = user_rows.columns(doc)
    if fields["active"] is None:
        fields["active"] = True  # a new account is active unless the IdP says otherwise
    fields.update(_host_name(host_username), provisioned_by=app_id,
                  password_hash=passwords.hash_or_none(doc.get("password")))
    try:  # no savepoint: the caller's transaction (or savepoint) rolls back with the Uniqueness error
        user = prepared.create(User, directory=directory_id, **fields)
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{doc['userName']}' is already in use.") from None
    _write_values(user.id, doc)
    return user.id


def write(user, doc, host_username, relink=False, values_changed=True):
    """Store doc as the user's attributes (a password not sent is kept); bumps the version.

    values_changed=False: no multi-valued attribute changed, and their rows are left as they are."""
    check_unique(user.directory_id, doc["userName"], host_username, user.id)
    fields = {**user_rows.columns(doc), **_host_name(host_username),
              "last_modified": utcnow(), "version": user.version + 1}
    if doc.get("password"):
        fields["password_hash"] = passwords.hash_or_none(doc["password"])
    if relink:
        fields["scim_linked"] = True
    try:  # as in insert: the caller's transaction rolls back with the error
        prepared.update(User, user.id, **fields)
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{doc['userName']}' is already in use.") from None
    if values_changed:
        UserValue.delete().where(UserValue.user == user.id).execute()
        _write_values(user.id, doc)


def unlink(user):
    """Deactivate the host user and hide it from SCIM; its host groups stay."""
    Membership.delete().where(Membership.member_id == user.id).execute()
    prepared.update(User, user.id, active=False, scim_linked=False, last_modified=utcnow(), version=user.version + 1)


def delete(user):
    """Delete the host user, its SCIM memberships and its host memberships."""
    Membership.delete().where(Membership.member_id == user.id).execute()
    user.delete_instance(recursive=True)


def search(directory_id, filter_string=None, sort_by=None, descending=False,
           start_index=1, count=100, with_groups=True):
    """(totalResults, documents of one page) for a filter, in a stable order."""
    total, rows = common.page(User, directory_id, filter_string, sort_by, descending, start_index, count)
    return total, documents(rows, with_groups)


def documents(users, with_groups):
    """Documents for a page of users: one query for their values, one for their groups (no N+1)."""
    ids = [user.id for user in users]
    values = {user_id: [] for user_id in ids}
    for start in range(0, len(ids), _CHUNK):
        for row in _VALUES.records(ids[start:start + _CHUNK]):
            values[row.user].append(row)
    groups = _groups_of(ids) if with_groups else {}
    return [user_rows.document(user, values[user.id], groups.get(user.id, []) if with_groups else None)
            for user in users]


def check_unique(directory_id, user_name, host_username, own_id=None):
    """409 uniqueness: one userName per directory, and one host account per host username."""
    if _TAKEN["user_name_lower"].tuples(directory_id, user_name.lower(), own_id or ""):
        raise errors.Uniqueness(f"userName '{user_name}' is already in use.")
    if _TAKEN["host_username_lower"].tuples(directory_id, host_username.lower(), own_id or ""):
        raise errors.Uniqueness(
            f"userName '{user_name}' maps to the host username '{host_username}', which another user has.")


def _host_name(host_username):
    return {"host_username": host_username, "host_username_lower": host_username.lower()}


def _groups_of(user_ids):
    result = {}
    for start in range(0, len(user_ids), _CHUNK):
        for member_id, group_id, name in _GROUPS.tuples(user_ids[start:start + _CHUNK]):
            result.setdefault(member_id, []).append((group_id, name))
    return result


def _write_values(user_id, doc):
    rows = user_rows.value_rows(doc)
    for row in rows:
        row["user"] = user_id
    prepared.insert_many(UserValue, rows)
