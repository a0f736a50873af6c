"""Hot queries whose SQL is generated once: peewee builds a query's SQL text anew on every run,
and for the few queries every SCIM request makes that cost more than SQLite running them."""

from collections import namedtuple
from datetime import datetime

import orjson
import peewee
from peewee import SQL, Value

from models import db


class _Mark:
    """Stands for the n-th value of a call while the SQL is generated."""

    def __init__(self, position):
        self.position = position


class Prepared:
    """A query built by build(*args) once per database kind and argument shape, then run with new values.

    build must use its arguments only as values (a list argument in `in_`), never to choose the query's
    shape; the SQL is then the same for every call but for the values, which are passed as they are
    (strings and numbers: the fields' converters are not applied).
    """

    def __init__(self, build):
        self._build = build
        self._compiled = {}  # (database class, argument shape) -> (query, sql, slots)

    def rows(self, *args):
        """Model instances of a whole-model select, built straight from the cursor's rows: peewee's
        own cursor wrapper resolves the columns anew for every query, which cost more than the query."""
        query, sql, params = self._bound(args)
        return instances_of(query.model, fetch(sql, params))

    def records(self, *args):
        """Read-only rows of a whole-model select (see records_of)."""
        query, sql, params = self._bound(args)
        return records_of(query.model, fetch(sql, params))

    def first(self, *args):
        """The first model instance, or None."""
        found = self.rows(*args)
        return found[0] if found else None

    def tuples(self, *args):
        """Plain rows, as tuples of the values the driver gives."""
        _, sql, params = self._bound(args)
        if sql.startswith(_PACKED):
            return [tuple(row) for row in fetch(sql, params)]
        return db.execute_sql(sql, params).fetchall()

    def run(self, *args):
        """Run a DELETE or UPDATE; the number of rows it changed."""
        _, sql, params = self._bound(args)
        return db.execute_sql(sql, params).rowcount

    def _bound(self, args):
        shape = (type(db.obj), *(len(arg) if isinstance(arg, (list, tuple)) else None for arg in args))
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = self._compile(args)
        query, sql, slots = compiled
        values = [value for arg in args for value in (arg if isinstance(arg, (list, tuple)) else (arg,))]
        return query, sql, [values[slot.position] if isinstance(slot, _Mark) else slot for slot in slots]

    def _compile(self, args):
        counter = iter(range(10 ** 9))
        marks = [[_node(next(counter)) for _ in arg] if isinstance(arg, (list, tuple)) else _node(next(counter))
                 for arg in args]
        query = self._build(*marks)
        sql, params = query.sql()
        if isinstance(query, peewee.Select) and list(query._returning) == query.model._meta.sorted_fields:
            sql = _packed_sql(sql)  # a whole-model select, as rows() and records() read
        return query, sql, params


_PACKED = "SELECT json_array("  # how a packed select begins: each row is one JSON array


def packed_columns(columns):
    """A select list whose rows read as one value each on SQLite (see fetch), as it is elsewhere."""
    if isinstance(db.obj, peewee.SqliteDatabase):
        return SQL(f"json_array({columns})")
    return SQL(columns)


def fetch(sql, params):
    """The rows of a select, each a sequence of its columns' values, packed or not.

    CPython 3.11's sqlite3 releases the GIL around each column of each row it reads: a 35-column user
    row was 35 GIL hand-offs, and with 8 requests in flight a GET made some 130 context switches. On
    SQLite a whole-row select is therefore written as json_array(columns): one text value per row,
    read back by orjson. PostgreSQL's driver keeps the GIL while it reads and needs none of this."""
    rows = db.execute_sql(sql, params).fetchall()
    if sql.startswith(_PACKED):
        return [orjson.loads(row[0]) for row in rows]
    return rows


def _packed_sql(sql):
    """SQLite: SELECT a, b FROM ... as SELECT json_array(a, b) FROM ...; other SQL as it is."""
    head, found, tail = sql.partition(" FROM ")
    if not isinstance(db.obj, peewee.SqliteDatabase) or not found or not head.startswith("SELECT ") or "(" in head:
        return sql
    return f"{_PACKED}{head[len('SELECT '):]}){found}{tail}"


_RECORDS = {}  # model -> its named tuple class
_INSERTS = {}  # (database class, model, column names) -> (sql, slots, fields)


def create(model, **values):
    """Model.create, with the INSERT's SQL generated once per set of columns instead of every time."""
    instance = model(**values)  # fills the fields' defaults, as create() does
    data = instance.__data__
    key = (type(db.obj), model, tuple(data))
    compiled = _INSERTS.get(key)
    if compiled is None:
        fields = [model._meta.fields[name] for name in data]
        query = model.insert({field: _node(position) for position, field in enumerate(fields)})
        compiled = _INSERTS[key] = (*query.sql(), fields)
    sql, slots, fields = compiled
    converted = [field.db_value(data[field.name]) for field in fields]
    cursor = db.execute_sql(sql, [converted[slot.position] if isinstance(slot, _Mark) else slot for slot in slots])
    primary = model._meta.primary_key
    if data.get(primary.name) is None:
        instance.__data__[primary.name] = cursor.fetchone()[0] if cursor.description else cursor.lastrowid
    instance._dirty.clear()
    return instance


_MANY = {}  # (database class, model, column names, rows, ignore_conflicts) -> (sql, slots)
_BATCHES = (500, 100, 20, 5, 1)  # rows per INSERT: a few statement shapes per table, never one per length


