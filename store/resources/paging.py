"""SQLite: unfiltered pages in the default order that neither count nor walk the whole directory.

The total comes from models.page_counts. A page's start is found from anchors, the (created, id)
keys of every STEP-th row, kept per directory for as long as its generation stays the same; a page
then walks fewer than STEP index entries from the anchor before it. Anchors are found on demand,
STEP rows at a time from the last one known, so a first deep page costs what an OFFSET did.
"""

import peewee
from peewee import SQL

from models import db, page_counts
from store.resources.scope import scope

STEP = 1000
_ANCHORS = {}  # (database, resource, directory id) -> (generation, [key of row STEP, 2 * STEP, ...])
_ANCHORS_KEPT = 256


def applies(model, filter_string, sort_by):
    """Whether this page is one the counters and anchors serve."""
    return not filter_string and not sort_by and isinstance(db.obj, peewee.SqliteDatabase)


def counted(model, directory_id):
    """(rows the directory shows SCIM, generation of their order) of model."""
    found = db.execute_sql(f'SELECT visible, generation FROM "{page_counts.TABLE}" '
                           'WHERE resource = ? AND directory_id = ?', (model.__name__, directory_id)).fetchone()
    return found or (0, None)


def start(model, directory_id, generation, offset):
    """(condition that skips to an anchor or None, the offset left from there) of a page's first row."""
    index = offset // STEP
    if index == 0:
        return None, offset
    anchors = _anchors(model, directory_id, generation, index)
    if len(anchors) < index:  # the rows changed under us: the plain offset is still right
        return None, offset
    created, key = anchors[index - 1]
    return _at_or_after(model, created, key), offset - index * STEP


def _anchors(model, directory_id, generation, wanted):
    """At least wanted anchors (fewer only past the end), found from the last one known."""
    cache_key = (db.obj.database, model.__name__, directory_id)
    known_generation, anchors = _ANCHORS.get(cache_key, (None, []))
    anchors = list(anchors) if known_generation == generation else []
    while len(anchors) < wanted:
        condition = scope(model, directory_id)
        if anchors:
            condition &= _at_or_after(model, *anchors[-1])
        query = model.select(model.created, model.id).where(condition).order_by(model.created, model.id)
        sql, params = query.limit(1).offset(STEP).sql()
        found = db.execute_sql(sql, params).fetchone()
        if found is None:
            break
        anchors.append(tuple(found))
    if len(_ANCHORS) >= _ANCHORS_KEPT:
        _ANCHORS.clear()
    _ANCHORS[cache_key] = (generation, anchors)
    return anchors


def _at_or_after(model, created, key):
    """Rows from the one with this (created, id) on; SQLite compares the stored text as it is."""
    return SQL(f'("t1"."{model.created.column_name}", "t1"."{model.id.column_name}") >= (?, ?)', [created, key])
