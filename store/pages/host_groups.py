"""Host groups as the admin pages list and show them: members, and the SCIM groups and apps feeding each."""

from peewee import JOIN, SQL, fn

from models import Directory, Group, HostGroup, HostMembership, IdpApp, Membership, User
from rules import options as provisioning_options
from rules.targets import targets_of
from store.pages.paging import PAGE_SIZE, Page, clamped
from store.pages.search import named
from store.pages.users import USER_COLUMNS, full_name


def host_groups(text=None, directory_id=None, number=1, size=PAGE_SIZE):
    """A page of host groups matching a name search, by name, with member counts."""
    condition = named(HostGroup.name_lower, text, HostGroup.directory, directory_id)
    total = HostGroup.select().where(condition).count()
    number, notice = clamped(number, total, size)
    rows = list(_host_group_query().where(condition).order_by(HostGroup.name_lower, HostGroup.id)
                .limit(size).offset((number - 1) * size).dicts())
    counts = _counts(HostMembership.group, [row["id"] for row in rows])
    for row in rows:
        row["members"] = counts.get(row["id"], 0)
    return Page(rows, number, total, size, notice)


def _host_group_query():
    return (HostGroup.select(HostGroup.id, HostGroup.name, HostGroup.description, HostGroup.created,
                             HostGroup.directory, Directory.name.alias("directory_name"),
                             IdpApp.name.alias("created_by_name"))
            .join(Directory).switch(HostGroup)
            .join(IdpApp, JOIN.LEFT_OUTER, on=(HostGroup.created_by == IdpApp.id)))


def _counts(column, ids, condition=None):
    """{id: rows of column's table with that id} for ids, in one query."""
    if not ids:
        return {}
    query = column.model.select(column, fn.COUNT(SQL("*"))).where(column.in_(ids))
    if condition is not None:
        query = query.where(condition)
    return dict(query.group_by(column).tuples())


def host_group(group_id):
    """A host group as a dict (directory and creating app named), with its member count; None if missing."""
    row = _host_group_query().where(HostGroup.id == group_id).dicts().first()
    if row is not None:
        row["members"] = _counts(HostMembership.group, [group_id]).get(group_id, 0)
    return row


def host_group_members(group, number=1, size=PAGE_SIZE):
    """A page of a host group's members, by host username, each with how it was given."""
    total = group["members"]
    number, notice = clamped(number, total, size)
    rows = list(HostMembership.select(HostMembership.reason, HostMembership.created.alias("since"),
                                      *USER_COLUMNS, IdpApp.name.alias("app_name"))
                .join(User).switch(HostMembership)
                .join(IdpApp, JOIN.LEFT_OUTER, on=(HostMembership.source_app == IdpApp.id))
                .where(HostMembership.group == group["id"]).order_by(User.host_username_lower, User.id)
                .limit(size).offset((number - 1) * size).dicts())
    for row in rows:
        row["full_name"] = full_name(row)
    return Page(rows, number, total, size, notice)


def feeding_scim_groups(group):
    """The SCIM groups whose members this host group follows, and the apps giving it by default.

    Returns ([{id, display_name, members, apps}], [app names with it among their default groups]):
    an app in the group's directory feeds it from an IdP group its options map here
    (rules.targets.targets_of decides, so include/exclude and unmapped_groups count), and is named
    under apps only when it provisioned one of that SCIM group's members: mapping a group is not feeding it."""
    name = group["name"].lower()
    feeders, defaults = {}, []
    for app in IdpApp.select(IdpApp.id, IdpApp.name, IdpApp.options).where(IdpApp.directory == group["directory"]) \
            .order_by(IdpApp.name):
        options = provisioning_options.load(app.options)
        if any(default.lower() == name for default in options.default_groups):
            defaults.append(app.name)
        candidates = {group["name"]} | {key for key, targets in options.group_mapping.items()
                                        if any(target.lower() == name for target in targets)}
        for candidate in candidates:
            if any(target.lower() == name for target in targets_of(options, candidate)[0]):
                feeders.setdefault(candidate.lower(), {})[app.id] = app.name
    if not feeders:
        return [], defaults
    rows = list(Group.select(Group.id, Group.display_name, Group.display_name_lower)
                .where((Group.directory == group["directory"]) & Group.display_name_lower.in_(list(feeders)))
                .order_by(Group.display_name_lower).dicts())
    ids = [row["id"] for row in rows]
    counts = _counts(Membership.group, ids)
    provisioners = _provisioners(ids)
    for row in rows:
        row["members"] = counts.get(row["id"], 0)
        mapped = feeders[row["display_name_lower"]]
        row["apps"] = [app_name for app_id, app_name in mapped.items() if app_id in provisioners.get(row["id"], ())]
        row["mapped_by"] = list(mapped.values())
    return rows, defaults


def _provisioners(group_ids):
    """{SCIM group id: ids of the apps that provisioned at least one of its user members}, in one query."""
    if not group_ids:
        return {}
    found = {}
    query = (Membership.select(Membership.group, User.provisioned_by)
             .join(User, on=(Membership.member_id == User.id))
             .where(Membership.group.in_(group_ids) & User.provisioned_by.is_null(False))
             .group_by(Membership.group, User.provisioned_by).tuples())
    for group_id, app_id in query:
        found.setdefault(group_id, set()).add(app_id)
    return found
