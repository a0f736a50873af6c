"""Host users as SCIM Users in one directory: the persistence primitives provisioning builds on."""

import orjson
import peewee
from peewee import SQL

from models import Membership, User, UserValue, db, utcnow
from scim import errors
from store import sql
from store.resources import common, user_json, user_reads, user_rows
from store.sql import Prepared
from store.tenancy import passwords

KEPT = object()  # write(): leave idp_active as it is

# Rows holding a new user's userName or host username: whether each is linked, and holds the userName.
_CLAIMED = Prepared(lambda directory_id, name_lower, host_lower: User.select(
    User.id, User.scim_linked, User.user_name_lower == name_lower).where(
    (User.directory == directory_id)
    & ((User.user_name_lower == name_lower) | (User.host_username_lower == host_lower))))
_ROW = Prepared(lambda user_id: User.select().where(User.id == user_id))
# userName and host username taken by another row: the userName's conflict first (its message).
_TAKEN = Prepared(lambda directory_id, name_lower, host_lower, own_id: User.select(
    User.user_name_lower == name_lower).where(
    (User.directory == directory_id) & (User.id != own_id)
    & ((User.user_name_lower == name_lower) | (User.host_username_lower == host_lower)))
    .order_by(SQL("1 DESC")).limit(1))


def get(directory_id, user_id, with_groups=True):
    """The canonical document of a SCIM-visible user, or 404."""
    row = common.scoped_tuple(User, directory_id, user_id, user_reads.select_list)
    return _documents(user_reads.split([row]), with_groups)[0]


def get_rendered(directory_id, user_id, base_url):
    """(ETag, response body as an orjson.Fragment) of a visible user under base_url, or 404; the body is
    built by the database (store.resources.user_json)."""
    if "\x00" in user_id:  # no id holds a NUL, and PostgreSQL's driver refuses one in a query
        raise errors.NotFound(f"User {user_id} not found.")
    found = db.execute_sql(_rendered_sql(), [*user_json.parameters(base_url), user_id, directory_id]).fetchone()
    if found is None:
        raise errors.NotFound(f"User {user_id} not found.")
    return f'W/"{found[0]}"', orjson.Fragment(found[1])


def _rendered_sql():
    param = db.obj.param
    return (f'SELECT "t1"."version", {user_json.expression()} FROM "{User._meta.table_name}" AS "t1" '
            f'WHERE "t1"."id" = {param} AND "t1"."directory_id" = {param} AND "t1"."scim_linked"')


def locked(directory_id, user_id, expected_version=None):
    """(row, document) of a visible user, locked for a write, after the If-Match check."""
    return _with_document(directory_id, user_id, expected_version, True)


def current(directory_id, user_id, expected_version=None):
    """(row, document) of a visible user as it is now, not locked, after the If-Match check: what a write
    plans from before its transaction, then writes with write(..., guarded=True)."""
    return _with_document(directory_id, user_id, expected_version, False)


def _with_document(directory_id, user_id, expected_version, for_update):
    row = common.scoped_tuple(User, directory_id, user_id, user_reads.select_list, for_update=for_update)
    ((user, values, groups),) = user_reads.split([row], instances=True)
    common.check_version(user, expected_version)
    return user, user_rows.document(user, values, groups)


def locked_row(directory_id, user_id, expected_version=None):
    """A visible user's row, locked for a write, after the If-Match check; its values are not read."""
    user = common.scoped_row(User, directory_id, user_id, for_update=True)
    common.check_version(user, expected_version)
    return user


def unlinked(directory_id, user_name, host_username):
    """The user with this userName that SCIM once deleted but the host kept, or None for a new user;
    409 when another user holds the userName or host username (one query answers all three).

    Only the same IdP userName re-links: another one that maps onto the kept host username is a
    409, so a deleted account (and its host groups) never passes to a different person."""
    rows = _CLAIMED.tuples(directory_id, user_name.lower(), host_username.lower())
    named = [row for row in rows if row[2]]
    if named and not named[0][1]:
        return _ROW.first(named[0][0])  # write() checks the host username against the others
    if rows:
        _refuse(user_name, host_username, bool(named))
    return None


def insert(directory_id, doc, host_username, app_id, checked=False):
    """A new user from a canonical document; 409 when the userName or host username is taken
    (checked: unlinked() has just found them free)."""
    if not checked:
        check_unique(directory_id, doc["userName"], host_username)
    fields = user_rows.columns(doc)
    fields["idp_active"] = fields["active"]  # what the IdP said, None when it did not
    if fields["active"] is None:
        fields["active"] = True  # a new account is active unless the IdP says otherwise
    fields.update(_host_name(host_username), provisioned_by=app_id)
    if doc.get("password"):
        fields["password_hash"] = passwords.hash_or_none(doc["password"])
    try:  # no savepoint: the caller's transaction (or savepoint) rolls back with the Uniqueness error
        user = sql.create(User, directory=directory_id, **fields)
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{doc['userName']}' is already in use.") from None
    _write_values(user.id, doc)
    return user.id


