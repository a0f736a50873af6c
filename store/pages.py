"""What the admin pages show of the host: users, host groups, SCIM groups, filters; Flask-free, read-only.

Every list is one count and one page query, plus one query per page for what each row needs
(emails, member counts): a page of 50 rows costs the same handful of statements as a page of 5.
"""

import json
import math
import re
from dataclasses import dataclass, field

from peewee import JOIN, SQL, NodeList, Value, fn

from models import Directory, Group, HostGroup, HostMembership, IdpApp, Membership, User, UserValue, utcnow
from models.audit import AuditEvent, TrafficEntry
from rules import errors
from rules import options as provisioning_options
from rules.targets import targets_of
from store.trail import audit, operations
from store.trail import traffic as traffic_log

PAGE_SIZE = 50
HISTORY_SIZE = 50
STATUSES = {"active": "Active", "inactive": "Inactive", "unlinked": "Unlinked from SCIM"}
NO_APP = "none"  # the users filter's value for users no app provisioned
# The activity filter offers every operation the code records, and still accepts any other well-formed name.
OPERATIONS = operations.OPERATIONS
_OPERATION = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_MAX_SEARCH = 255
SUGGESTIONS = 1000  # names a form suggests at most: a browser's list is for picking, not for browsing
_CHANGE_WIDTH = 60


class ViewError(errors.Refused):
    """A filter value the pages cannot use, with a message for the admin."""


@dataclass
class Page:
    """One page of a list: its rows, which page it is, and how many rows match in all."""

    items: list
    number: int
    total: int
    size: int = PAGE_SIZE
    notice: str = None  # why another page than the one asked for is shown
    extra: dict = field(default_factory=dict)  # per-row data fetched for the page, keyed by row id

    @property
    def pages(self):
        return max(1, math.ceil(self.total / self.size))

    @property
    def first(self):
        return (self.number - 1) * self.size + 1 if self.total else 0

    @property
    def last(self):
        return min(self.number * self.size, self.total)

    @property
    def has_prev(self):
        return self.number > 1

    @property
    def has_next(self):
        return self.number < self.pages


# --- filter values -----------------------------------------------------------------------------------

def page_number(text):
    """The page a ?page= value asks for (1 when blank); ViewError unless a whole number of 1 or more."""
    text = (text or "").strip()
    if not text:
        return 1
    # Nine digits at most: Python refuses to read thousands, and no list has a billion pages.
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or int(text) < 1:
        raise ViewError(f"'{_echo(text)}' is not a page: use a whole number, 1 or more.")
    return int(text)


def search_text(text):
    """A search box's value, trimmed (None when blank); ViewError when too long to be a name."""
    text = (text or "").strip()
    if len(text) > _MAX_SEARCH:
        raise ViewError(f"Search for at most {_MAX_SEARCH} characters.")
    return text or None


def choice(text, choices, what):
    """The id (or key) among choices that text names, None when blank; ViewError otherwise.

    choices: (value, label) pairs; values are compared as text, as they come from a query string."""
    text = (text or "").strip()
    if not text:
        return None
    for value, _label in choices:
        if str(value) == text:
            return value
    raise ViewError(f"There is no {what} '{_echo(text)}'; choose one from the list.")


def operation(text):
    """An activity filter's operation, None when blank; ViewError unless shaped like one (create-user)."""
    text = (text or "").strip()
    if not text:
        return None
    if not _OPERATION.match(text):
        raise ViewError(f"'{_echo(text)}' is not an operation; choose one from the list.")
    return text


def outcome(text):
    """An activity filter's outcome, None when blank; ViewError unless one of store.trail.audit.OUTCOMES."""
    text = (text or "").strip().lower()
    if not text:
        return None
    if text not in audit.OUTCOMES:
        raise ViewError(f"'{_echo(text)}' is not an outcome; use one of {', '.join(audit.OUTCOMES)}.")
    return text


def activity_filters(args):
    """(store.trail.audit.query filters, {field: message}) from an activity form's values; bad fields are left out."""
    filters, problems = {}, {}
    readers = {
        "app": lambda text: (text or "").strip() or None,
        "since": _moment, "until": _moment,
        "user": search_text, "outcome": outcome, "operation": operation,
    }
    for name, read in readers.items():
        try:
            value = read(args.get(name))
        except (ViewError, audit.AuditError) as exc:
            problems[name] = str(exc)
            continue
        if value is not None:
            filters["subject" if name == "user" else name] = value
    if "since" in filters and "until" in filters and filters["since"] >= filters["until"]:
        problems["until"] = "Until must be later than since."
        del filters["until"]
    return filters, problems


