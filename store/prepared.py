"""Hot queries whose SQL is generated once: peewee builds a query's SQL text anew on every run,
and for the few queries every SCIM request makes that cost more than SQLite running them."""

from collections import namedtuple

from peewee import Value

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
        model, fields = query.model, query.model._meta.sorted_fields
        instances = []
        for row in db.execute_sql(sql, params).fetchall():
            instance = model(__no_default__=1)
            instance.__data__ = {field.name: None if value is None else field.python_value(value)
                                 for field, value in zip(fields, row)}
            instances.append(instance)
        return instances

    def records(self, *args):
        """Read-only rows of a whole-model select (see records_of)."""
        query, sql, params = self._bound(args)
        return records_of(query.model, db.execute_sql(sql, params).fetchall())

    def first(self, *args):
        """The first model instance, or None."""
        found = self.rows(*args)
        return found[0] if found else None

    def tuples(self, *args):
        """Plain rows."""
        _, sql, params = self._bound(args)
        return db.execute_sql(sql, params).fetchall()

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
        return query, sql, params


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


def records_of(model, rows):
    """Rows of all a model's fields (in sorted_fields order) as named tuples with Python values: a
    fraction of the cost of model instances, and of peewee's namedtuples(), which make a class per query."""
    fields = model._meta.sorted_fields
    record = _RECORDS.get(model)
    if record is None:
        record = _RECORDS[model] = namedtuple(model.__name__, [field.name for field in fields])
    return [record._make(None if value is None else field.python_value(value) for field, value in zip(fields, row))
            for row in rows]


def _node(position):
    return Value(_Mark(position), converter=False)
