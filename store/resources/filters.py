"""RFC 7644 §3.4.2.2 filters and §3.4.2.3 sortBy compiled to peewee: no filter loads a whole table.

Every leaf is null-safe (TRUE or FALSE, never SQL NULL) so that `not` negates exactly; a
comparison on a multi-valued attribute, and each value path, is one correlated EXISTS.
"""

import json
import operator
import re
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import peewee
from peewee import SQL, Cast, NodeList, Value, fn
from scim2_models.path import AttrPath, CompareOperator, FilterVisitor, LogicalOperator, Path, ScimFilter

from models import Group, User, db
from scim import errors
from store.resources.filter_columns import resolve, resolve_entry

MODELS = {"User": User, "Group": Group}
FALSE = SQL("(1 = 0)")
EQ, NE = CompareOperator.eq, CompareOperator.ne
# co/sw/ew as a LIKE or GLOB pattern: {0} is the wildcard, {1} the escaped value.
SUBSTRING = {CompareOperator.co: "{0}{1}{0}", CompareOperator.sw: "{1}{0}", CompareOperator.ew: "{0}{1}"}
ORDERING = {CompareOperator.gt: operator.gt, CompareOperator.ge: operator.ge,
            CompareOperator.lt: operator.lt, CompareOperator.le: operator.le}
TEXT_TYPES = ("string", "reference", "binary")
_ETAG = re.compile(r'(?:W/)?"([0-9]{1,18})"|([0-9]{1,18})')
_MILLISECOND = timedelta(milliseconds=1)


def where(resource_type, filter_string, *, max_length=4096):
    """A WHERE expression over models.User (resource_type "User") or models.Group ("Group")."""
    if resource_type not in MODELS:
        raise ValueError(f"No filters for resource type {resource_type!r}.")
    return _Compiler(resource_type, _postgres()).visit(_parse(filter_string, max_length))


def equals(resource_type, attribute, text):
    """(condition, case_exact) of `attribute eq "text"` when the attribute is a single-valued string column
    of the resource's own table, compiled as where() compiles it; else None (say for emails, or
    an unknown attribute: where() gives those their own SQL or error)."""
    try:
        target = resolve(resource_type, ScimFilter(f'{attribute} eq ""').ast.attr_path, comparison=True)
    except (errors.InvalidFilter, AttributeError):
        return None
    column = target.column
    if target.rows or target.urns or column is None or column.type not in ("string", "reference") or column.index:
        return None
    return _Compiler(resource_type, _postgres())._string(column, EQ, _text(text, attribute)), column.case_exact


def order_by(resource_type, sort_by, descending):
    """RFC 7644 §3.4.2.3 sortBy as peewee orderings.

    Missing values sort last ascending (first descending), and the primary key breaks ties
    so that pages are stable. An attribute that cannot be sorted on is InvalidValue.
    """
    model = MODELS[resource_type]
    try:
        key = _Compiler(resource_type, _postgres()).sort_key(_sort_path(sort_by))
    except errors.InvalidFilter as exc:
        raise errors.InvalidValue(f"Cannot sort by {sort_by!r}: {exc.detail}") from None
    if descending:
        return [key.desc(nulls="FIRST"), model.id.desc()]
    return [key.asc(nulls="LAST"), model.id.asc()]


def _postgres():
    return isinstance(db.obj, peewee.PostgresqlDatabase)


def _parse(text, max_length):
    if not isinstance(text, str) or not text.strip():
        raise errors.InvalidFilter("The filter is empty.")
    if len(text) > max_length:
        raise errors.InvalidFilter(f"The filter is longer than {max_length} characters.")
    try:
        return ScimFilter(text).ast
    except Exception as exc:  # InvalidFilterException, or whatever else odd input provokes
        raise errors.InvalidFilter(f"Invalid filter: {getattr(exc, 'detail', None) or exc}.") from exc


def _sort_path(sort_by):
    try:
        path = Path(sort_by).ast
    except Exception:  # any parse failure is the same answer: not an attribute path
        path = None
    if not isinstance(path, AttrPath):
        raise errors.InvalidFilter("it is not an attribute path.")
    return path


