"""Users and groups the source no longer has: the app's on_delete policy, through the DELETE paths of SCIM pushes.

Only after a listing that saw every resource (sync.paging.Listing.complete), and each one is read
once more by id before it goes: offset paging over a source that changed meanwhile (more so across
a crash and a resume) can miss a resource, and a missed user must never be deactivated.
"""

from models import db
from provisioning import groups as provisioning_groups
from provisioning import users as provisioning_users
from rules.options import load
from store.pull import links
from store.trail import audit
from sync.resources import is_removed


def being_deleted(resource):
    """The source says the resource is gone (Graph's @removed), or going: Oracle IDCS still lists a resource
    whose deletion is under way, with deleteInProgress true."""
    return is_removed(resource) or resource.get("deleteInProgress") in (True, "true")


def sweep(pull):
    """Users (full runs only) and groups (when listed whole) not listed by this run. A source that reads changed
    groups only says which are gone itself (removed markers), so nothing is swept after such a listing."""
    complete, whole = pull.cursor.complete, pull.cursor.whole
    if pull.cursor.mode == "full":
        if complete.get("User"):
            _sweep(pull, "User", pull.client.get_user, remove_user)
        else:
            _not_checked(pull, "users")
    if not whole.get("Group", True):
        return
    if complete.get("Group"):
        _sweep(pull, "Group", pull.client.get_group, remove_group)
    else:
        _not_checked(pull, "groups")


def remove_user(pull, link):
    """A source user gone: on_delete (deactivate and unlink, or delete) via provisioning.users.delete."""
    with db.atomic():
        if links.shown(link, pull.app.directory_id):
            provisioning_users.delete(pull.app, link.local_id)
            pull.count("deleted" if load(pull.app.options).on_delete == "delete" else "unlinked")
        links.remove(link)


def remove_group(pull, link):
    """A source group gone: its SCIM group goes, and its members lose the host groups it gave them."""
    with db.atomic():
        if links.shown(link, pull.app.directory_id):
            provisioning_groups.delete(pull.app, link.local_id)
            pull.count("groups_deleted")
        links.remove(link)


def _sweep(pull, kind, read, remove):
    candidates = links.unseen(pull.app.id, kind, pull.run_id)
    pull.total, pull.done = len(candidates), 0
    pull.checkpoint()
    for link in candidates:
        pull.beat()
        if link.local_id is None:
            links.remove(link)  # kept out by the options: nothing here to remove
        else:
            found = read(link.source_id)
            if found is not None and not being_deleted(found):
                _still_there(pull, kind, link)
            else:
                remove(pull, link)
        pull.done += 1
    pull.checkpoint()


def _still_there(pull, kind, link):
    """Listed by no page, yet still at the source: the listing missed it. It stays, and counts as seen."""
    links.mark_seen([link.id], pull.run_id)
    audit.record(pull.app, "pull-sync", "ignored",
                 f"the source's {kind.lower()} {link.source_id} was missing from the listing but is still there; "
                 "kept", resource_type=kind, resource_id=link.local_id)


def _not_checked(pull, what):
    audit.record(pull.app, "pull-sync", "ignored",
                 f"{what} no longer at the source were not looked for: the source changed while its {what} were "
                 "listed (totalResults moved, or a resource was skipped or repeated); the next full run looks again")
