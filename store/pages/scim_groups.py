"""SCIM groups (the IdP's view) as the admin pages list and show them, and what each app makes of one."""

from peewee import JOIN, SQL, fn

from models import Directory, Group, HostGroup, IdpApp, Membership, User
from models.audit import AuditEvent
from rules import options as provisioning_options
from rules.targets import targets_of
from store.pages.paging import HISTORY_SIZE, PAGE_SIZE, Page, clamped
from store.pages.search import named
from store.pages.users import USER_COLUMNS, full_name
from store.trail import operations

SUGGESTIONS = 1000  # names a form suggests at most: a browser's list is for picking, not for browsing


def scim_groups(text=None, directory_id=None, number=1, size=PAGE_SIZE):
    """A page of SCIM groups (the IdP's view), by directory then name, with user and nested-group counts."""
    condition = named(Group.display_name_lower, text, Group.directory, directory_id)
    total = Group.select().where(condition).count()
    number, notice = clamped(number, total, size)
    rows = list(Group.select(Group.id, Group.display_name, Group.external_id, Group.last_modified,
                             Directory.name.alias("directory_name"))
                .join(Directory).where(condition)
                .order_by(Directory.position, Directory.id, Group.display_name_lower, Group.id)
                .limit(size).offset((number - 1) * size).dicts())
    counts = {}
    if rows:
        query = (Membership.select(Membership.group, Membership.member_type, fn.COUNT(SQL("*")))
                 .where(Membership.group.in_([row["id"] for row in rows]))
                 .group_by(Membership.group, Membership.member_type).tuples())
        for group_id, member_type, count in query:
            counts[(group_id, member_type)] = count
    for row in rows:
        row["users"] = counts.get((row["id"], "User"), 0)
        row["groups"] = counts.get((row["id"], "Group"), 0)
    return Page(rows, number, total, size, notice)


def scim_group(group_id):
    """A SCIM group as a dict (its directory named, user and nested-group counts); None if missing."""
    row = (Group.select(Group.id, Group.display_name, Group.external_id, Group.created, Group.last_modified,
                        Group.directory, Directory.name.alias("directory_name"))
           .join(Directory).where(Group.id == group_id).dicts().first())
    if row is not None:
        counts = dict(Membership.select(Membership.member_type, fn.COUNT(SQL("*")))
                      .where(Membership.group == group_id).group_by(Membership.member_type).tuples())
        row["users"], row["groups"] = counts.get("User", 0), counts.get("Group", 0)
    return row


def scim_group_users(group, number=1, size=PAGE_SIZE):
    """A page of a SCIM group's user members, by host username, each with the app that provisioned it."""
    total = group["users"]
    number, notice = clamped(number, total, size)
    rows = list(Membership.select(*USER_COLUMNS, IdpApp.name.alias("app_name"))
                .join(User, on=(Membership.member_id == User.id))
                .join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
                .where((Membership.group == group["id"]) & (Membership.member_type == "User"))
                .order_by(User.host_username_lower, User.id).limit(size).offset((number - 1) * size).dicts())
    for row in rows:
        row["full_name"] = full_name(row)
    return Page(rows, number, total, size, notice)


def scim_group_nested(group, limit=PAGE_SIZE):
    """The SCIM groups nested in this one (their first limit, by name)."""
    return list(Membership.select(Group.id, Group.display_name).join(Group, on=(Membership.member_id == Group.id))
                .where((Membership.group == group["id"]) & (Membership.member_type == "Group"))
                .order_by(Group.display_name_lower).limit(limit).dicts())


def scim_group_history(group, limit=HISTORY_SIZE):
    """The audit events about a SCIM group, newest first: by its id, or by its name (a refused create has no id).

    The host group made for it carries the same name and is another group: name matches count for writes only."""
    by_name = ((AuditEvent.subject == group["display_name"]) & (AuditEvent.resource_type == "Group")
               & AuditEvent.operation.in_(operations.WRITES))
    return list(AuditEvent.select().where((AuditEvent.resource_id == group["id"]) | by_name)
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))


def scim_group_targets(group):
    """What each app of the group's directory makes of it: [{app, host_groups: [{name, id}], why}].

    id is None for a host group not created yet (the first member provisioned creates it); why says,
    in an admin's words, why the app gives no host group (rules.targets decides)."""
    apps = list(IdpApp.select(IdpApp.name, IdpApp.options).where(IdpApp.directory == group["directory"])
                .order_by(IdpApp.name))
    named = {app.name: targets_of(provisioning_options.load(app.options), group["display_name"]) for app in apps}
    wanted = {name.lower() for names, _why in named.values() for name in names}
    ids = dict(HostGroup.select(HostGroup.name_lower, HostGroup.id)
               .where((HostGroup.directory == group["directory"]) & HostGroup.name_lower.in_(list(wanted)))
               .tuples()) if wanted else {}
    return [{"app": app_name, "why": why.detail if why else None,
             "host_groups": [{"name": name, "id": ids.get(name.lower())} for name in names]}
            for app_name, (names, why) in named.items()]


def scim_group_names(directory_id, limit=SUGGESTIONS):
    """The names of the SCIM groups in a directory, by name: what an IdP pushed there, to suggest in a form."""
    return [name for (name,) in Group.select(Group.display_name).where(Group.directory == directory_id)
            .order_by(Group.display_name_lower).limit(limit).tuples()]
