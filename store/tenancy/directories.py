"""Host user directories: list them with their counts, create one, look one up; Flask-free."""

import peewee

from models import Directory, IdpApp, User, db
from models.host import HostGroup
from rules import errors

MAX_POSITION = 10_000


class DirectoryError(errors.Refused):
    """A refused directory operation, with a message for the admin."""


def default():
    """The default directory: the one with the lowest position."""
    return Directory.default()


def get(name):
    """The directory with this name (compared case-insensitively); DirectoryError if there is none."""
    directory = find(name)
    if directory is None:
        raise DirectoryError(f"No directory named '{name}'.")
    return directory


def create(name, description="", position=None):
    """Create an empty directory (no groups, no users).

    position None puts it last; a position inserts it there (0: first, so the new default directory)
    and moves the directories at or after it down one.
    """
    name = (name or "").strip()
    if not name or len(name) > 255:
        raise DirectoryError("The directory name must be 1 to 255 characters.")
    if position is not None and (isinstance(position, bool) or not isinstance(position, int)
                                 or not 0 <= position <= MAX_POSITION):
        raise DirectoryError(f"The directory position must be a whole number from 0 to {MAX_POSITION}.")
    try:
        with db.atomic():
            # Atlassian directory names are unique regardless of case; the column's index is not.
            existing = find(name)
            if existing is not None:
                raise DirectoryError(f"A directory named '{existing.name}' already exists.")
            if position is None:
                highest = Directory.select(peewee.fn.MAX(Directory.position)).scalar()
                position = 0 if highest is None else highest + 1
            else:
                # Inserted at its place in the order, as Atlassian's directory list does: the rest move down.
                Directory.update(position=Directory.position + 1).where(Directory.position >= position).execute()
            return Directory.create(name=name, description=description or "", position=position)
    except peewee.IntegrityError:
        raise DirectoryError(f"A directory named '{name}' already exists.") from None


def list_directories():
    """Every directory in order (default first), with its user, active-user, host-group and app counts."""
    users = _counts(User.directory)
    # An unassigned `active` counts as active on the host (models.user).
    active = _counts(User.directory, (User.active.is_null()) | (User.active == True))  # noqa: E712
    groups = _counts(HostGroup.directory)
    apps = {}
    for app in IdpApp.select(IdpApp.name, IdpApp.directory).order_by(IdpApp.name):
        apps.setdefault(app.directory_id, []).append(app.name)
    directories = list(Directory.select().order_by(Directory.position, Directory.id))
    return [{"name": d.name, "position": d.position, "description": d.description, "default": i == 0,
             "users": users.get(d.id, 0), "active_users": active.get(d.id, 0), "groups": groups.get(d.id, 0),
             "apps": apps.get(d.id, [])} for i, d in enumerate(directories)]


def _counts(column, condition=None):
    """{directory id: number of rows} of column's table, optionally only rows meeting condition."""
    query = column.model.select(column, peewee.fn.COUNT(peewee.SQL("*")).alias("n"))
    if condition is not None:
        query = query.where(condition)
    return {row[0]: row[1] for row in query.group_by(column).tuples()}


def find(name):
    """The directory with this name (case-insensitively, an exact match first), or None."""
    if not isinstance(name, str):
        return None
    name = name.strip()
    return (Directory.select().where(peewee.fn.LOWER(Directory.name) == name.lower())
            .order_by(Directory.name != name, Directory.id).first())


def names():
    """{directory id: name} of every directory."""
    return dict(Directory.select(Directory.id, Directory.name).tuples())
