"""Hot queries whose SQL is generated once: peewee builds a query's SQL text anew on every run,
and for the few queries every SCIM request makes that cost more than SQLite running them."""

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
        """Model instances."""
        query, sql, params = self._bound(args)
        return list(query.model.raw(sql, *params))

    def records(self, *args):
        """Named tuples (read-only rows; cheaper to build than model instances)."""
        query, sql, params = self._bound(args)
        return list(query.model.raw(sql, *params).namedtuples())

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


def _node(position):
    return Value(_Mark(position), converter=False)
