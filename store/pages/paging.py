"""A page of a list: its rows, its size, and the page shown when one past the end is asked for."""

import math
from dataclasses import dataclass, field

PAGE_SIZE = 50
HISTORY_SIZE = 50


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


def clamped(number, total, size):
    """(the page to show, a notice or None): past the last page shows the last one, and says so."""
    pages = max(1, math.ceil(total / size))
    if number > pages:
        return pages, f"There is no page {number}; this is the last page ({pages})."
    return number, None
