"""The host users and host groups a command names, in every directory that has one."""

from models import Directory, HostGroup, User
from store.pages.host_groups import host_group


def user_ids_named(host_username):
    """The ids of the host users with this host username (regardless of case), one per directory at most."""
    return [user_id for (user_id,) in User.select(User.id).where(User.host_username_lower == host_username.lower())
            .join(Directory).order_by(Directory.position, Directory.id).tuples()]


def host_groups_named(name, directory_id=None):
    """The host groups with this name (regardless of case), in one directory or in every one, as host_group()."""
    condition = HostGroup.name_lower == name.lower()
    if directory_id is not None:
        condition &= HostGroup.directory == directory_id
    ids = [group_id for (group_id,) in HostGroup.select(HostGroup.id).join(Directory).where(condition)
           .order_by(Directory.position, Directory.id).tuples()]
    return [host_group(group_id) for group_id in ids]
