"""Index paging through a SCIM search (RFC 7644 §3.4.2.4), and whether it saw every resource once.

Offset paging over a directory that changes while it is read can skip or repeat resources: a
delete shifts later ones to earlier pages, a create pushes them on. A Listing yields each id once
and tells afterwards whether the result can be trusted as the whole set (``complete``), which is
what deciding "missing from the source, so deleted there" needs.
"""

import logging
from dataclasses import dataclass

log = logging.getLogger("usersync.sync")

MAX_PAGES = 10_000


class Listing:
    """The resources of one search, fetched a page at a time as it is iterated (once)."""

    def __init__(self, fetch, page_size, *, expand=None, max_pages=MAX_PAGES, start=1):
        self._fetch = fetch  # (startIndex, count) -> ListResponse dict
        self._expand = expand or (lambda resource: resource)  # the resource to yield, or None to skip it
        self.page_size = page_size
        self.max_pages = max_pages
        # A resumed listing starts further on; the resources before ``start`` count as seen once
        # (the caller that resumes it vouches for them, having seen them before it stopped).
        self.start = start
        self.next_index = start  # the startIndex of the next page to fetch
        self.pending = 0  # resources of the current page not yet yielded: 0 after the last one
        self.pages = 0
        self.seen = 0  # resources yielded (unique ids)
        self.duplicates = 0  # resources skipped because their id was already yielded
        self.vanished = 0  # resources listed, then not found when their details were read
        self.totals = []  # totalResults of each page that had one
        self.stopped = None  # why paging ended: end, stalled, max_pages
        self.watermark = None  # index paging gives none: the engine keeps the newest meta.lastModified
        self.whole = True  # a search without a filter is meant to list every resource
        self._started = False

    @property
    def total(self):
        """The last totalResults the source gave, or None if it never did."""
        return self.totals[-1] if self.totals else None

    @property
    def complete(self):
        """True when paging ended normally, totalResults never changed, and every counted resource was seen."""
        if self.stopped not in ("end", "stalled") or len(set(self.totals)) > 1:
            return False
        return self.total is None or self.seen + self.start - 1 == self.total

    def vouches(self, before_seen):
        """Whether a resumed listing's part before the crash (before_seen resources) fits where it resumed."""
        return before_seen == self.start - 1

    def __iter__(self):
        if self._started:
            raise RuntimeError("a Listing can be iterated once; ask the client for a new one")
        self._started = True
        return self._pages()

    def _pages(self):
        seen_ids = set()
        start = self.start  # RFC 7644 §3.4.2.4: startIndex is 1-based
        while self.pages < self.max_pages:
            body = self._fetch(start, self.page_size)
            self.pages += 1
            # RFC 7644 §3.4.2: Resources may be absent when totalResults is 0; itemsPerPage is not
            # trusted (Oracle IDCS answers the requested count there, not the number returned).
            resources = body.get("Resources") or []
            total = _integer(body.get("totalResults"))
            if total is not None:
                self.totals.append(total)
            fresh = [r for r in resources if not _repeat(r, seen_ids)]
            self.duplicates += len(resources) - len(fresh)
            self.next_index = start + len(resources)
            self.pending = len(fresh)
            for resource in fresh:
                self.seen += 1
                self.pending -= 1
                expanded = self._expand(resource)
                if expanded is None:  # gone between the list and the read of its details
                    self.vanished += 1
                    continue
                yield expanded
            if not resources or (total is not None and start + len(resources) > total):
                self.stopped = "end"
                return
            if not fresh:
                # The source answered a page we had already read: it ignores startIndex.
                log.warning("source repeated a page at startIndex=%d; paging stopped", start)
                self.stopped = "stalled"
                return
            start += len(resources)  # a short page is not the end; the next index follows what came
        self.stopped = "max_pages"


@dataclass(frozen=True)
class Page:
    """One page of a continuation-paged listing: its resources, the position of the next page (None: the
    last), and what the last page may carry: the listing's watermark (Graph's deltaLink) and a total."""

    resources: list
    next: object = None
    watermark: str | None = None
    total: int | None = None


class LinkListing:
    """The resources of a listing paged by continuation (a next link, a page token), fetched as iterated (once).

    ``fetch(position)`` gives a Page; the first position is None, later ones what the previous page gave
    (any JSON value: the pull cursor stores it, so a run resumes at the page where it stopped). Unlike
    offset paging, a continuation does not shift when the directory changes, so the listing is complete
    when it reaches the last page. ``whole`` says whether the listing is meant to hold every resource
    (False for a delta of changes): only a whole, complete listing tells which resources are gone.
    """

    def __init__(self, fetch, *, start=None, expand=None, whole=True, max_pages=MAX_PAGES):
        self._fetch = fetch
        self._expand = expand or (lambda resource: resource)
        self.start = start if not isinstance(start, int) else None  # an int is a fresh cursor's first page
        self.next_index = self.start
        self.whole = whole
        self.max_pages = max_pages
        self.pending = 0
        self.pages = 0
        self.seen = 0
        self.duplicates = 0
        self.vanished = 0
        self.totals = []
        self.watermark = None
        self.stopped = None
        self._started = False

    @property
    def total(self):
        return self.totals[-1] if self.totals else None

    @property
    def complete(self):
        """True when paging reached the last page."""
        return self.stopped == "end"

    def vouches(self, before_seen):
        """A continuation carries its place: what a stopped run read before it was each read once."""
        return True

    def __iter__(self):
        if self._started:
            raise RuntimeError("a LinkListing can be iterated once; ask the client for a new one")
        self._started = True
        return self._pages()

    def _pages(self):
        seen_ids, position, positions = set(), self.start, set()
        while self.pages < self.max_pages:
            page = self._fetch(position)
            self.pages += 1
            if page.total is not None:
                self.totals.append(page.total)
            fresh = [r for r in page.resources if not _repeat(r, seen_ids)]
            self.duplicates += len(page.resources) - len(fresh)
            self.next_index, self.pending = page.next, len(fresh)
            if page.next is None:
                self.watermark = page.watermark
            for resource in fresh:
                self.seen += 1
                self.pending -= 1
                expanded = self._expand(resource)
                if expanded is None:
                    self.vanished += 1
                    continue
                yield expanded
            if page.next is None:
                self.stopped = "end"
                return
            key = repr(page.next)
            if key in positions:
                log.warning("source gave the same next page twice; paging stopped")
                self.stopped = "stalled"
                return
            positions.add(key)
            position = page.next
        self.stopped = "max_pages"


def _repeat(resource, seen_ids):
    """Whether this resource's id was yielded already (and remember it)."""
    rid = resource.get("id") if isinstance(resource, dict) else None
    if rid is None:
        return False
    if rid in seen_ids:
        return True
    seen_ids.add(rid)
    return False


def _integer(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
