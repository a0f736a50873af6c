"""Pulling users and groups from an IdP's API (the REST API sync method), Flask-free.

The source's client (sync.sources: SCIM 2.0, Graph, Okta, Keycloak, Google) yields SCIM-shaped
resources. A run reads users first (so that group members resolve), then groups, then, after listings that saw
everything, handles what the source no longer has. Every write goes through provisioning.users and
provisioning.groups, so the app's options decide and the audit trail records exactly as for a SCIM
push. Progress is saved page by page, each save a short transaction of its own (SCIM pushes
interleave); a run that stops half way is resumed by the next run of the app from its last page.
"""

import logging
from datetime import UTC, timedelta

from models import db
from provisioning.pull import groups, users, vanished
from provisioning.pull.state import (
    Cursor,
    Pull,
    Stopped,
    TakenOver,
    parse_time,
    settings_digest,
)
from store.pull import links, runs, sources
from store.trail import audit
from sync.errors import FilterRefused, SourceError
from sync.sources import SourceConfigError

log = logging.getLogger("usersync.sync")

# An incremental run re-reads the users modified this long before the newest one the last run saw:
# a source may stamp lastModified before its write commits, and such a write must not fall between runs.
OVERLAP = timedelta(seconds=60)
RESUME_WITHIN = timedelta(days=1)  # an older stopped run is not resumed: the next one starts afresh
# Resources and group members read ahead of their writes at most: memory stays flat however big the groups.
HELD = 10_000
INTERNAL = "An internal error stopped the run; the server log has the details."


class RunError(Exception):
    """The run cannot go on, for a reason in an admin's words."""


def run(app, run_id, key, client_factory=None, *, stop=None, progress=None, owner=None):
    """Run pull run_id of app to its end, resuming the app's stopped run if there is one; the final status.

    client_factory(source) gives the client to read with (by default source.client()); stop (a threading.Event)
    ends the run interrupted at the next resource; progress(phase, done, total) hears of each page.
    Returns None when the run is not this process's to run (another claimed it).
    """
    owner = owner or runs.owner_id()
    if not runs.claim(run_id, owner):
        return None
    pull = Pull(runs.fresh_app(app), run_id, owner, Cursor(), stop=stop, progress=progress)
    source = None
    try:
        source = _prepare(pull, key)
        factory = client_factory or (lambda configured: configured.client(sleep=pull.sleep))
        with factory(source) as client:
            pull.client = client
            _settle_before_calls(pull, client)
            _phases(pull)
        return _succeeded(pull, source)
    except Stopped:
        return _end(pull, source, "interrupted", "The server stopped during the run; the next run resumes it.")
    except TakenOver:
        log.warning("pull run #%d was marked interrupted while this process ran it; stopped", run_id)
        return "interrupted"
    except (SourceError, SourceConfigError, RunError) as error:
        return _end(pull, source, "failed", str(error))
    except KeyboardInterrupt:
        _end(pull, source, "interrupted", "Stopped by Ctrl-C; the next run resumes it.")
        raise
    except Exception:
        log.exception("pull run #%d of app %s failed", run_id, pull.app.name)
        return _end(pull, source, "failed", INTERNAL)


def _settle_before_calls(pull, client):
    """No write transaction stays open while the source is called (a slow answer, a retry's wait): the open
    batch commits before each request the client's Http sends (a client without one calls nothing)."""
    http = getattr(client, "http", None)
    if http is not None:
        http.before_send = lambda: pull.settle(now=True)


def _prepare(pull, key):
    """The source (secrets decrypted) and where this run starts; RunError when it cannot run."""
    if not pull.app.enabled:
        raise RunError(f"'{pull.app.name}' is disabled: enable it to pull.")
    source = sources.source_for(pull.app, key)
    if source is None:
        raise RunError(f"'{pull.app.name}' has no source to pull from.")
    pull.source = source
    pull.cursor = _start(pull, runs.get(pull.run_id))
    pull.cursor.settings = settings_digest(source)
    pull.done = pull.cursor.seen
    pull.checkpoint(full=pull.cursor.mode == "full")
    return source


