"""The users an app provisioned, read in chunks as a reconcile walks them, and the host-side changes it writes."""

import peewee
from peewee import JOIN

from models import IdpApp, User, db, utcnow
from store import sql

_COLUMNS = (User.id, User.user_name, User.user_name_lower, User.host_username, User.active, User.idp_active,
            User.directory_id)


def chunk(app_id, after="", size=500, lock=False):
    """The next size SCIM-visible users an app provisioned, by id after the id after, in any directory: named
    tuples of id, user_name, user_name_lower, host_username, active, idp_active, directory (its id).

    lock, for a caller that writes them from what it read in the same transaction: on PostgreSQL the rows are
    read FOR UPDATE, so a SCIM write waits for its commit (or it reads that write's values), never lands in
    between; SQLite's write transaction already holds the whole database."""
    return _walk(User.provisioned_by == app_id, after, size, lock)


def stranded(app_id, directory_id, after="", size=500):
    """As chunk, only those outside directory_id: the app's directory changed since it provisioned them."""
    return _walk((User.provisioned_by == app_id) & (User.directory != directory_id), after, size)


def _walk(condition, after, size, lock=False):
    query = User.select(*_COLUMNS).where(condition & User.scim_linked & (User.id > after)).order_by(User.id)
    if lock and not isinstance(db.obj, peewee.SqliteDatabase):
        query = query.for_update()
    return list(query.limit(size).namedtuples())


def holders(directory_id, host_lowers):
    """{lower host username: (id, host username, userName, name of the app that provisioned it or None)} of the
    users of a directory holding any of these host usernames."""
    if not host_lowers:
        return {}
    query = (User.select(User.host_username_lower, User.id, User.host_username, User.user_name, IdpApp.name)
             .join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
             .where((User.directory == directory_id) & User.host_username_lower.in_(list(host_lowers))).tuples())
    return {lower: rest for lower, *rest in query}


def user_name_holders(directory_id, name_lowers):
    """{lower userName: (id, host username, userName, app name or None)} of the users of a directory holding any
    of these userNames."""
    if not name_lowers:
        return {}
    query = (User.select(User.user_name_lower, User.id, User.host_username, User.user_name, IdpApp.name)
             .join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
             .where((User.directory == directory_id) & User.user_name_lower.in_(list(name_lowers))).tuples())
    return {lower: rest for lower, *rest in query}


def rename(user_id, host_username):
    """Give a host user another host username (its SCIM document, which does not show it, stays as it is)."""
    sql.update(User, user_id, host_username=host_username, host_username_lower=host_username.lower())


def set_active(user_ids, active):
    """Activate or deactivate host users; their SCIM documents change, so their versions move on."""
    User.update(active=active, version=User.version + 1, last_modified=utcnow()).where(
        User.id.in_(list(user_ids))).execute()
