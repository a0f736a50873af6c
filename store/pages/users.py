"""The host users as the admin pages list and show them, with their history."""

from peewee import JOIN, SQL, fn

from models import Directory, Group, HostGroup, HostMembership, IdpApp, Membership, User, UserValue
from models.audit import AuditEvent
from store.pages.paging import HISTORY_SIZE, PAGE_SIZE, Page, clamped
from store.pages.search import like, like_pattern

STATUSES = {"active": "Active", "inactive": "Inactive", "unlinked": "Unlinked from SCIM"}
NO_APP = "none"  # the users filter's value for users no app provisioned


def users(text=None, directory_id=None, status=None, app_id=None, number=1, size=PAGE_SIZE):
    """A page of host users matching a search (usernames, names, emails) and filters, by host username."""
    condition = _user_condition(text, directory_id, status, app_id)
    total = User.select().where(condition).count()
    number, notice = clamped(number, total, size)
    rows = list(User.select(*USER_COLUMNS, Directory.name.alias("directory_name"), IdpApp.name.alias("app_name"))
                .join(Directory).switch(User).join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
                .where(condition).order_by(User.host_username_lower, User.id)
                .limit(size).offset((number - 1) * size).dicts())
    emails = primary_emails([row["id"] for row in rows])
    for row in rows:
        row["email"] = emails.get(row["id"])
        row["full_name"] = full_name(row)
    return Page(rows, number, total, size, notice)


USER_COLUMNS = (User.id, User.user_name, User.host_username, User.display_name, User.name_formatted,
                User.name_given, User.name_family, User.active, User.scim_linked, User.directory,
                User.provisioned_by, User.created, User.last_modified)


def _user_condition(text, directory_id, status, app_id):
    condition = SQL("1 = 1")
    if text:
        pattern = like_pattern(text.lower())
        emails = UserValue.select(UserValue.user).where(
            (UserValue.attribute == "emails") & like(UserValue.value_lower, pattern))
        condition = (like(User.user_name_lower, pattern) | like(User.host_username_lower, pattern)
                     | like(fn.LOWER(User.display_name), pattern) | like(fn.LOWER(User.name_formatted), pattern)
                     | like(fn.LOWER(User.name_given), pattern) | like(fn.LOWER(User.name_family), pattern)
                     | like(fn.LOWER(User.name_given.concat(" ").concat(User.name_family)), pattern)
                     | User.id.in_(emails))
    if directory_id is not None:
        condition &= User.directory == directory_id
    if status == "active":
        condition &= User.active.is_null() | (User.active == True)  # noqa: E712 (None counts as active)
    elif status == "inactive":
        condition &= User.active == False  # noqa: E712
    elif status == "unlinked":
        condition &= User.scim_linked == False  # noqa: E712
    if app_id == NO_APP:
        condition &= User.provisioned_by.is_null()
    elif app_id is not None:
        condition &= User.provisioned_by == app_id
    return condition


def primary_emails(user_ids):
    """{user id: its primary email, else its first} for these users, in one query."""
    emails = {}
    if not user_ids:
        return emails
    query = (UserValue.select(UserValue.user, UserValue.value, UserValue.primary)
             .where((UserValue.attribute == "emails") & UserValue.user.in_(user_ids))
             .order_by(UserValue.user, UserValue.position).tuples())
    for user_id, value, primary in query:
        if user_id not in emails or (primary and not emails[user_id][1]):
            emails[user_id] = (value, bool(primary))
    return {user_id: value for user_id, (value, _) in emails.items()}


def full_name(row):
    """What a person is called: displayName, else name.formatted, else given and family name."""
    parts = [row.get("name_given"), row.get("name_family")]
    return row.get("display_name") or row.get("name_formatted") or " ".join(p for p in parts if p) or None


def is_active(active):
    """A host user's status: an unassigned active counts as active (models.user)."""
    return active is None or bool(active)


def user_detail(user_id):
    """A user's attributes, values, host and SCIM groups and history, as a dict; None when there is no such user."""
    row = (User.select(User, Directory.name.alias("directory_name"), IdpApp.name.alias("app_name"))
           .join(Directory).switch(User).join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
           .where(User.id == user_id).dicts().first())
    if row is None:
        return None
    row["full_name"] = full_name(row)
    values = list(UserValue.select().where(UserValue.user == user_id)
                  .order_by(UserValue.attribute, UserValue.position).dicts())
    host = list(HostMembership.select(HostMembership.reason, HostMembership.created, HostGroup.id.alias("group_id"),
                                      HostGroup.name, IdpApp.name.alias("app_name"))
                .join(HostGroup).switch(HostMembership)
                .join(IdpApp, JOIN.LEFT_OUTER, on=(HostMembership.source_app == IdpApp.id))
                .where(HostMembership.user == user_id).order_by(HostGroup.name_lower).dicts())
    scim = list(Membership.select(Group.id, Group.display_name).join(Group)
                .where(Membership.member_id == user_id).order_by(Group.display_name_lower).dicts())
    return {"user": row, "values": values, "host_groups": host, "scim_groups": scim,
            "history": history(row["id"], row["user_name"])}


def history(user_id, user_name, limit=HISTORY_SIZE):
    """The audit events about a user, newest first: by its id, or by its userName (a refused create has no id)."""
    # A group named like the user is not the user: name matches count for user events only.
    by_name = (AuditEvent.subject == user_name) & (
        AuditEvent.resource_type.is_null() | (AuditEvent.resource_type == "User"))
    return list(AuditEvent.select().where((AuditEvent.resource_id == user_id) | by_name)
                .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit))