def _moment(text):
    """A since/until value as store.trail.audit.parse_time reads it, None when blank."""
    text = (text or "").strip()
    if not text:
        return None
    if len(text) > 64:
        raise ViewError(f"'{_echo(text)}' is not a time: use a date (2026-11-01) or an age (7d, 24h, 30m).")
    try:
        moment = audit.parse_time(text)
        audit.naive_utc(moment)  # as the query will: 9999-12-31T23:00-05:00 is past the year 9999 in UTC
    except OverflowError:  # or an age such as 99999999d, before the year 1
        raise ViewError(f"'{text}' is out of range; use a date from the years 1 to 9999 or a shorter age.") \
            from None
    return moment


def _echo(text):
    """What the admin typed, cut short enough to quote in a message."""
    return text if len(text) <= 40 else text[:39] + "…"


def directory_choices():
    """(id, name) of every directory, default first."""
    return list(Directory.select(Directory.id, Directory.name).order_by(Directory.position, Directory.id).tuples())


def app_choices():
    """(id, name) of every IdP app, by name."""
    return list(IdpApp.select(IdpApp.id, IdpApp.name).order_by(IdpApp.name).tuples())


# --- users -------------------------------------------------------------------------------------------

def users(text=None, directory_id=None, status=None, app_id=None, number=1, size=PAGE_SIZE):
    """A page of host users matching a search (usernames, names, emails) and filters, by host username."""
    condition = _user_condition(text, directory_id, status, app_id)
    total = User.select().where(condition).count()
    number, notice = _clamped(number, total, size)
    rows = list(User.select(*_USER_COLUMNS, Directory.name.alias("directory_name"), IdpApp.name.alias("app_name"))
                .join(Directory).switch(User).join(IdpApp, JOIN.LEFT_OUTER, on=(User.provisioned_by == IdpApp.id))
                .where(condition).order_by(User.host_username_lower, User.id)
                .limit(size).offset((number - 1) * size).dicts())
    emails = primary_emails([row["id"] for row in rows])
    for row in rows:
        row["email"] = emails.get(row["id"])
        row["full_name"] = full_name(row)
    return Page(rows, number, total, size, notice)


_USER_COLUMNS = (User.id, User.user_name, User.host_username, User.display_name, User.name_formatted,
                 User.name_given, User.name_family, User.active, User.scim_linked, User.directory,
                 User.provisioned_by, User.created, User.last_modified)


