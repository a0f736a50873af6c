"""Local users and groups as a pull sees them: matched by name, and their state before and after a write."""

from models import Group, User
from store.sql import Prepared

_STATE = Prepared(lambda user_id: User.select(User.version, User.active).where(User.id == user_id))


def user_named(directory_id, user_name):
    """The SCIM-provisioned user of this userName in the directory, or None."""
    return User.get_or_none((User.directory == directory_id) & (User.scim_linked == True)  # noqa: E712
                            & (User.user_name_lower == user_name.lower()))


def group_named(directory_id, name):
    """The group of this displayName in the directory, or None."""
    return Group.get_or_none((Group.directory == directory_id) & (Group.display_name_lower == name.lower()))


def user_state(user_id):
    """(version, active) of a user, or None."""
    rows = _STATE.tuples(user_id)
    return (rows[0][0], bool(rows[0][1]) if rows[0][1] is not None else None) if rows else None


def group_version(group_id):
    """The version of a group, or None."""
    return Group.select(Group.version).where(Group.id == group_id).scalar()