def write(user, doc, host_username, relink=False, values_changed=True, idp_active=KEPT, guarded=False):
    """Store doc as the user's attributes (a password not sent is kept); bumps the version. False, with
    nothing written, when guarded and another write changed the user since it was read (current()).

    values_changed=False: no multi-valued attribute changed, and their rows are left as they are.
    idp_active: the active the IdP sent, before the options decided the host's (KEPT: unchanged)."""
    if (doc["userName"].lower(), host_username.lower()) != (user.user_name_lower, user.host_username_lower):
        check_unique(user.directory_id, doc["userName"], host_username, user.id)  # the row's own are unique
    fields = {**user_rows.columns(doc), **_host_name(host_username)}
    if idp_active is not KEPT:
        fields["idp_active"] = idp_active
    if doc.get("password"):
        fields["password_hash"] = passwords.hash_or_none(doc["password"])
    if relink:
        fields["scim_linked"] = True
    # Only the columns that change: SQLite rewrites every index on a column the UPDATE sets, changed or not,
    # and a PATCH of displayName setting all 30 columns wrote four indexes and 13 pages of WAL.
    fields = {name: value for name, value in fields.items() if getattr(user, name) != value}
    fields.update(last_modified=utcnow(), version=user.version + 1)
    try:  # as in insert: the caller's transaction rolls back with the error
        if guarded and not sql.update_if(User, user.id, user.version, **fields):
            return False
        if not guarded:
            sql.update(User, user.id, **fields)
    except peewee.IntegrityError:
        raise errors.Uniqueness(f"userName '{doc['userName']}' is already in use.") from None
    if values_changed:
        UserValue.delete().where(UserValue.user == user.id).execute()
        _write_values(user.id, doc)
    return True


def note_idp_active(user, idp_active, guarded=False):
    """Keep the active the IdP sent when the options kept the host's status and nothing else changed; the
    SCIM document (and its version) stays as it is. False when guarded and the user changed since read."""
    if guarded:
        return bool(sql.update_if(User, user.id, user.version, idp_active=idp_active))
    sql.update(User, user.id, idp_active=idp_active)
    return True


def unlink(directory_id, user_id, expected_version=None):
    """Deactivate a visible host user and hide it from SCIM, after the If-Match check; its host groups
    stay. Returns (host username, userName). One UPDATE ... RETURNING finds, checks and writes the row."""
    if "\x00" in user_id:  # no id holds a NUL, and PostgreSQL's driver refuses one in a query
        raise errors.NotFound(f"User {user_id} not found.")
    found = _unlink(directory_id, user_id, expected_version)
    if found is None:
        # 404 or 412 from the row as it is; else (PostgreSQL) a row another transaction just changed
        # back, now locked by this one.
        locked_row(directory_id, user_id, expected_version)
        found = _unlink(directory_id, user_id, expected_version)
    Membership.delete().where(Membership.member_id == user_id).execute()
    return found


def _unlink(directory_id, user_id, expected_version):
    param = db.obj.param
    statement = (f'UPDATE "{User._meta.table_name}" SET "scim_linked" = {param}, "active" = {param}, '
           f'"last_modified" = {param}, "version" = "version" + 1 WHERE "id" = {param} AND "directory_id" = {param} '
           f'AND "scim_linked" = {param} AND ({param} IS NULL OR "version" = {param}) '
           'RETURNING "host_username", "user_name"')
    version = None if expected_version == "*" else expected_version
    return db.execute_sql(statement, [False, False, utcnow(), user_id, directory_id, True, version, version]).fetchone()


def delete(user):
    """Delete the host user, its SCIM memberships and its host memberships."""
    Membership.delete().where(Membership.member_id == user.id).execute()
    user.delete_instance(recursive=True)


def search(directory_id, filter_string=None, sort_by=None, descending=False,
           start_index=1, count=100, with_groups=True):
    """(totalResults, documents of one page) for a filter, in a stable order."""
    total, rows = common.page(User, directory_id, filter_string, sort_by, descending, start_index, count,
                              user_reads.select_list)
    return total, _documents(user_reads.split(rows), with_groups)


def search_rendered(directory_id, filter_string, sort_by, descending, start_index, count, base_url):
    """As search, but the page's response bodies (orjson.Fragment), built by the database."""
    total, rows = common.page(User, directory_id, filter_string, sort_by, descending, start_index, count,
                              user_json.select_list, user_json.parameters(base_url), joined=True)
    return total, [orjson.Fragment(body) for (body,) in rows]


def _documents(read, with_groups):
    """Documents of users read with their values and groups (user_reads.split)."""
    return [user_rows.document(user, values, groups if with_groups else None) for user, values, groups in read]


def check_unique(directory_id, user_name, host_username, own_id=None):
    """409 uniqueness: one userName per directory, and one host account per host username."""
    taken = _TAKEN.tuples(directory_id, user_name.lower(), host_username.lower(), own_id or "")
    if taken:
        _refuse(user_name, host_username, bool(taken[0][0]))


def _refuse(user_name, host_username, user_name_taken):
    if user_name_taken:
        raise errors.Uniqueness(f"userName '{user_name}' is already in use.")
    raise errors.Uniqueness(
        f"userName '{user_name}' maps to the host username '{host_username}', which another user has.")


def _host_name(host_username):
    return {"host_username": host_username, "host_username_lower": host_username.lower()}


def _write_values(user_id, doc):
    rows = user_rows.value_rows(doc)
    for row in rows:
        row["user"] = user_id
    sql.insert_many(UserValue, rows)
