"""SCIM Users in one host directory: read, create, replace, delete, search."""

import peewee

from models import Group, Membership, User, UserValue, db, utcnow
from scim import errors, validation
from scim import patch as scim_patch
from scim.attributes import USER_RESOURCE

from . import common, passwords, user_rows


def get(directory_id, user_id, with_groups=True):
    """The canonical document of a user, or 404."""
    user = common.scoped_row(User, directory_id, user_id)
    return _documents([user], with_groups)[0]


def create(directory_id, doc):
    """Insert a new user; 409 uniqueness when the userName is taken (case-insensitively)."""
    with db.atomic():
        _check_unique(directory_id, doc["userName"])
        fields = user_rows.columns(doc)
        if fields["active"] is None:
            fields["active"] = True  # a new account is active unless the IdP says otherwise
        fields["password_hash"] = passwords.hash_or_none(doc.get("password"))
        user = _insert(directory_id, fields)
        _write_values(user, doc)
    return get(directory_id, user.id)


def replace(directory_id, user_id, doc, expected_version=None):
    """Replace every writable attribute; a password not sent is kept."""
    with db.atomic():
        user = common.scoped_row(User, directory_id, user_id, for_update=True)
        common.check_version(user, expected_version)
        _check_unique(directory_id, doc["userName"], user.id)
        fields = user_rows.columns(doc)
        if doc.get("password"):
            fields["password_hash"] = passwords.hash_or_none(doc["password"])
        _update(user, fields)
        UserValue.delete().where(UserValue.user == user).execute()
        _write_values(user, doc)
    return get(directory_id, user_id)


def delete(directory_id, user_id, expected_version=None):
    """Delete a user and its memberships."""
    with db.atomic():
        user = common.scoped_row(User, directory_id, user_id, for_update=True)
        common.check_version(user, expected_version)
        Membership.delete().where(Membership.member_id == user.id).execute()
        user.delete_instance(recursive=False)


def search(directory_id, filter_string=None, sort_by=None, descending=False,
           start_index=1, count=100, with_groups=True):
    """(totalResults, documents of one page) for a filter, in a stable order."""
    total, rows = common.page(User, directory_id, filter_string, sort_by, descending, start_index, count)
    return total, _documents(rows, with_groups)


def _documents(users, with_groups):
    """Documents for a page of users: one query for their values, one for their groups (no N+1)."""
    ids = [user.id for user in users]
    values = {user_id: [] for user_id in ids}
    if ids:
        for row in UserValue.select().where(UserValue.user.in_(ids)).order_by(
                UserValue.attribute, UserValue.position):
            values[row.user_id].append(row)
    groups = _groups_of(ids) if with_groups else {}
    return [user_rows.document(user, values[user.id], groups.get(user.id, []) if with_groups else None)
            for user in users]


def _groups_of(user_ids):
    result = {}
    if not user_ids:
        return result
    query = (Membership.select(Membership.member_id, Group.id, Group.display_name)
             .join(Group).where(Membership.member_id.in_(user_ids)).order_by(Group.display_name).tuples())
    for member_id, group_id, name in query:
        result.setdefault(member_id, []).append((group_id, name))
    return result


def _check_unique(directory_id, user_name, own_id=None):
    query = User.select(User.id).where(
        (User.directory == directory_id) & (User.user_name_lower == user_name.lower()))
    if own_id is not None:
        query = query.where(User.id != own_id)
    if query.exists():
        raise errors.Uniqueness(f"userName '{user_name}' is already in use.")


def _insert(directory_id, fields):
    try:
        with db.atomic():
            return User.create(directory=directory_id, **fields)
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{fields['user_name']}' is already in use.") from None


def _update(user, fields):
    fields.update(last_modified=utcnow(), version=user.version + 1)
    try:
        with db.atomic():
            User.update(**fields).where(User.id == user.id).execute()
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{fields['user_name']}' is already in use.") from None


def _write_values(user, doc):
    rows = user_rows.value_rows(doc)
    for row in rows:
        row["user"] = user.id
    if rows:
        UserValue.insert_many(rows).execute()


def patch(directory_id, user_id, body, expected_version=None):
    """Apply a PatchOp atomically; an unchanged result keeps its version."""
    with db.atomic():
        user = common.scoped_row(User, directory_id, user_id, for_update=True)
        common.check_version(user, expected_version)
        current = _documents([user], True)[0]
        updated = scim_patch.apply(USER_RESOURCE, current, body)
        validation.require(USER_RESOURCE, updated)
        if updated == current:
            return current
        return replace(directory_id, user_id, updated)
