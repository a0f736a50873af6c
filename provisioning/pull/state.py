"""A pull in progress: where it is (the cursor a rerun resumes from), what it did, and its heartbeat."""

import contextlib
import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime

from models import db
from store.pull import links, runs

# Writes are committed together for at most this long: one commit (an fsync) per batch instead of one
# per user, while a SCIM push waiting for the write lock waits no longer than this.
BATCH_SECONDS = 0.025

PHASES = ("users", "groups", "vanished", "done")
# The order counts are shown in; the keys read as words once "_" is a space (the pages do just that).
COUNTS = ("created", "updated", "deactivated", "reactivated", "unlinked", "deleted", "refused", "invalid",
          "unchanged", "groups_created", "groups_updated", "groups_deleted", "groups_refused", "groups_unchanged",
          "members_skipped")


class Stopped(Exception):
    """The process is stopping: the run ends interrupted, and the next one resumes it."""


class TakenOver(Exception):
    """The run is no longer this process's (it was marked interrupted while this process was silent)."""


@dataclass
class Cursor:
    """Where a run is: a rerun after a crash starts from here. Listing positions are kept per page."""

    mode: str = "full"  # full | incremental
    since: str | None = None  # incremental: the users modified after this (the source's own clock), or a delta link
    group_since: str | None = None  # the same for groups, when the source reads changed groups only
    phase: str = "users"
    start: object = 1  # where this phase's listing goes on: a startIndex, or a source's continuation
    seen: int = 0  # resources of this phase's listing before start, each seen once
    totals: list = field(default_factory=list)  # the totalResults this phase's listing gave so far
    complete: dict = field(default_factory=dict)  # {"User"/"Group": whether the listing saw every resource}
    whole: dict = field(default_factory=dict)  # {"User"/"Group": False when the listing held changes only}
    newest: str | None = None  # the newest user meta.lastModified seen (or the delta link): the next watermark
    group_newest: str | None = None  # the same for groups
    fallback: bool = False  # the source refused the incremental filter, so this run reads everything
    settings: str | None = None  # settings_digest of the source read: another source's cursor is not resumed

    @classmethod
    def load(cls, text):
        """The cursor a run saved, or None when it saved none (it stopped before it began)."""
        data = json.loads(text or "{}")
        if not data:
            return None
        return cls(**{name: value for name, value in data.items() if name in cls.__dataclass_fields__})

    def dump(self):
        return asdict(self)

    def enter(self, phase):
        """Move on to a phase, its listing from the first page."""
        self.phase, self.start, self.seen, self.totals = phase, 1, 0, []

    def resumable(self):
        return self.phase in PHASES[:-1]


class Pull:
    """One run as it goes: the app, the source client, the cursor, the counts; progress saved in short transactions."""

    def __init__(self, app, run_id, owner, cursor, *, stop=None, progress=None):
        self.app = app
        self.run_id = run_id
        self.owner = owner
        self.cursor = cursor
        self.resumed_from = None  # the stopped run this one took over
        self.source = None
        self.client = None
        self.counts = {}
        self.done = cursor.seen
        self.total = None
        self._stop = stop
        self._progress = progress
        self._unchanged = []  # links listed unchanged since the last checkpoint
        self.listed = {}  # the current page's users, made ready before its first write: {source id: users.Ready}
        self._beat = time.monotonic()
        self._batch = None  # the open transaction of the writes not yet committed
        self._opened = 0.0

    def count(self, name, number=1):
        self.counts[name] = self.counts.get(name, 0) + number

    def counted(self):
        """The counts in display order, zeros left out."""
        return {name: self.counts[name] for name in COUNTS if self.counts.get(name)}

    def saw(self, link_id):
        """A link listed and unchanged: marked seen by this run at the next checkpoint."""
        self._unchanged.append(link_id)

    @contextlib.contextmanager
    def writing(self):
        """One resource's writes, in the run's open batch (opened now if none), committed together (settle).
        No savepoint of its own: a refused write is rolled back by provisioning's, and any other error
        ends the run, which rolls the batch back (abandon)."""
        if self._batch is None:
            self._batch = db.atomic()
            self._batch.__enter__()
            self._opened = time.monotonic()
        yield

    def settle(self, now=False):
        """Commit the open batch once it has been open BATCH_SECONDS (or now). A crash loses at most the
        batch, and its resources are on a page after the last checkpoint: the rerun reads them again."""
        if self._batch is not None and (now or time.monotonic() - self._opened >= BATCH_SECONDS):
            batch, self._batch = self._batch, None
            batch.__exit__(None, None, None)

    def abandon(self):
        """Roll back the open batch: the run stops, and its end is recorded in a transaction of its own."""
        if self._batch is not None:
            batch, self._batch = self._batch, None
            batch.__exit__(RuntimeError, RuntimeError("pull stopped"), None)

    def checkpoint(self, **fields):
        """Save the cursor, the counts and the progress (after the writes before it); TakenOver when the run
        is no longer ours."""
        self.settle(now=True)
        if self._unchanged:
            links.mark_seen(self._unchanged, self.run_id)
            self._unchanged = []
        saved = runs.checkpoint(self.run_id, self.owner, phase=self.cursor.phase, done=self.done,
                                     total=self.total, counts=self.counted(), cursor=self.cursor.dump(), **fields)
        if not saved:
            raise TakenOver(f"pull run #{self.run_id} was taken over")
        self._beat = time.monotonic()
        if self._progress:
            self._progress(self.cursor.phase, self.done, self.total)

    def beat(self):
        """Between checkpoints: check for a stop, and keep the heartbeat fresh."""
        if self._stop is not None and self._stop.is_set():
            raise Stopped()
        if time.monotonic() - self._beat >= runs.HEARTBEAT_SECONDS:
            # The cursor still names the last finished page, so saving it here is safe.
            self.checkpoint()

    def sleep(self, seconds):
        """The source client's wait before a retry, in slices that keep the heartbeat and notice a stop."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stop is not None and self._stop.wait(min(left, 1.0)):
                raise Stopped()
            if self._stop is None:
                time.sleep(min(left, 1.0))
            self.beat()

    def note_modified(self, resource, kind="User"):
        """Remember the newest meta.lastModified seen (RFC 7643 §3.1): the next incremental run starts there."""
        stamp = (resource.get("meta") or {}).get("lastModified")
        moment = parse_time(stamp)
        name = "newest" if kind == "User" else "group_newest"
        current = parse_time(getattr(self.cursor, name))
        if moment is not None and (current is None or moment > current):
            setattr(self.cursor, name, stamp)


def parse_time(stamp):
    """An aware datetime from an RFC 7643 §2.3.5 dateTime, or None."""
    if not isinstance(stamp, str):
        return None
    try:
        moment = datetime.fromisoformat(stamp.strip())
    except ValueError:
        return None
    return moment if moment.tzinfo else None


def settings_digest(source):
    """The source's settings (not its secret) as a short hash: a saved place in one listing means nothing to
    another source, such as the same app pointed at another tenant or host."""
    text = json.dumps(source.to_dict(), sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def digest(doc, options_text):
    """What was applied, as a hash: the same source document under the same options needs no write."""
    text = json.dumps([doc, json.loads(options_text or "{}")], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()
