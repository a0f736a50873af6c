"""What the user and group stores share: scoped row lookup and version checks."""

import peewee
from peewee import SQL

from models import db
from scim import errors, listing
from store import sql
from store.resources import paging
from store.resources.scope import scope
from store.sql import Prepared, records_of


def _by_id(model, for_update, columns):
    def build(resource_id, directory_id):
        query = model.select(*([columns()] if columns else [])).where(
            (model.id == resource_id) & scope(model, directory_id))
        # Locked on PostgreSQL; SQLite's write transactions lock the whole database already.
        return query.for_update() if for_update and not isinstance(db.obj, peewee.SqliteDatabase) else query
    return Prepared(build)


_BY_ID = {}


def scoped_row(model, directory_id, resource_id, for_update=False):
    """The visible row of model with this id, or 404 (locked on PostgreSQL when updating)."""
    row = _by_id_query(model, for_update, None, resource_id).first(resource_id, directory_id)
    return _found(model, row, resource_id)


def scoped_tuple(model, directory_id, resource_id, columns, for_update=False):
    """As scoped_row, but the driver's row of the select list columns() gives."""
    rows = _by_id_query(model, for_update, columns, resource_id).tuples(resource_id, directory_id)
    return _found(model, rows[0] if rows else None, resource_id)


def _by_id_query(model, for_update, columns, resource_id):
    if "\x00" in resource_id:  # no id holds a NUL, and PostgreSQL's driver refuses one in a query
        raise errors.NotFound(f"{model.__name__} not found.")
    key = (model, for_update, columns)
    if key not in _BY_ID:
        _BY_ID[key] = _by_id(model, for_update, columns)
    return _BY_ID[key]


def _found(model, row, resource_id):
    if row is None:
        raise errors.NotFound(f"{model.__name__} {resource_id} not found.")
    return row


def check_version(row, expected_version):
    """RFC 7644 §3.14: If-Match must name the current version (or be *)."""
    if expected_version is not None and expected_version not in ("*", row.version):
        raise errors.PreconditionFailed()


def page(model, directory_id, filter_string, sort_by, descending, start_index, count, columns=None,
         column_params=(), joined=False):
    """(total, rows of one page) of model in a directory; stable order, filter compiled to SQL.

    A page that ends short of count holds the last of the matches, so its total needs no query:
    a filter eq (one user) is one query. Otherwise the total is a count of its own (from the paging
    index; COUNT(*) OVER () would read every matching row), or on SQLite for an unfiltered page the
    directory's counter (store.resources.paging). Rows are read-only records (see sql.records_of), or with
    columns (a function giving a select list, whose parameters column_params are) the driver's rows of
    it. Only the WHERE clause is rendered per request (see _shape), and a plain eq filter's not even that
    (see _filtered). joined: columns() is one text column "body" that never holds a \x1e (see _joined).
    """
    offset, total = start_index - 1, None
    if filter_string:
        where, params = _filtered(model, directory_id, filter_string)
    else:
        condition = scope(model, directory_id)
        if paging.applies(model, filter_string, sort_by):
            total, generation = paging.counted(model, directory_id)
            count = count if start_index <= total else 0
            skip, offset = paging.start(model, directory_id, generation, offset) if count > 0 else (None, offset)
            condition = condition & skip if skip is not None else condition
        where, params = _rendered(model, condition)
    rows = []
    if count > 0 and start_index <= _LAST_ROW:  # past it no store has rows, nor can SQL say OFFSET
        select, ordering, ordering_params, _ = _shape(model, columns, sort_by, descending)
        fetch = _joined if joined and isinstance(db.obj, peewee.SqliteDatabase) else sql.fetch
        rows = fetch(f"{select} WHERE {where}{ordering}", [*column_params, *params, *ordering_params, count, offset])
    rows = rows if columns else records_of(model, rows)
    if total is not None:
        return total, rows
    if 0 < len(rows) < count or (start_index == 1 and len(rows) < count):
        return start_index - 1 + len(rows), rows
    counted = f'SELECT COUNT(1) FROM ({_shape(model, None, None, False)[3]} WHERE {where}) AS "_page"'
    return db.execute_sql(counted, params).fetchone()[0], rows


_EQUALS = {}  # (database class, model, attribute as sent) -> (WHERE SQL, params, slots) or None
_SENTINELS = (-7_319_004_255, "\x01sentinel")  # a directory id, and a text simple_eq never matches


