"""Source users into host users through provisioning.users: the options, writes and audit lines of SCIM pushes."""

from collections import namedtuple

from provisioning import users as provisioning_users
from provisioning.pull import vanished
from provisioning.pull.state import digest
from scim import errors, validation
from scim.attributes import USER_RESOURCE
from store.pull import links
from store.pull import locals as local_store
from store.trail import audit

# A listed user made ready before its page's first write: its link, the host user the link shows (else
# None), and its canonical document with its digest, or why it is no SCIM user (invalid).
Ready = namedtuple("Ready", "link local doc stamp invalid")


def look_up(pull, resources):
    """A page made ready before its first write: its links in one query, each user validated and digested,
    so that the batch its writes share holds writes, not parsing (each listed id comes once a listing)."""
    ready = {}
    for resource in resources:
        source_id = resource.get("id") if isinstance(resource, dict) else None
        if isinstance(source_id, str) and source_id:
            ready[source_id] = resource
    found = links.listed(pull.app.id, "User", pull.app.directory_id, ready)
    pull.listed = {source_id: _ready(pull, resource, *found[source_id]) for source_id, resource in ready.items()}


def apply(pull, resource):
    """One listed source user: created, updated or left alone as the app's options decide; its link kept."""
    source_id = resource.get("id") if isinstance(resource, dict) else None
    if not isinstance(source_id, str) or not source_id:
        return _invalid(pull, resource, "it has no id")
    pull.note_modified(resource)
    link, local, doc, stamp, invalid = pull.listed.pop(source_id, None) or _read(pull, source_id, resource)
    if vanished.being_deleted(resource):
        if link is not None:
            vanished.remove_user(pull, link)
        return None
    if invalid is not None:
        return _invalid(pull, resource, invalid)
    if link is not None and link.digest == stamp and local is not None:
        pull.saw(link.id)
        pull.count("unchanged")
        return None
    with pull.writing():
        try:
            local, outcome = _write(pull, doc, local)
        except errors.ScimError as error:
            outcome = "refused"
            if link is None or link.digest != stamp:  # the same refusal of the same user is recorded once
                _refused(pull, doc, local, error)
        links.save(pull.app.id, "User", source_id, local, pull.run_id, stamp)
    pull.count(outcome)
    return None


def _read(pull, source_id, resource):
    """A user its page's look-up did not make ready: its link read now."""
    link = links.get(pull.app.id, "User", source_id)
    return _ready(pull, resource, link,
                  link.local_id if link is not None and links.shown(link, pull.app.directory_id) else None)


def _ready(pull, resource, link, local):
    if vanished.being_deleted(resource):
        return Ready(link, local, None, None, None)
    try:
        doc = validation.inbound(USER_RESOURCE, resource)
    except errors.ScimError as error:
        return Ready(link, local, None, None, error.detail)
    return Ready(link, local, doc, digest(doc, pull.app.options), None)


def _write(pull, doc, local):
    """(local id, outcome): the linked user replaced (PUT), or a new one created (POST)."""
    if local is not None:
        try:
            return local, _update(pull, local, doc)
        except errors.NotFound:
            pass  # deleted here since it was read (a SCIM DELETE of another app, an admin): create it again
    return _create(pull, doc)


def _create(pull, doc):
    """POST: refused when import is off; a user of the same userName the app has not linked is adopted,
    as IdPs do after a 409 (they look the userName up and link to what they find)."""
    try:
        return provisioning_users.create(pull.app, doc).id, "created"
    except errors.Uniqueness:
        existing = _unlinked_same_name(pull, doc["userName"])
        if existing is None:
            raise
    audit.record(pull.app, "link-user", "applied",
                 f"linked the source's user '{doc['userName']}' to host user '{existing.host_username}', "
                 "which already existed", resource_type="User", resource_id=existing.id, subject=doc["userName"])
    return existing.id, _update(pull, existing.id, doc)


def _update(pull, local, doc):
    """PUT through provisioning.users.replace; what it did to the host user."""
    before = local_store.user_state(local)
    provisioning_users.replace(pull.app, local, doc)
    after = local_store.user_state(local)
    if after == before:
        return "unchanged"
    if before[1] is not False and after[1] is False:
        return "deactivated"
    if before[1] is False and after[1] is not False:
        return "reactivated"
    return "updated"


def _unlinked_same_name(pull, user_name):
    user = local_store.user_named(pull.app.directory_id, user_name)
    if user is None or links.linked(pull.app.id, "User", user.id):
        return None
    return user


def _refused(pull, doc, local, error):
    """A write the options (or a uniqueness rule) refused, audited as a pushed one is (blueprints.scim.failures)."""
    audit.record(pull.app, "update-user" if local else "create-user", "refused" if error.status < 500 else "failed",
                 error.detail, resource_type="User", resource_id=local, subject=doc["userName"])


def _invalid(pull, resource, why):
    """A source user that is no SCIM user (no id, no userName): skipped, audited."""
    source_id = resource.get("id") if isinstance(resource, dict) else None
    name = resource.get("userName") if isinstance(resource, dict) else None
    audit.record(pull.app, "create-user", "failed", f"the source's user {source_id or name or '?'} was skipped: {why}",
                 resource_type="User", subject=name if isinstance(name, str) else None)
    pull.count("invalid")
