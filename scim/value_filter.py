"""RFC 7644 §3.4.2.2 value filters, evaluated in memory over the entries of one multi-valued
complex attribute of a canonical document (the ``[...]`` of a PATCH path).

scim2-models parses the filter; this module walks its AST. Sub-attribute names are
case-insensitive (RFC 7643 §2.1) and so are string comparisons, unless the sub-attribute
is ``caseExact``.
"""

import operator
from datetime import datetime

from scim2_models.path import (
    ORDERING_OPERATORS,
    CompareOperator,
    Comparison,
    FilterVisitor,
    LogicalExpr,
    LogicalOperator,
)

from . import errors, normalize


def _contains(actual, expected):
    return expected in actual


def _starts(actual, expected):
    return actual.startswith(expected)


def _ends(actual, expected):
    return actual.endswith(expected)


_OPERATORS = {
    CompareOperator.eq: operator.eq, CompareOperator.ne: operator.ne,
    CompareOperator.co: _contains, CompareOperator.sw: _starts, CompareOperator.ew: _ends,
    CompareOperator.gt: operator.gt, CompareOperator.ge: operator.ge,
    CompareOperator.lt: operator.lt, CompareOperator.le: operator.le,
}
_STRING_ONLY = (CompareOperator.co, CompareOperator.sw, CompareOperator.ew)


def matcher(attribute, node, error=errors.InvalidFilter):
    """A predicate telling whether one entry (a dict) of attribute matches the filter node."""
    return _Compiler(attribute, error).visit(node)


def seed(attribute, node):
    """The entry that node's ``eq`` comparisons joined by ``and`` describe, or None.

    Entra ID adds ``emails[type eq "work"].value`` to a user without a work email and
    expects one created with ``type: work`` (Captain-P-Goldfish/SCIM-SDK#416).
    """
    and_ = isinstance(node, LogicalExpr) and node.op == LogicalOperator.and_
    entry = {}
    for term in node.terms if and_ else (node,):
        pinned = _pinned(attribute, term)
        if pinned is None or entry.get(pinned[0], pinned[1]) != pinned[1]:
            return None
        entry[pinned[0]] = pinned[1]
    return entry


def _pinned(attribute, term):
    """(sub-attribute name, value) for a ``sub eq value`` term, else None."""
    if not isinstance(term, Comparison) or term.op != CompareOperator.eq:
        return None
    path = term.attr_path
    sub = None if path.uri or path.sub_attr else attribute.sub(path.attr)
    if sub is None:
        return None
    try:
        value = normalize.scalar(sub, term.value)
    except errors.ScimError:
        return None
    return None if value is None else (sub.name, value)


def comparable(sub, value):
    """value in the form filters compare it: case-folded unless caseExact; dateTimes parsed."""
    if not isinstance(value, str):
        return value
    if sub.type == "dateTime":
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    return value if sub.case_exact else value.casefold()


def _present(value):
    """RFC 7644 §3.4.2.2 ``pr``: a non-empty, non-null value."""
    return value is not None and value != "" and value != [] and value != {}


def _compare(compare, actual, expected):
    """Apply compare; values of types that cannot be compared never match."""
    if actual is None or expected is None:
        return compare(actual, expected) if compare in (operator.eq, operator.ne) else False
    try:
        return bool(compare(actual, expected))
    except TypeError:
        return False


class _Compiler(FilterVisitor):
    """Turns a filter AST into a closure over one entry; bad filters raise error."""

    def __init__(self, attribute, error):
        self.attribute = attribute
        self.error = error

    def _sub(self, path):
        sub = None if path.uri or path.sub_attr else self.attribute.sub(path.attr)
        if sub is None:
            raise self.error(f"'{path}' is not a sub-attribute of '{self.attribute.name}'.")
        return sub

    def _expected(self, sub, value):
        try:
            return comparable(sub, normalize.scalar(sub, value))
        except errors.ScimError:
            raise self.error(f"{value!r} cannot be compared with '{sub.name}'.") from None

    def visit_comparison(self, node):
        """RFC 7644 §3.4.2.2: gt/ge/lt/le on a boolean or binary attribute is invalid."""
        sub = self._sub(node.attr_path)
        if node.op in ORDERING_OPERATORS and sub.type in ("boolean", "binary"):
            raise self.error(f"'{node.op}' cannot order the {sub.type} '{sub.name}'.")
        expected = self._expected(sub, node.value)
        compare = _OPERATORS[node.op]
        strings = node.op in _STRING_ONLY
        name = sub.name

        def match(entry):
            actual = comparable(sub, entry.get(name))
            if strings and not (isinstance(actual, str) and isinstance(expected, str)):
                return False
            return _compare(compare, actual, expected)
        return match

    def visit_present(self, node):
        name = self._sub(node.attr_path).name
        return lambda entry: _present(entry.get(name))

    def visit_not(self, node):
        inner = self.visit(node.expr)
        return lambda entry: not inner(entry)

    def visit_logical_expr(self, node):
        terms = [self.visit(term) for term in node.terms]
        combine = all if node.op == LogicalOperator.and_ else any
        return lambda entry: combine(term(entry) for term in terms)

    def visit_value_path(self, node):
        raise self.error(f"'{node}': a value filter cannot nest another one.")


def identity(attribute, entry):
    """What makes two values one: a member is the resource its value names; other values
    are their (value, type) pair (RFC 7643 §2.4), or all their sub-attributes if valueless."""
    if attribute.name == "members":
        return _folded(attribute, "value", entry.get("value"))
    if "value" in entry:
        return _folded(attribute, "value", entry["value"]), _folded(attribute, "type", entry.get("type"))
    return frozenset((name, _folded(attribute, name, item)) for name, item in entry.items()
                     if name != "primary")


def any_of(attribute, values):
    """A predicate matching entries equal to one of values on each writable sub-attribute it
    gives; a set lookup per entry, so removing from 10,000 members stays O(n)."""
    wanted = {}
    for item in normalize.value_of(attribute, values) or []:
        names = tuple(sorted(name for name in item if attribute.sub(name).mutability != "readOnly"))
        if not names:
            # {"display": "x"} names no entry: matching on nothing would match (and remove) every one.
            raise errors.InvalidValue(f"Each value to remove from '{attribute.name}' must name an entry, "
                                      'e.g. {"value": "…"}.')
        wanted.setdefault(names, set()).add(tuple(_folded(attribute, name, item[name]) for name in names))
    return lambda entry: any(
        tuple(_folded(attribute, name, entry.get(name)) for name in names) in keys
        for names, keys in wanted.items())


def _folded(attribute, name, value):
    sub = attribute.sub(name)
    return comparable(sub, value) if sub else value