def _start(pull, run):
    """The cursor of the app's stopped run (taking over what it listed), or a new one: incremental
    from the watermark unless a full run was asked for or no run ever completed."""
    previous = runs.previous(run)
    if previous is not None and previous.status in ("failed", "interrupted") \
            and runs.age(previous) < RESUME_WITHIN:
        cursor = Cursor.load(previous.cursor)
        same_source = cursor is not None and cursor.settings in (None, settings_digest(pull.source))
        if same_source and cursor.resumable() and not (run.full and cursor.mode != "full"):
            links.carry_over(pull.app.id, previous.id, run.id)
            pull.resumed_from = previous.id
            return cursor
    users_mark, groups_mark = sources.watermarks(pull.app.id)
    way = pull.source.incremental
    if run.full or way is None or users_mark is None:
        return Cursor(mode="full")
    if way == "delta":  # Graph: the deltaLink the last complete read ended with
        group_since = groups_mark if pull.source.groups_incremental else None
        return Cursor(mode="incremental", since=users_mark, group_since=group_since)
    users_time, groups_time = parse_time(users_mark), parse_time(groups_mark)
    if users_time is None:
        return Cursor(mode="full")
    group_since = _floor(groups_time - OVERLAP) if pull.source.groups_incremental and groups_time else None
    return Cursor(mode="incremental", since=_floor(users_time - OVERLAP), group_since=group_since)


def _phases(pull):
    """Users, groups, then what vanished; each phase starts where the cursor says. Writes not yet committed
    when the run stops are rolled back: the rerun reads their page again."""
    try:
        _phase_by_phase(pull)
    except BaseException:
        pull.abandon()
        raise


def _phase_by_phase(pull):
    cursor = pull.cursor
    if cursor.phase == "users":
        _walk(pull, "User", lambda start: pull.client.iter_users(since=cursor.since, start=start), users.apply,
              users.look_up)
        cursor.enter("groups")
        pull.checkpoint()
    if cursor.phase == "groups":
        # Every group each run unless the source reads changed groups reliably (groups_incremental):
        # Oracle IDCS does not move a group's meta.lastModified when only its members change.
        _walk(pull, "Group", lambda start: pull.client.iter_groups(since=cursor.group_since, start=start),
              groups.apply)
        cursor.enter("vanished")
        pull.checkpoint()
    if cursor.phase == "vanished":
        vanished.sweep(pull)
    cursor.enter("done")


def _walk(pull, kind, listing_at, apply, look_up=None):
    """Apply every resource of a listing from the cursor's page on, a page at a time (_pages); a checkpoint after
    each whole page. look_up(pull, resources), when given, runs before a part's first write (users: their links
    in one query, their documents validated)."""
    cursor = pull.cursor
    before_seen, before_totals = cursor.seen, list(cursor.totals)
    listing = listing_at(cursor.start)
    pull.done, pull.total = cursor.seen, None
    try:
        for resources in _pages(pull, listing):
            if look_up:
                look_up(pull, resources)
            for resource in resources:
                pull.beat()
                apply(pull, resource)
                pull.settle()
                pull.done += 1
            pull.total = listing.total
            if listing.pending == 0:  # the page is done: a rerun starts at the next one
                cursor.start, cursor.seen = listing.next_index, before_seen + listing.seen
                cursor.totals = sorted(set(before_totals + listing.totals))
                pull.checkpoint()
    except FilterRefused as refused:
        if cursor.mode != "incremental":
            raise
        _fall_back(pull, refused)
        return _walk(pull, kind, listing_at, apply)
    # Resumed: complete only if the part before the crash saw each resource once and the source's
    # count never moved in between (checked again by id before anything is removed).
    cursor.complete[kind] = (listing.complete and listing.vouches(before_seen)
                             and len(set(before_totals + listing.totals)) <= 1)
    cursor.whole[kind] = listing.whole
    if listing.complete and listing.watermark:  # Graph: the deltaLink after the last page
        setattr(cursor, "newest" if kind == "User" else "group_newest", listing.watermark)
    return None