def _user_condition(text, directory_id, status, app_id):
    condition = SQL("1 = 1")
    if text:
        pattern = _like_pattern(text.lower())
        emails = UserValue.select(UserValue.user).where(
            (UserValue.attribute == "emails") & _like(UserValue.value_lower, pattern))
        condition = (_like(User.user_name_lower, pattern) | _like(User.host_username_lower, pattern)
                     | _like(fn.LOWER(User.display_name), pattern) | _like(fn.LOWER(User.name_formatted), pattern)
                     | _like(fn.LOWER(User.name_given), pattern) | _like(fn.LOWER(User.name_family), pattern)
                     | _like(fn.LOWER(User.name_given.concat(" ").concat(User.name_family)), pattern)
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


def _like_pattern(text):
    """A substring LIKE pattern with LIKE's wildcards taken literally ('a_b' finds 'a_b' only)."""
    return "%" + "".join(f"\\{char}" if char in "\\%_" else char for char in text) + "%"


def _like(expr, pattern):
    # SQLite's LIKE has no escape character unless told; PostgreSQL's default is the same backslash.
    return NodeList((expr, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)


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


# --- host groups -------------------------------------------------------------------------------------

def host_groups(text=None, directory_id=None, number=1, size=PAGE_SIZE):
    """A page of host groups matching a name search, by name, with member counts."""
    condition = SQL("1 = 1")
    if text:
        condition &= _like(HostGroup.name_lower, _like_pattern(text.lower()))
    if directory_id is not None:
        condition &= HostGroup.directory == directory_id
    total = HostGroup.select().where(condition).count()
    number, notice = _clamped(number, total, size)
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
    number, notice = _clamped(number, total, size)
    rows = list(HostMembership.select(HostMembership.reason, HostMembership.created.alias("since"),
                                      *_USER_COLUMNS, IdpApp.name.alias("app_name"))
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


# --- SCIM groups -------------------------------------------------------------------------------------

def scim_groups(text=None, directory_id=None, number=1, size=PAGE_SIZE):
    """A page of SCIM groups (the IdP's view), by directory then name, with user and nested-group counts."""
    condition = SQL("1 = 1")
    if text:
        condition &= _like(Group.display_name_lower, _like_pattern(text.lower()))
    if directory_id is not None:
        condition &= Group.directory == directory_id
    total = Group.select().where(condition).count()
    number, notice = _clamped(number, total, size)
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
    number, notice = _clamped(number, total, size)
    rows = list(Membership.select(*_USER_COLUMNS, IdpApp.name.alias("app_name"))
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


# --- activity and traffic ----------------------------------------------------------------------------

def activity(filters, number=1, size=PAGE_SIZE):
    """A page of audit events matching store.trail.audit filters, newest first; extra: the ids of the users
    and SCIM groups they name that are still there (to link to)."""
    total = audit.count(**filters)
    number, notice = _clamped(number, total, size)
    events = audit.query(**filters, limit=size, offset=(number - 1) * size)
    return Page(events, number, total, size, notice,
                {"users": _still_there(User, events, "User"), "groups": _still_there(Group, events, "Group")})


def _still_there(model, events, resource_type):
    """The ids of model's rows that events about resource_type name and that still exist, in one query."""
    ids = {event.resource_id for event in events if event.resource_type == resource_type and event.resource_id}
    return {row[0] for row in model.select(model.id).where(model.id.in_(list(ids))).tuples()} if ids else set()


def compact_changes(changes):
    """An event's changes (stored JSON) as short 'key: old → new' lines; long values are cut."""
    if not changes:
        return []
    try:
        parsed = json.loads(changes)
    except ValueError:
        return [_shortened(changes)]
    if not isinstance(parsed, dict):
        return [_shortened(json.dumps(parsed, ensure_ascii=False))]
    lines = []
    for key, value in parsed.items():
        label = str(key).rsplit(":", 1)[-1]  # the enterprise extension's URN prefix says little here
        if isinstance(value, list) and len(value) == 2:
            lines.append(f"{label}: {_shown(value[0])} → {_shown(value[1])}")
        else:
            lines.append(f"{label}: {_shown(value)}")
    return lines


def _shown(value):
    return _shortened(json.dumps(value, ensure_ascii=False, sort_keys=True, default=str))


def _shortened(text):
    return text if len(text) <= _CHANGE_WIDTH else text[:_CHANGE_WIDTH - 1] + "…"


def pretty_body(text):
    """A stored body for reading: JSON indented, anything else (a truncated body too) as stored."""
    if not text:
        return text
    try:
        return json.dumps(json.loads(text), ensure_ascii=False, indent=2)
    except ValueError:
        return text


def traffic(app, number=1, size=PAGE_SIZE):
    """A page of an app's traffic log, newest first."""
    total = TrafficEntry.select().where(TrafficEntry.app == app.id).count()
    number, notice = _clamped(number, total, size)
    return Page(traffic_log.recent(app, limit=size, offset=(number - 1) * size), number, total, size, notice)


def _clamped(number, total, size):
    """(the page to show, a notice or None): past the last page shows the last one, and says so."""
    pages = max(1, math.ceil(total / size))
    if number > pages:
        return pages, f"There is no page {number}; this is the last page ({pages})."
    return number, None


def now():
    """The store's clock (naive UTC), to say how long ago a stored time was."""
    return utcnow()


def app_counts():
    """({app id: users it provisioned}, {app id: host groups it created}) for the list of apps.

    SCIM groups belong to a directory, not to the app that pushed them (two apps of one directory share
    them), so the per-app count of groups is of the host groups each app made."""
    users = dict(User.select(User.provisioned_by, fn.COUNT(User.id)).where(User.provisioned_by.is_null(False))
                 .group_by(User.provisioned_by).tuples())
    groups = dict(HostGroup.select(HostGroup.created_by, fn.COUNT(HostGroup.id))
                  .where(HostGroup.created_by.is_null(False)).group_by(HostGroup.created_by).tuples())
    return users, groups


def provisioned_by(app_id):
    """How many users an app provisioned."""
    return User.select().where(User.provisioned_by == app_id).count()


# --- the host side from the command line -------------------------------------------------------------

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
