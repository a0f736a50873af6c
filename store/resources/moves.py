"""Users and SCIM groups moved, with their memberships, into another directory; what a move must know first."""

from models import Group, HostMembership, Membership, User

_IN = 500  # ids per IN (...) list


def memberships_of(member_ids):
    """(group id, member id, member type) of the groups these users or groups are direct members of."""
    return _chunked(member_ids, lambda ids: Membership.select(
        Membership.group, Membership.member_id, Membership.member_type).where(Membership.member_id.in_(ids)))


def members_of(group_ids):
    """(group id, member id, member type) of these groups' direct members."""
    return _chunked(group_ids, lambda ids: Membership.select(
        Membership.group, Membership.member_id, Membership.member_type).where(Membership.group.in_(ids)))


def users(user_ids):
    """{id: (app id that provisioned it or None, SCIM-visible, directory id, userName, host username)}."""
    rows = _chunked(user_ids, lambda ids: User.select(
        User.id, User.provisioned_by, User.scim_linked, User.directory, User.user_name, User.host_username)
        .where(User.id.in_(ids)))
    return {user_id: rest for user_id, *rest in rows}


def groups(group_ids):
    """{id: (displayName, directory id)}."""
    rows = _chunked(group_ids, lambda ids: Group.select(Group.id, Group.display_name, Group.directory)
                    .where(Group.id.in_(ids)))
    return {group_id: rest for group_id, *rest in rows}


def group_names_taken(directory_id, lowers):
    """Those of these lower-cased displayNames that a SCIM group of a directory has."""
    rows = _chunked(list(lowers), lambda names: Group.select(Group.display_name_lower).where(
        (Group.directory == directory_id) & Group.display_name_lower.in_(names)))
    return {lower for (lower,) in rows}


def move(user_ids, group_ids, directory_id):
    """Users and groups into a directory, their SCIM memberships as they are; the users leave every host group
    (those of the directory they leave)."""
    for ids in _slices(list(user_ids)):
        HostMembership.delete().where(HostMembership.user.in_(ids)).execute()
        User.update(directory=directory_id).where(User.id.in_(ids)).execute()
    for ids in _slices(list(group_ids)):
        Group.update(directory=directory_id).where(Group.id.in_(ids)).execute()


def _chunked(ids, query):
    ids, found = list(ids), []
    for part in _slices(ids):
        found.extend(query(part).tuples())
    return found


def _slices(ids):
    return (ids[start:start + _IN] for start in range(0, len(ids), _IN))