def insert_many(model, rows, ignore_conflicts=False):
    """INSERT rows (dicts with the same keys, field names) in batches whose SQL is generated once per
    table, columns and batch size; fields left out get their defaults, called anew for each row.
    ignore_conflicts: a row that would break a unique key is left out (INSERT OR IGNORE, ON CONFLICT
    DO NOTHING)."""
    if not rows:
        return
    names = list(rows[0])
    defaults = [(field.name, field.default) for field in model._meta.sorted_fields
                if field.default is not None and field.name not in names]
    columns = (*names, *(name for name, _ in defaults))
    fields = [model._meta.fields[name] for name in columns]
    values = [[row[name] for name in names] + [default() if callable(default) else default for _, default in defaults]
              for row in rows]
    start = 0
    for size in _BATCHES:
        while len(values) - start >= size:
            _insert_batch(model, columns, fields, values[start:start + size], ignore_conflicts)
            start += size


def _insert_batch(model, columns, fields, batch, ignore_conflicts):
    key = (type(db.obj), model, columns, len(batch), ignore_conflicts)
    compiled = _MANY.get(key)
    if compiled is None:
        width = len(fields)
        query = model.insert_many([{field: _node(row * width + column) for column, field in enumerate(fields)}
                                   for row in range(len(batch))])
        sql, slots = (query.on_conflict_ignore() if ignore_conflicts else query).sql()
        compiled = _MANY[key] = (sql, slots)
    sql, slots = compiled
    flat = [field.db_value(value) for row in batch for field, value in zip(fields, row)]
    db.execute_sql(sql, [flat[slot.position] if isinstance(slot, _Mark) else slot for slot in slots])


_UPDATES = {}  # (database class, model, column names, version-guarded) -> (sql, slots, fields)


def update(model, key, **values):
    """Model.update(**values) of the row whose primary key is key, with the UPDATE's SQL generated once per
    set of columns: peewee rendered a user's 30 columns node by node on every PUT. Returns the rows changed."""
    return _update(model, key, None, values)


def update_if(model, key, read_version, /, **values):
    """As update(), only while the row's version is still read_version: 0 rows changed when another write came
    first."""
    return _update(model, key, read_version, values)


def _update(model, key, version, values):
    guarded = version is not None
    cache_key = (type(db.obj), model, tuple(values), guarded)
    compiled = _UPDATES.get(cache_key)
    if compiled is None:
        fields = [model._meta.fields[name] for name in values]
        where = model._meta.primary_key == _node(len(fields))
        if guarded:
            where &= model._meta.fields["version"] == _node(len(fields) + 1)
        query = model.update({field: _node(position) for position, field in enumerate(fields)}).where(where)
        compiled = _UPDATES[cache_key] = (*query.sql(), fields)
    sql, slots, fields = compiled
    converted = [field.db_value(values[field.name]) for field in fields] + [model._meta.primary_key.db_value(key)]
    if guarded:
        converted.append(version)
    cursor = db.execute_sql(sql, [converted[slot.position] if isinstance(slot, _Mark) else slot for slot in slots])
    return cursor.rowcount


def instances_of(model, rows):
    """Model instances of rows of all a model's fields (in sorted_fields order)."""
    names, convert = model._meta.sorted_field_names, _converter(model)
    instances = []
    for row in rows:
        instance = model(__no_default__=1)
        instance.__data__ = dict(zip(names, convert(row)))
        instances.append(instance)
    return instances


def records_of(model, rows):
    """Rows of all a model's fields (in sorted_fields order) as named tuples with Python values: a
    fraction of the cost of model instances, and of peewee's namedtuples(), which make a class per query."""
    record = _RECORDS.get(model)
    if record is None:
        record = _RECORDS[model] = namedtuple(model.__name__, model._meta.sorted_field_names)
    convert = _converter(model)
    return [record._make(convert(row)) for row in rows]


# The Python type each kind of field's values already have when the driver returns them as they are.
_NATIVE = ((peewee.BooleanField, bool), (peewee.IntegerField, int), (peewee.FloatField, float),
           (peewee.DateTimeField, datetime), (peewee.CharField, str), (peewee.TextField, str))
# Kinds whose stored values SQLite and PostgreSQL's drivers hand back as they were written: never converted.
_AS_STORED = (str, int, float)
_CONVERTERS = {}  # model -> row converter


def _converter(model):
    """row -> its fields' Python values. Only the columns a driver may return in another type (SQLite's
    0/1 booleans, its datetime text) are looked at, and field.python_value is called only for a value not
    already of the field's type: a user row converts 4 of its 35 columns, not all of them."""
    convert = _CONVERTERS.get(model)
    if convert is None:
        checked = [(position, _python_value(field), _native(field))
                   for position, field in enumerate(model._meta.sorted_fields) if _native(field) not in _AS_STORED]

        def convert(row):
            values = list(row)
            for position, python_value, native in checked:
                value = values[position]
                if value is not None and type(value) is not native:
                    values[position] = python_value(value)
            return values
        _CONVERTERS[model] = convert
    return convert


def _python_value(field):
    """field.python_value; for a datetime, the C parser first: peewee tries strptime formats in turn,
    which was most of converting a row."""
    if not isinstance(field, peewee.DateTimeField):
        return field.python_value

    def parsed(value):
        try:
            return datetime.fromisoformat(value)
        except (TypeError, ValueError):
            return field.python_value(value)
    return parsed


def _native(field):
    if isinstance(field, peewee.ForeignKeyField):
        return _native(field.rel_field)
    return next((kind for field_class, kind in _NATIVE if isinstance(field, field_class)), None)


def _node(position):
    return Value(_Mark(position), converter=False)
