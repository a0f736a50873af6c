"""Okta's records as the SCIM users and groups every source yields (sync.resources).

Okta API, Users "User object": ``status``, ``lastUpdated``, ``profile.login`` (the username),
``firstName``, ``lastName``, ``email``, ``displayName`` (optional); Groups "Group object":
``profile.name``, ``lastUpdated`` and ``lastMembershipUpdated``.
"""

from datetime import UTC, datetime

from .. import resources

# Okta, "User status": a SUSPENDED or DEPROVISIONED user cannot sign in. Every other status (ACTIVE,
# PROVISIONED, STAGED, RECOVERY, LOCKED_OUT, PASSWORD_EXPIRED, and any Okta adds) is a user who exists and
# may come back on their own: deactivating them here would lock out someone Okta still lets in.
INACTIVE = ("SUSPENDED", "DEPROVISIONED")


def user(record):
    """The SCIM user of an Okta user; lastUpdated is its meta.lastModified (the incremental watermark)."""
    profile = record.get("profile") or {}
    return resources.user(record.get("id"), profile.get("login"), given=_text(profile, "firstName"),
                          family=_text(profile, "lastName"), display=_text(profile, "displayName"),
                          email=_text(profile, "email"), active=record.get("status") not in INACTIVE,
                          modified=record.get("lastUpdated"))


def group(record, members, *also):
    """The SCIM group of an Okta group and its members' ids. Its meta.lastModified is the latest of
    lastUpdated and lastMembershipUpdated (and of ``also``: an app assignment's lastUpdated), so the group
    watermark moves past membership changes too."""
    stamps = (record.get("lastUpdated"), record.get("lastMembershipUpdated"), *also)
    return resources.group(record.get("id"), (record.get("profile") or {}).get("name"), members,
                           modified=latest(*stamps))


def built_in(record):
    """Whether a group (or an app's assignment of one, with the group embedded) is Okta's built-in Everyone.

    Groups API, "Group type": BUILT_IN is the Everyone group. It holds every user of the org (the app's default
    groups already give everyone theirs), and every new user moves its lastMembershipUpdated, so pulling it
    would re-read the whole org's membership on each incremental run; it is left out. Its users still count
    as an app's users when it is assigned to the app."""
    group = (record.get("_embedded") or {}).get("group") or record
    return isinstance(group, dict) and group.get("type") == "BUILT_IN"


def latest(*stamps):
    """The latest of Okta timestamps (2024-05-01T10:00:00.000Z), as given; None when there is none."""
    dated = [(moment, stamp) for stamp in stamps if (moment := _moment(stamp)) is not None]
    return max(dated)[1] if dated else None


def okta_time(since):
    """An RFC 3339 moment as Okta's filters take it: UTC with milliseconds (2024-05-01T10:00:00.000Z)."""
    moment = datetime.fromisoformat(since) if isinstance(since, str) else since
    if moment.tzinfo is None:
        raise ValueError("since must carry its time zone (UTC)")
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def after(since, *stamps):
    """Whether any of these stamps is later than ``since`` (or none is known): the app assignment lists take
    no filter, so an incremental run picks the changed records out itself."""
    moment = _moment(latest(*stamps))
    return moment is None or moment > _moment(since)


def _text(profile, name):
    value = profile.get(name)
    return value if isinstance(value, str) and value.strip() else None


def _moment(stamp):
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else None
