"""Transactions for writes: the unit a request's write and the read of its answer share, else the write's own."""

import contextlib
import threading

from models import db

_units = threading.local()  # .open: whether this thread is inside a unit; .begun: its transaction, once begun


@contextlib.contextmanager
def unit():
    """One transaction for a write and whatever reads its result; the writes inside join it instead of
    each opening a savepoint (two statements more). It begins with the first write's atomic(), so parsing
    and checks before it run outside the transaction (on SQLite, outside the write gate). Nothing inside may
    catch a write's error and go on: an error leaves the unit and undoes all of it."""
    outer = getattr(_units, "open", False), getattr(_units, "begun", None)
    _units.open, _units.begun = True, None
    try:
        yield
    except BaseException as error:
        _end(error)
        raise
    else:
        _end(None)
    finally:
        _units.open, _units.begun = outer


def _end(error):
    """Commit the unit's transaction, or roll it back after an error; nothing when no write began it."""
    begun, _units.begun = _units.begun, None
    if begun is not None:
        begun.__exit__(type(error) if error else None, error, error.__traceback__ if error else None)


def atomic():
    """A write's transaction: the unit it runs in (begun by its first write, then joined); else db.atomic()
    (a savepoint inside a caller's own transaction, so a caller that catches the write's error keeps the rest
    of its work)."""
    if not getattr(_units, "open", False):
        return db.atomic()
    if _units.begun is None:
        begun = db.atomic()
        begun.__enter__()
        _units.begun = begun
    return contextlib.nullcontext()
