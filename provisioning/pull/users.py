"""Source users into host users through provisioning.users: the options, writes and audit lines of SCIM pushes."""

from provisioning import users as provisioning_users
from provisioning.pull import vanished
from provisioning.pull.state import digest
from scim import errors, validation
from scim.attributes import USER_RESOURCE
from store.pull import links
from store.pull import locals as local_store
from store.trail import audit


def apply(pull, resource):
    """One listed source user: created, updated or left alone as the app's options decide; its link kept."""
    source_id = resource.get("id") if isinstance(resource, dict) else None
    if not isinstance(source_id, str) or not source_id:
        return _invalid(pull, resource, "it has no id")
    pull.note_modified(resource)
    link, local = _link(pull, source_id)
    if vanished.being_deleted(resource):
        if link is not None:
            vanished.remove_user(pull, link)
        return None
    try:
        doc = validation.inbound(USER_RESOURCE, resource)
    except errors.ScimError as error:
        return _invalid(pull, resource, error.detail)
    stamp = digest(doc, pull.app.options)
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


def look_up(pull, resources):
    """A page's links, read together before its users are applied (each listed id comes once a listing)."""
    ids = [resource.get("id") for resource in resources if isinstance(resource, dict)]
    pull.listed = links.listed(pull.app.id, "User", pull.app.directory_id,
                               [source_id for source_id in ids if isinstance(source_id, str) and source_id])


def _link(pull, source_id):
    """(the source user's link or None, the linked host user's id while the app's directory shows it to SCIM,
    else None): from the page's look-up, or read now when the page was not looked up."""
    known = pull.listed.pop(source_id, None)
    if known is not None:
        return known
    link = links.get(pull.app.id, "User", source_id)
    return link, link.local_id if link is not None and links.shown(link, pull.app.directory_id) else None


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