class _Compiler(FilterVisitor):
    """Compile a filter tree over one resource type, or over the entries a value path selects."""

    def __init__(self, resource_type, postgres, entries=None):
        self.resource_type = resource_type
        self.postgres = postgres
        self.entries = entries  # the Target of the enclosing value path

    def visit_logical_expr(self, node):
        glue = " AND " if node.op == LogicalOperator.and_ else " OR "
        return NodeList([self.visit(term) for term in node.terms], glue=glue, parens=True)

    def visit_not(self, node):
        return ~self.visit(node.expr)

    def visit_present(self, node):
        target = self._resolve(node.attr_path)
        if target.rows and target.column is None:  # emails pr: at least one entry
            return fn.EXISTS(target.rows.query)
        if target.rows or target.urns:
            return self._any(target, _present)
        if target.column is None:  # name pr: some part of the name is present
            return _or([_present(part) for part in target.parts])
        return _present(target.column)

    def visit_comparison(self, node):
        target = self._resolve(node.attr_path, comparison=True)
        op, value, path = node.op, node.value, node.attr_path
        if not (target.rows or target.urns):
            return self._leaf(target.column, op, value, path)
        if value is None:  # eq null: no entry has the sub-attribute; ne null: some entry has it
            _null_operator(op, path)
            found = self._any(target, _present)
            return found if op is NE else ~found
        if op is NE:  # as scim2-models evaluates it: no entry is equal
            return ~self._any(target, lambda column: self._leaf(column, EQ, value, path))
        return self._any(target, lambda column: self._leaf(column, op, value, path))

    def visit_value_path(self, node):
        """emails[type eq "work" and value co "@example.com"]: one EXISTS over the entries."""
        target = self._resolve(node.attr_path)
        if target.rows is None or self.entries:
            raise errors.InvalidFilter(f"'{node.attr_path}[...]' needs a multi-valued complex attribute.")
        inner = _Compiler(self.resource_type, self.postgres, target).visit(node.val_filter)
        return fn.EXISTS(target.rows.query.where(inner))

    def sort_key(self, path):
        """RFC 7644 §3.4.2.3: a multi-valued attribute sorts by its primary (else first) entry."""
        target = resolve(self.resource_type, path, comparison=True)
        if target.urns:
            raise errors.InvalidFilter("'schemas' cannot be sorted on.")
        column = target.column
        key = column.expr
        if column.type in TEXT_TYPES and not (column.lowered or column.case_exact):
            key = fn.LOWER(key)
        if target.rows:
            key = NodeList((target.rows.query.select(key).order_by(*target.rows.first).limit(1),))
        return self._collated(key) if column.type in TEXT_TYPES else key

    def _resolve(self, path, comparison=False):
        if self.entries:
            return resolve_entry(self.entries, path)
        return resolve(self.resource_type, path, comparison=comparison)

    def _any(self, target, test):
        """Whether some entry (or, for `schemas`, some URN the resource has) passes test."""
        if target.urns:
            return _or([guard & test(column) for column, guard in target.urns])
        return fn.EXISTS(target.rows.query.where(test(target.column)))

    def _leaf(self, column, op, value, path):
        """One null-safe comparison; eq null means absent and ne null present."""
        if value is None:
            _null_operator(op, path)
            return _present(column) if op is NE else ~_present(column)
        if op is NE:  # also true where the attribute is absent, as in scim2-models
            return ~self._leaf(column, EQ, value, path)
        if column.type == "boolean":
            return _guard(column.expr) & (column.expr == _boolean(value, op, path))
        if column.type == "dateTime":
            return _guard(column.expr) & _moment_test(column.expr, op, value, path)
        if column.type == "version" and op not in SUBSTRING:
            return _guard(column.expr) & ORDERING.get(op, operator.eq)(column.expr, _version(value, path))
        if column.type == "version":
            column = replace(column, expr=Value('W/"').concat(Cast(column.expr, "TEXT")).concat('"'))
        if column.type == "binary" and op is not EQ:
            raise errors.InvalidFilter(f"'{op.value}' does not apply to the binary '{path}'.")
        return self._string(column, op, _text(value, path))

    def _string(self, column, op, text):
        """RFC 7643 §2.2: case-insensitive unless caseExact; lexicographic for the ordering operators."""
        exact = column.case_exact
        expr = column.expr if column.lowered or exact else fn.LOWER(column.expr)
        text = text if exact else text.lower()
        if op is EQ and column.index is not None and not exact:
            return _indexed_equal(column, expr, text)
        if op is EQ:
            return _guard(column.expr) & (expr == text)
        if op in SUBSTRING:
            return _guard(column.expr) & self._match(expr, op, text, exact)
        return _guard(column.expr) & ORDERING[op](self._collated(expr), text)

    def _match(self, expr, op, text, exact):
        if exact and not self.postgres:  # SQLite's LIKE ignores (ASCII) case; GLOB does not
            pattern = SUBSTRING[op].format("*", _escape(text, "*?["))
            return NodeList((expr, SQL("GLOB"), Value(pattern)), parens=True)
        pattern = SUBSTRING[op].format("%", _escape(text, "\\%_"))
        return NodeList((expr, SQL("LIKE"), Value(pattern), SQL("ESCAPE '\\'")), parens=True)

    def _collated(self, expr):
        """Code-point order on PostgreSQL too, as on SQLite: no locale is implied (RFC 7644 §3.4.2.3)."""
        return NodeList((expr, SQL('COLLATE "C"')), parens=True) if self.postgres else expr


