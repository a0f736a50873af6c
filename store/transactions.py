"""Transactions for writes: the unit a request's write and the read of its answer share, else the write's own."""

import contextlib
import threading

from models import db

_units = threading.local()  # .open: whether this thread is inside a unit


@contextlib.contextmanager
def unit():
    """One transaction for a write and whatever reads its result; the writes inside join it instead of
    each opening a savepoint (two statements more). Nothing inside may catch a write's error and go on:
    an error leaves the unit and undoes all of it."""
    with db.atomic():
        outer = getattr(_units, "open", False)
        _units.open = True
        try:
            yield
        finally:
            _units.open = outer


def atomic():
    """A write's transaction: the unit it runs in, joined; else db.atomic() (a savepoint inside a caller's own
    transaction, so a caller that catches the write's error keeps the rest of its work)."""
    if getattr(_units, "open", False):
        return contextlib.nullcontext()
    return db.atomic()