def _pages(pull, listing):
    """The listing's resources a page at a time, each page read before its first write: the calls to the source
    it makes (a group's members) come before its writes, which then share batches. The listing waits at a
    page's last resource while the page is applied, so its place is that page's end. A page holding more than
    HELD resources and members goes in parts; one whose last resources vanished runs on into the next."""
    part, held = [], 0
    for resource in listing:
        pull.beat()
        part.append(resource)
        held += 1 + _members(resource)
        if listing.pending == 0 or held >= HELD:
            yield part
            part, held = [], 0
    if part:
        yield part


def _members(resource):
    members = resource.get("members") if isinstance(resource, dict) else None
    return len(members) if isinstance(members, list) else 0


def _fall_back(pull, refused):
    """RFC 7644 §3.4.2.2: a source may refuse the meta.lastModified filter; then everything is read."""
    audit.record(pull.app, "pull-sync", "ignored",
                 f"the source refused the incremental filter ({refused.status}: {refused.detail}); "
                 "reading every user instead")
    cursor = pull.cursor  # changed in place: the listing's caller reads its since
    # Graph: an expired delta link is refused for users and groups alike (both were issued by the last run).
    cursor.mode, cursor.since, cursor.group_since, cursor.fallback = "full", None, None, True
    cursor.enter("users")
    pull.checkpoint(full=True)


def _succeeded(pull, source):
    cursor = pull.cursor
    with db.atomic():
        current = sources.watermarks(pull.app.id)
        marks = [_later(now, new) if cursor.complete.get(kind) and new else now
                 for kind, now, new in zip(("User", "Group"), current, (cursor.newest, cursor.group_newest))]
        if tuple(marks) != tuple(current):
            sources.set_watermarks(pull.app.id, *marks)
        if not runs.finish(pull.run_id, pull.owner, "succeeded", phase="done", done=pull.done,
                                total=pull.total, counts=pull.counted(), cursor=cursor.dump()):
            raise TakenOver()
        audit.record(pull.app, "pull-sync", "applied",
                     f"{_headline(pull, source)}: {_counts(pull) or 'nothing to pull'}")
    return "succeeded"


def _end(pull, source, status, message):
    """A run that did not finish: failed or interrupted, with the reason; the next run resumes it."""
    done = _counts(pull)
    reason = f"{_headline(pull, source)} {'failed' if status == 'failed' else 'was interrupted'}: {message}" + (
        f" Done before it stopped: {done}." if done else "")
    try:
        with db.atomic():
            if runs.finish(pull.run_id, pull.owner, status, error=message, phase=pull.cursor.phase,
                                done=pull.done, total=pull.total, counts=pull.counted(), cursor=pull.cursor.dump()):
                audit.record(pull.app, "pull-sync", "failed", reason)
    except Exception:
        log.exception("could not record the end of pull run #%d", pull.run_id)  # the heartbeat goes stale instead
    return status


def _headline(pull, source):
    """'pull sync from <source> (full)' and the like."""
    cursor = pull.cursor
    delta = source is not None and source.incremental == "delta"
    changes = "changes since the last run" if delta else f"users modified after {cursor.since}"
    mode = "full" if cursor.mode == "full" else f"incremental: {changes}"
    if cursor.fallback:
        mode = "full: the source refused the incremental filter"
    if pull.resumed_from:
        mode += f"; resuming run #{pull.resumed_from}"
    where = f" from {source.describe()}" if source is not None else ""
    return f"pull sync #{pull.run_id}{where} ({mode})"


def _counts(pull):
    return ", ".join(f"{number} {name.replace('_', ' ')}" for name, number in pull.counted().items())


def _later(current, new):
    """The watermark to keep: the later of two times, or the new one when either is a link."""
    now, then = parse_time(current), parse_time(new)
    if now is not None and then is not None and then <= now:
        return current
    return new


def _floor(moment):
    """RFC 7643 §2.3.5 dateTime to the second, in UTC: flooring can only re-read a user, never skip one."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