def _indexed_equal(column, expr, text):
    """eq on the indexed value.lower()[:n] twin; the full value is checked only when it may be longer."""
    limit = column.index.max_length
    test = _guard(column.index) & (column.index == text[:limit])
    if len(text) < limit:
        return test
    return test & _guard(column.expr) & (expr == text)


def _escape(text, special):
    """LIKE escapes with a backslash; GLOB has no escape character, only one-character classes."""
    if special == "*?[":
        return "".join(f"[{char}]" if char in special else char for char in text)
    return "".join(f"\\{char}" if char in special else char for char in text)


def _moment_test(expr, op, value, path):
    """Compare as the documents show the value: UTC, truncated to the millisecond (store.resources.user_rows)."""
    if op in SUBSTRING:
        raise errors.InvalidFilter(f"'{op.value}' does not apply to the dateTime '{path}'.")
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is not None:
            moment = moment.astimezone(timezone.utc).replace(tzinfo=None)
        floor = moment.replace(microsecond=moment.microsecond // 1000 * 1000)
        after = floor + _MILLISECOND
    except (TypeError, ValueError, OverflowError):
        raise errors.InvalidFilter(
            f"'{path}' is a dateTime: {_show(value)} is not like \"2011-05-13T04:42:34Z\".") from None
    ceiling = floor if floor == moment else after
    tests = {EQ: (expr >= ceiling) & (expr < after), CompareOperator.gt: expr >= after,
             CompareOperator.ge: expr >= ceiling, CompareOperator.lt: expr < ceiling,
             CompareOperator.le: expr < after}
    return tests[op]


def _boolean(value, op, path):
    if op is not EQ:
        raise errors.InvalidFilter(f"'{op.value}' does not apply to the boolean '{path}'; use eq or ne.")
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):  # Entra ID sends "True"/"False"
        return value.lower() == "true"
    raise errors.InvalidFilter(f"'{path}' is a boolean: compare it with true or false, not {_show(value)}.")


def _version(value, path):
    match = _ETAG.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise errors.InvalidFilter(f"'{path}' is a version like \"W/\\\"3\\\"\", not {_show(value)}.")
    return int(match.group(1) or match.group(2))


def _text(value, path):
    if not isinstance(value, str):
        raise errors.InvalidFilter(f"'{path}' is a string: compare it with a quoted value, not {_show(value)}.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidFilter("Filter values cannot contain unpaired surrogates.") from None
    if "\x00" in value:
        raise errors.InvalidFilter("Filter values cannot contain NUL characters.")
    return value


def _null_operator(op, path):
    if op not in (EQ, NE):
        raise errors.InvalidFilter(f"'{op.value}' cannot compare '{path}' with null; use eq or ne.")


def _present(column):
    """RFC 7644 §3.4.2.2 pr: a value, and for strings not an empty one."""
    test = _guard(column.expr)
    return test & (column.expr != "") if column.type in TEXT_TYPES else test


def _guard(expr):
    return expr.is_null(False)


def _or(terms):
    if len(terms) < 2:
        return terms[0] if terms else FALSE
    return NodeList(terms, glue=" OR ", parens=True)


def _show(value):
    return json.dumps(value)
