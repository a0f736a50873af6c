"""What the user and group stores share: scoped row lookup and version checks."""

import peewee
from peewee import SQL, Select, fn

from models import db
from scim import errors

from . import prepared
from .prepared import Prepared, records_of


def scope(model, directory_id):
    """What an app's SCIM view sees of model: its directory's rows, users only while linked."""
    condition = model.directory == directory_id
    if hasattr(model, "scim_linked"):
        condition &= model.scim_linked == True  # noqa: E712 (a SQL expression)
    return condition


def _by_id(model, for_update, columns):
    def build(resource_id, directory_id):
        query = model.select(*([columns()] if columns else [])).where((model.id == resource_id) & scope(model, directory_id))
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


def page(model, directory_id, filter_string, sort_by, descending, start_index, count, columns=None):
    """(total, rows of one page) of model in a directory; stable order, filter compiled to SQL.

    A page that ends short of count holds the last of the matches, so its total needs no query:
    a filter eq (one user) is one query. Otherwise the total is a count of its own (from the paging
    index; COUNT(*) OVER () would read every matching row). Rows are read-only records (see
    prepared.records_of), or with columns (a function giving a select list) the driver's rows of it.
    """
    from . import filters

    rtype = model.__name__
    query = model.select(columns() if columns else all_columns(model)).where(scope(model, directory_id))
    if filter_string:
        query = query.where(filters.where(rtype, filter_string))
    rows = []
    if count > 0 and start_index <= _LAST_ROW:  # past it no store has rows, nor can SQL say OFFSET
        ordering = filters.order_by(rtype, sort_by, descending) if sort_by else [model.created, model.id]
        rows = prepared.fetch(*db.get_sql_context().sql(
            query.order_by(*ordering).offset(start_index - 1).limit(count)).query())
    rows = rows if columns else records_of(model, rows)
    if 0 < len(rows) < count or (start_index == 1 and len(rows) < count):
        return start_index - 1 + len(rows), rows
    count_query = Select([query.order_by().select(SQL("1")).alias("_page")], [fn.COUNT(SQL("1"))])
    return db.execute(count_query).fetchone()[0], rows


_LAST_ROW = 2 ** 62  # a startIndex beyond this is past the end of any store (OFFSET is a 64-bit integer)
_COLUMNS = {}  # (database class, model) -> its select list, rendered once


def all_columns(model):
    """Every column of model (sorted_fields order) as one SQL node: peewee renders a select list
    anew, column by column, on every query, which cost a filtered page more than running it."""
    key = (type(db.obj), model)
    columns = _COLUMNS.get(key)
    if columns is None:
        names = ", ".join(f'"t1"."{field.column_name}"' for field in model._meta.sorted_fields)
        columns = _COLUMNS[key] = prepared.packed_columns(names)  # one value per row on SQLite (prepared.fetch)
    return columns
