"""RFC 7644 §3.4.2 / §3.4.3 query parameters and SearchRequest bodies, validated."""

import re
from dataclasses import dataclass

from marshmallow import EXCLUDE, Schema, ValidationError, fields, pre_load, validate

from scim2_models.path import ScimFilter

from . import constants, errors


# `attribute eq "text"`, the text without escapes: how IdPs look a resource up before creating it
# (Okta, Entra ID, OneLogin: userName; Entra ID: externalId; groups: displayName). The grammar
# parses it the same, at a cost above the query's (see simple_eq).
_SIMPLE_EQ = re.compile(r'([A-Za-z][A-Za-z0-9_-]*) [eE][qQ] "([^"\\\x00-\x1f\ud800-\udfff]*)"')


@dataclass
class ListQuery:
    filter: str | None
    sort_by: str | None
    descending: bool
    start_index: int
    count: int
    attributes: object
    excluded_attributes: object


class _Params(Schema):
    class Meta:
        unknown = EXCLUDE

    filter = fields.String(allow_none=True)
    sortBy = fields.String(allow_none=True)
    sortOrder = fields.String(allow_none=True, validate=validate.OneOf(["ascending", "descending"]))
    startIndex = fields.Integer(allow_none=True, strict=False)
    count = fields.Integer(allow_none=True, strict=False)
    attributes = fields.Raw(allow_none=True)
    excludedAttributes = fields.Raw(allow_none=True)

    @pre_load
    def canonical_keys(self, data, **_):
        """Parameter names are case-insensitive (RFC 7644 §3.4.2); sortOrder values too."""
        names = {name.lower(): name for name in self.fields}
        result = {names.get(str(key).lower(), key): value for key, value in data.items()}
        if isinstance(result.get("sortOrder"), str):
            result["sortOrder"] = result["sortOrder"].lower()
        return result


_PARAMS = _Params()


def parse(raw, default_count, max_count, search_body=False, max_filter_length=4096, max_filter_terms=100):
    """A ListQuery from query parameters or a SearchRequest; count is clamped to max_count."""
    if not isinstance(raw, dict):
        raise errors.InvalidSyntax("A SearchRequest must be a JSON object.")
    if search_body:
        _check_search_schemas(raw)
    try:
        data = _PARAMS.load(raw)
    except ValidationError as exc:
        name, messages = next(iter(exc.messages.items()))
        raise errors.InvalidValue(f"Invalid '{name}': {' '.join(map(str, messages))}") from None
    if data.get("filter") is not None and not data["filter"].strip():
        raise errors.InvalidFilter("The filter is empty.")
    if len(data.get("filter") or "") > max_filter_length:
        raise errors.InvalidFilter(f"The filter is longer than {max_filter_length} characters.")
    if data.get("filter") and _terms(data["filter"]) > max_filter_terms:
        raise errors.InvalidFilter(f"The filter has more than {max_filter_terms} comparisons.")
    count = data.get("count")
    count = default_count if count is None else max(0, min(count, max_count))
    start = data.get("startIndex")
    return ListQuery(
        filter=data.get("filter"),
        sort_by=data.get("sortBy") or None,
        descending=data.get("sortOrder") == "descending",
        start_index=1 if start is None or start < 1 else start,
        count=count,
        attributes=data.get("attributes"),
        excluded_attributes=data.get("excludedAttributes"),
    )


def simple_eq(expression):
    """(attribute, text) of a filter that is one `attribute eq "text"` with no escape in the text, else None."""
    match = _SIMPLE_EQ.fullmatch(expression)
    return match.groups() if match else None


def _terms(expression):
    """How many comparisons a filter makes (each one a subquery or a scan); a syntax error counts 0
    here and is reported, with its position, by the compiler."""
    if simple_eq(expression):
        return 1
    try:
        stack, count = [ScimFilter(expression).ast], 0
    except Exception:  # scim2-models raises its own and lark's errors for bad syntax
        return 0
    while stack:
        node = stack.pop()
        children = getattr(node, "terms", None) or [getattr(node, "expr", None) or getattr(node, "val_filter", None)]
        children = [child for child in children if child is not None]
        count += not children
        stack.extend(children)
    return count


def _check_search_schemas(body):
    schemas = body.get("schemas")
    if schemas is not None and constants.SEARCH_REQUEST not in (schemas if isinstance(schemas, list) else [schemas]):
        raise errors.InvalidSyntax(f"A SearchRequest must carry the schema {constants.SEARCH_REQUEST}.")