def _filtered(model, directory_id, filter_string):
    """(SQL, params) of the scope and a filter. A filter that is `attribute eq "text"` on a string column
    (listing.simple_eq, filters.equals) is rendered once per attribute, its values put in per request:
    parsing and rendering it cost more than running it."""
    from store.resources import filters

    simple = listing.simple_eq(filter_string)
    template = _equals_template(model, simple[0]) if simple else None
    if template is None:
        return _rendered(model, scope(model, directory_id) & filters.where(model.__name__, filter_string))
    statement, params, (directory_slot, text_slot, case_exact) = template
    params = list(params)
    params[directory_slot], params[text_slot] = directory_id, simple[1] if case_exact else simple[1].lower()
    return statement, params


def _equals_template(model, attribute):
    key = (type(db.obj), model, attribute)
    if key not in _EQUALS:
        if len(_EQUALS) >= _SHAPES_KEPT:  # attribute names come from clients
            _EQUALS.clear()
        _EQUALS[key] = _render_equals(model, attribute)
    return _EQUALS[key]


def _render_equals(model, attribute):
    from store.resources import filters

    directory, text = _SENTINELS
    compiled = filters.equals(model.__name__, attribute, text)
    if compiled is None:
        return None
    statement, params = _rendered(model, scope(model, directory) & compiled[0])
    slots = [[i for i, param in enumerate(params) if param == sentinel] for sentinel in _SENTINELS]
    if any(len(found) != 1 for found in slots):
        return None  # not the shape expected: compiled per request instead
    return statement, params, (slots[0][0], slots[1][0], compiled[1])


def _joined(statement, params):
    """A page's "body" column read as one value, its rows joined by \x1e: CPython's sqlite3 hands the GIL
    over for every row it steps to, and with 8 requests reading pages of 100 users those hand-offs cost
    more CPU than the bodies (an aggregate over a LIMIT subquery keeps the subquery's order)."""
    (text,) = db.execute_sql(f'SELECT group_concat("body", char(30)) FROM ({statement})', params).fetchone()
    return [] if text is None else [(body,) for body in text.split("\x1e")]


def _rendered(model, condition):
    """(SQL, params) of a WHERE condition over model aliased "t1", as inside the page's select."""
    context = db.get_sql_context()
    context.alias_manager[model._meta.table]  # the FROM's alias, taken first as in a whole select
    return context.sql(condition).query()


_SHAPES = {}  # (database class, model, columns, sortBy, descending) -> see _shape
_SHAPES_KEPT = 256  # sortBy comes from clients: distinct ones are not kept without bound


def _shape(model, columns, sort_by, descending):
    """(SELECT ... FROM, ORDER BY ... LIMIT OFFSET, its params, SELECT 1 FROM) of a page, rendered once:
    peewee renders a query node by node every time, which cost a filtered page more than running it."""
    from store.resources import filters

    key = (type(db.obj), model, columns, sort_by, descending)
    found = _SHAPES.get(key)
    if found is None:
        ordering = filters.order_by(model.__name__, sort_by, descending) if sort_by else [model.created, model.id]
        select = model.select(columns() if columns else all_columns(model)).sql()[0]
        sorted_sql, ordering_params = model.select(SQL("1")).order_by(*ordering).sql()
        head, found_order, tail = sorted_sql.partition(" ORDER BY ")
        param = db.obj.param
        if len(_SHAPES) >= _SHAPES_KEPT:
            _SHAPES.clear()
        found = _SHAPES[key] = (select, f"{found_order}{tail} LIMIT {param} OFFSET {param}", ordering_params, head)
    return found


_LAST_ROW = 2 ** 62  # a startIndex beyond this is past the end of any store (OFFSET is a 64-bit integer)
_COLUMNS = {}  # (database class, model) -> its select list, rendered once


def all_columns(model):
    """Every column of model (sorted_fields order) as one SQL node: peewee renders a select list
    anew, column by column, on every query, which cost a filtered page more than running it."""
    key = (type(db.obj), model)
    columns = _COLUMNS.get(key)
    if columns is None:
        names = ", ".join(f'"t1"."{field.column_name}"' for field in model._meta.sorted_fields)
        columns = _COLUMNS[key] = sql.packed_columns(names)  # one value per row on SQLite (sql.fetch)
    return columns
