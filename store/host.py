"""The host side provisioning keeps in line: host groups and who is in them, and why."""

from peewee import SQL

from models import Group, HostGroup, HostMembership, Membership, User
from store import sql
from store.sql import Prepared


def idp_groups(user_ids):
    """{user id: [SCIM group displayNames]} for direct SCIM memberships."""
    result = {}
    for user_id, name in _IDP_GROUPS.tuples(user_ids):
        result.setdefault(user_id, []).append(name)
    return result


def memberships(user_ids):
    """{user id: {host group lower name: (group id, name, source app id, reason)}}."""
    result = {}
    for user_id, group_id, name, lower, source, reason in _HOST_MEMBERSHIPS.tuples(user_ids):
        result.setdefault(user_id, {})[lower] = (group_id, name, source, reason)
    return result


def holdings(user_ids):
    """(idp_groups(user_ids), memberships(user_ids)) in one statement, not two: every user PUT and PATCH asks."""
    groups, held = {}, {}
    for user_id, group_id, name, lower, source, reason in _HOLDINGS.tuples(user_ids):
        if group_id is None:
            groups.setdefault(user_id, []).append(name)
        else:
            held.setdefault(user_id, {})[lower] = (group_id, name, source, reason)
    return groups, held


def usernames(user_ids):
    """{user id: host username}."""
    return dict(_NAMES.tuples(user_ids))


def group_named(directory_id, name):
    """The host group called name (regardless of case) in a directory, or None."""
    return _HOST_GROUP.first(directory_id, name.lower())


def existing(directory_id, lowers):
    """Those of these lower-cased names that name a host group of a directory."""
    if not lowers:
        return set()
    return {lower for (lower,) in HostGroup.select(HostGroup.name_lower).where(
        (HostGroup.directory == directory_id) & HostGroup.name_lower.in_(list(lowers))).tuples()}


def create_group(directory_id, name, app):
    """A new host group in a directory, created by an app."""
    return HostGroup.create(directory=directory_id, name=name, name_lower=name.lower(), created_by=app.id,
                            description=f"Created by IdP app '{app.name}'.")


def add_members(group_id, user_ids, app_id, reason):
    """Put users in a host group, given by an app for a reason; those already in it stay as they are."""
    sql.insert_many(HostMembership, [{"group": group_id, "user": uid, "source_app": app_id, "reason": reason}
                                     for uid in user_ids], ignore_conflicts=True)


def remove_members(group_id, user_ids):
    """Take users out of a host group."""
    _REMOVE.run(group_id, list(user_ids))


# Every SCIM write runs these: their SQL is generated once (store.sql).
_NAMES = Prepared(lambda ids: User.select(User.id, User.host_username).where(User.id.in_(ids)))
_HOST_GROUP = Prepared(lambda directory_id, lower: HostGroup.select().where(
    (HostGroup.directory == directory_id) & (HostGroup.name_lower == lower)).limit(1))
_IDP_GROUPS = Prepared(lambda ids: Membership.select(Membership.member_id, Group.display_name).join(Group)
                       .where(Membership.member_id.in_(ids)))
_REMOVE = Prepared(lambda group_id, ids: HostMembership.delete().where(
    (HostMembership.group == group_id) & HostMembership.user.in_(ids)))
_HOST_MEMBERSHIPS = Prepared(lambda ids: HostMembership.select(
    HostMembership.user, HostGroup.id, HostGroup.name, HostGroup.name_lower, HostMembership.source_app,
    HostMembership.reason).join(HostGroup).where(HostMembership.user.in_(ids)))
_HOLDINGS = Prepared(lambda ids: Membership.select(  # a SCIM group's row has no host group id
    Membership.member_id, SQL("NULL"), Group.display_name, SQL("NULL"), SQL("NULL"), SQL("NULL")).join(Group)
    .where(Membership.member_id.in_(ids)).union_all(HostMembership.select(
        HostMembership.user, HostGroup.id, HostGroup.name, HostGroup.name_lower, HostMembership.source_app,
        HostMembership.reason).join(HostGroup).where(HostMembership.user.in_(ids))))
