"""What an admin puts in a page's query string, read or refused (ViewError), and the choices a filter offers."""

import re

from models import Directory, IdpApp
from rules import errors
from store.trail import audit, operations

# The activity filter offers every operation the code records, and still accepts any other well-formed name.
OPERATIONS = operations.OPERATIONS
_OPERATION = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
_MAX_SEARCH = 255


class ViewError(errors.Refused):
    """A filter value the pages cannot use, with a message for the admin."""


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
