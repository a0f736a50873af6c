"""RFC 7644 §3.5.2 PATCH: apply a PatchOp request to a canonical resource document.

The document is what ``normalize.resource(rtype, body, keep_read_only=True)`` produces;
the result has the same form. Values are coerced by ``scim.normalize``, paths parsed by
scim2-models, value filters evaluated by ``scim.value_filter``.

Tolerances (each from a real IdP):
- Entra ID (without aadOptscim062020) sends "Add"/"Replace"/"Remove", booleans as strings,
  and removes members with path "members" and a value list;
- Entra ID adds or replaces ``emails[type eq "work"].value`` on users without a work email
  and expects the email created (Captain-P-Goldfish/SCIM-SDK#416, #680);
- Entra ID clears a value with "", null or ``{"value": ""}`` (manager);
- Entra ID (with aadOptscim062020) sends dotted and URN-qualified keys in a pathless value;
- Okta echoes "id" in a pathless replace: keys naming no writable attribute are ignored;
- IdPs retry removals: removing what a filter no longer matches succeeds.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass

from scim2_models.path import AttrPath, Comparison, Path, Present, ValuePath

from . import attributes, constants, errors, normalize, value_filter

_OPS = ("add", "remove", "replace")
_MEMBER_FILTER = re.compile(r'^\s*members\s*\[\s*value\s+eq\s+"([^"\\]*)"\s*\]\s*$', re.IGNORECASE)


@dataclass(frozen=True)
class _Target:
    """What a path designates: an attribute, maybe a sub-attribute, maybe a value selection."""

    path: str
    container: str | None  # None: the resource itself; else the extension URN holding it
    attribute: attributes.Attribute
    sub: attributes.Attribute | None = None
    select: Callable | None = None  # predicate over entries of a multi-valued attribute
    seed: dict | None = None  # the entry the selection describes, created when none matches


def apply(rtype, document, body) -> dict:
    """Apply a PatchOp request body to a canonical document; returns a new document (input untouched).

    RFC 7644 §3.5.2: operations apply in order, each to the result of the one before, and
    "If a single operation encounters an error condition, the original SCIM resource MUST
    be restored": the engine works on a copy and raises, so nothing is ever half-applied.
    """
    operations = _operations(body)
    # Writes copy what they change (lists, entries); only the resource's own objects and its
    # extension objects are written in place, so those are copied here.
    result = {key: dict(item) if isinstance(item, dict) else item for key, item in document.items()}
    for index, operation in enumerate(operations):
        try:
            _apply_operation(rtype, result, *_parse_operation(operation))
        except errors.ScimError as error:
            raise type(error)(f"Operations[{index}]: {error.detail}") from None
    return _prune(result)


def member_ids(body):
    """The member ids a Group PatchOp names when each operation only adds or removes listed members;
    else None.

    Such a patch changes only the members it names, so applying it to a document holding just
    those members gives the same result as applying it to all 10,000: the store then reads and
    writes only their rows. Anything else (replace, other paths or filters) returns None.
    """
    try:
        operations = _operations(body)
    except errors.ScimError:
        return None
    ids = set()
    for operation in operations:
        named = _members_named(operation)
        if named is None:
            return None
        ids |= named
    return ids


def _members_named(operation):
    """The ids one add/remove of listed members names, or None for any other operation."""
    if not isinstance(operation, dict):
        return None
    fields = _lower_keys(operation)
    op, path, value = fields.get("op"), fields.get("path"), fields.get("value")
    if not isinstance(op, str) or op.lower() not in ("add", "remove"):
        return None
    if op.lower() == "add" and not path and isinstance(value, dict) and list(value) == ["members"]:
        path, value = "members", value["members"]  # a pathless add of members only
    if not isinstance(path, str):
        return None
    if path.strip().lower() == "members" and (op.lower() == "add" or value is not None):
        return _listed(value)
    found = _MEMBER_FILTER.match(path)
    return {found.group(1)} if found and op.lower() == "remove" and value is None else None


def _listed(value):
    """The ids of a members value list, or None unless every entry is an object with a string value."""
    if not isinstance(value, list) or not value:
        return None
    if not all(isinstance(entry, dict) and isinstance(entry.get("value"), str) for entry in value):
        return None
    return {entry["value"] for entry in value}


def _operations(body):
    """RFC 7644 §3.5.2: a PatchOp message carrying a non-empty "Operations" array."""
    if not isinstance(body, dict):
        raise errors.InvalidSyntax("The PATCH body must be a JSON object.")
    fields = _lower_keys(body)
    if fields.get("schemas") is not None and not _names_patch_op(fields["schemas"]):
        raise errors.InvalidSyntax(f"'schemas' must be ['{constants.PATCH_OP}'].")
    operations = fields.get("operations")
    if not isinstance(operations, list) or not operations:
        raise errors.InvalidSyntax("'Operations' must be a non-empty array.")
    return operations


def _lower_keys(body):
    """An object's members by lower-cased name: clients vary the case of "Operations"."""
    return {key.lower(): value for key, value in body.items() if isinstance(key, str)}


def _names_patch_op(schemas):
    names = schemas if isinstance(schemas, list) else [schemas]
    return any(isinstance(name, str) and name.lower() == constants.PATCH_OP.lower() for name in names)


def _parse_operation(operation):
    """One operation as (op, path, has_value, value)."""
    if not isinstance(operation, dict):
        raise errors.InvalidSyntax("Each operation must be a JSON object.")
    fields = _lower_keys(operation)
    op = fields.get("op")
    # Microsoft Entra ID (without aadOptscim062020) sends "Add", "Replace" and "Remove".
    if not isinstance(op, str) or op.lower() not in _OPS:
        raise errors.InvalidSyntax("'op' must be 'add', 'remove' or 'replace'.")
    path = fields.get("path")
    if path is not None and not isinstance(path, str):
        raise errors.InvalidPath("'path' must be a string.")
    return op.lower(), (path or "").strip(), "value" in fields, fields.get("value")


def _apply_operation(rtype, document, op, path, has_value, value):
    """Dispatch one operation; a replace with an explicit null value removes."""
    if op == "remove" or (op == "replace" and has_value and value is None and path):
        return _remove_operation(rtype, document, path, value)
    if value is None:
        raise errors.InvalidValue(f"'{op}' requires a value.")
    if not path:
        return _pathless(rtype, document, op, value)
    urn = _schema_urn(rtype, path)
    if urn:
        return _schema_value(rtype, document, op, value, urn)
    _write(document, op, _target(rtype, path), value)


def _remove_operation(rtype, document, path, values):
    """RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with HTTP status
    code 400 and a "scimType" error code of "noTarget"."."""
    if not path:
        raise errors.NoTarget("RFC 7644 §3.5.2.2: 'remove' requires a path.")
    urn = _schema_urn(rtype, path)
    if urn == rtype.schema.id:
        raise errors.InvalidPath("The core schema cannot be removed.")
    if urn:
        document.pop(urn, None)
    else:
        _remove(document, _target(rtype, path), values)


def _pathless(rtype, document, op, value, prefix=None):
    """RFC 7644 §3.5.2.1/§3.5.2.3: with no path, "value" holds the attributes to add or replace.

    Each key is read as a path, so Entra ID's "name.givenName" and URN-qualified keys work;
    a key naming no writable attribute is ignored, as in a POST (Okta echoes "id").
    """
    if not isinstance(value, dict):
        raise errors.InvalidValue(f"Without a path, '{op}' needs an object of attributes.")
    for key, item in value.items():
        if not isinstance(key, str):
            continue
        path = f"{prefix}:{key}" if prefix else key
        urn = _schema_urn(rtype, path)
        if urn:
            _schema_value(rtype, document, op, item, urn)
        elif (target := _writable(rtype, path)) is not None:
            _write(document, op, target, item)


def _schema_value(rtype, document, op, value, urn):
    """Add or replace the attributes of one whole schema (a URN key or path)."""
    if value is None:
        if op == "replace" and urn != rtype.schema.id:
            document.pop(urn, None)
        return
    _pathless(rtype, document, op, value, None if urn == rtype.schema.id else urn)


def _writable(rtype, path):
    """The target of a pathless key, or None when it names nothing writable."""
    try:
        return _target(rtype, path)
    except (errors.InvalidPath, errors.Mutability):
        return None


def _schema_urn(rtype, path):
    """path as a schema URN of rtype when it names a whole schema, else None."""
    urn = normalize.canonical_urn(path)
    if urn and (urn == rtype.schema.id or rtype.extension(urn)):
        return urn
    return None


def _target(rtype, path):
    """Resolve a path (RFC 7644 §3.5.2 PATH rule, with errata 7122) to what it designates.

    RFC 7644 §3.5.2: "a client MUST NOT modify an attribute that has mutability
    "readOnly"" — an explicit path to one is a mutability error.
    """
    node = _parse(path)
    head = node.attr_path if isinstance(node, ValuePath) else node
    schema, attribute = rtype.attribute(head.attr, _schema_id(rtype, head.uri))
    if attribute is None:
        raise errors.InvalidPath(f"'{path}' names no attribute of a {rtype.name}.")
    sub_name = node.sub_attr if isinstance(node, ValuePath) else head.sub_attr
    sub = attribute.sub(sub_name) if sub_name else None
    if sub_name and sub is None:
        raise errors.InvalidPath(f"'{path}' names no sub-attribute of '{attribute.name}'.")
    if attribute.mutability == "readOnly" or (sub and sub.mutability == "readOnly"):
        raise errors.Mutability(f"'{path}' is read-only.")
    container = None if schema is rtype.schema or attribute in attributes.COMMON else schema.id
    return _Target(path, container, attribute, sub, *_selection(path, attribute, node, sub))


def _parse(path):
    """The scim2-models AST of path, a bare comparison read as a value selection."""
    try:
        node = Path(path).ast
    except Exception as error:  # InvalidPathException, or whatever else bad input provokes
        raise errors.InvalidPath(f"'{path}' is not a valid path: {error}") from None
    if node is None:
        raise errors.InvalidPath("An empty path names no attribute.")
    if isinstance(node, (Comparison, Present)):
        # Errata 7122: 'emails.type eq "work"' selects like 'emails[type eq "work"]'.
        inner = AttrPath(node.attr_path.sub_attr or "value")
        test = Present(inner) if isinstance(node, Present) else Comparison(inner, node.op, node.value)
        node = ValuePath(AttrPath(node.attr_path.attr, uri=node.attr_path.uri), test)
    return node


def _schema_id(rtype, uri):
    """The RFC URN for a path's URN prefix; the draft core URN means rtype's core schema."""
    if uri is None:
        return None
    urn = normalize.canonical_urn(uri)
    if urn is None and uri.lower() in constants.LEGACY_URNS:
        return rtype.schema.id
    return urn or uri


def _selection(path, attribute, node, sub):
    """(select, seed) for a value filter; 'emails.type' designates every entry's type."""
    if isinstance(node, ValuePath):
        if not attribute.multi_valued:
            raise errors.InvalidPath(f"'{path}': only a multi-valued attribute takes a filter.")
        return (value_filter.matcher(attribute, node.val_filter, errors.InvalidPath),
                value_filter.seed(attribute, node.val_filter))
    if sub and attribute.multi_valued:
        return _every, {}
    return None, None


def _every(entry):
    return True


def _holder(document, target):
    """The object holding target's attribute: the resource, or its extension's object."""
    if target.container is None:
        return document
    return document.setdefault(target.container, {})


def _write(document, op, target, value):
    """Add (RFC 7644 §3.5.2.1) or replace (§3.5.2.3) value at target."""
    holder = _holder(document, target)
    if target.attribute.multi_valued:
        _write_multi(holder, op, target, value)
    elif target.sub:
        _write_complex(holder, op, target.attribute, {target.sub.name: _unwrap(target.sub, value)})
    elif target.attribute.type == "complex":
        _write_complex(holder, op, target.attribute, _unwrap(target.attribute, value))
    else:
        _write_simple(holder, op, target.attribute, value)


def _write_simple(holder, op, attribute, value):
    """§3.5.2.1: "If the target location specifies a single-valued attribute, the existing
    value is replaced"; §3.5.2.3 likewise. An empty value replaces with nothing: removal."""
    cleaned = normalize.value_of(attribute, value)
    if cleaned is not None or op == "replace":
        _store(holder, attribute, cleaned)


def _write_complex(holder, op, attribute, value):
    """§3.5.2.1/§3.5.2.3: a complex value merges; "Sub-attributes that are not specified in
    the "value" parameter are left unchanged"."""
    if not isinstance(value, dict):
        value = normalize.value_of(attribute, value)  # Entra ID: manager as a bare id, or ""
        if value is None:
            if op == "replace":
                _store(holder, attribute, None)
            return
    _store(holder, attribute, _valued(attribute, _merged(attribute, holder.get(attribute.name), value)))


def _write_multi(holder, op, target, value):
    """§3.5.2.1: "If the target location specifies a multi-valued attribute, a new value is
    added to the attribute"; §3.5.2.3: "If the target location is a multi-valued attribute
    and no filter is specified, the attribute and all values are replaced"."""
    attribute = target.attribute
    entries = list(holder.get(attribute.name) or [])
    if target.select is None:
        new = normalize.value_of(attribute, value) or []
        entries, touched = _append(attribute, [] if op == "replace" else entries, new)
    else:
        entries, touched = _write_selected(op, target, entries, value)
    _store(holder, attribute, _settled(attribute, entries, touched))


def _write_selected(op, target, entries, value):
    """§3.5.2.3: with a value filter, "all matching record values SHALL be replaced" (the
    given sub-attributes merge into each); matching none is "noTarget".

    Entra ID instead expects ``emails[type eq "work"].value`` to create the work email it
    names when there is none, so a filtered path with a sub-attribute, or an add, creates
    the entry the filter's ``eq`` terms describe.
    """
    attribute, sub = target.attribute, target.sub
    update = {sub.name: _unwrap(sub, value)} if sub else _unwrap(attribute, value)
    matched = [index for index, entry in enumerate(entries) if target.select(entry)]
    for index in matched:
        entries[index] = _merged(attribute, entries[index], update)
    if matched or not _coerce_entry(attribute, update):
        return entries, set(matched)
    if target.seed is None or (op == "replace" and not sub):
        raise errors.NoTarget(f"RFC 7644 §3.5.2.3: '{target.path}' matches no value.")
    return _append(attribute, entries, [_merged(attribute, target.seed, update)])


def _remove(document, target, values=None):
    """§3.5.2.2: remove the attribute, a sub-attribute, or the values a filter matches.

    "If the target location is a multi-valued attribute and a complex filter is specified
    ..., the matching records are removed"; a filter matching nothing removes nothing and
    succeeds, since IdPs retry removals (a member Okta removes twice is simply gone).
    Entra ID (without aadOptscim062020) removes members with path "members" and
    ``"value": [{"value": id}]``: only the values listed go, never all of them.
    """
    attribute = target.attribute
    if not attribute.multi_valued or target.sub or (target.select is None and values is None):
        return _write(document, "replace", target, None)
    holder = _holder(document, target)
    drop = target.select or value_filter.any_of(attribute, values)
    _store(holder, attribute, [entry for entry in holder.get(attribute.name) or [] if not drop(entry)])


def _append(attribute, entries, new):
    """§3.5.2.1: add each new value unless an equal one is there ("no changes SHOULD be
    made"; its given sub-attributes merge). O(n): an index of identities, no rescans."""
    index = {value_filter.identity(attribute, entry): position for position, entry in enumerate(entries)}
    touched = set()
    for entry in new:
        key = value_filter.identity(attribute, entry)
        if key in index:
            entries[index[key]] = _merged(attribute, entries[index[key]], entry)
        else:
            index[key] = len(entries)
            entries.append(entry)
        touched.add(index[key])
    return entries, touched


def _merged(attribute, entry, value):
    """entry with value's sub-attributes set, equal ones (per caseExact) kept as they were;
    one given as null or "" is cleared (Entra ID)."""
    result = dict(entry or {})
    cleaned = _coerce_entry(attribute, value) or {}
    for key in value if isinstance(value, dict) else ():
        sub = attribute.sub(key) if isinstance(key, str) else None
        if sub is not None and sub.name not in cleaned:
            _check_change(sub, result.pop(sub.name, None), None)
    for name, item in cleaned.items():
        sub = attribute.sub(name)
        if value_filter.comparable(sub, result.get(name)) != value_filter.comparable(sub, item):
            _check_change(sub, result.get(name), item)
            result[name] = item
    return result


def _coerce_entry(attribute, value):
    """One complex value coerced by normalize (a bare string becomes {"value": ...})."""
    cleaned = normalize.value_of(attribute, value)
    return cleaned[0] if isinstance(cleaned, list) else cleaned


def _check_change(sub, old, new):
    """A change of sub from old to new. RFC 7644 §3.5.2: "a client MAY "add" a value to an
    "immutable" attribute if the attribute had no previous value"; unassigning a required
    one is "mutability" (§3.5.2.2)."""
    if sub.mutability == "immutable" and old is not None:
        raise errors.Mutability(f"'{sub.name}' is immutable.")
    if sub.required and new is None:
        raise errors.Mutability(f"'{sub.name}' is required.")


def _settled(attribute, entries, touched):
    """Entries after a write: no written entry left without its "value" (RFC 7643 §2.4: the
    significant value; Entra ID clears an email with ""), and one primary at most."""
    valued = attribute.sub("value") is not None
    kept = [(index in touched, entry) for index, entry in enumerate(entries)
            if not valued or index not in touched or "value" in entry]
    if sum(1 for written, entry in kept if written and entry.get("primary") is True) > 1:
        raise errors.InvalidValue(f"Only one '{attribute.name}' value may be primary (RFC 7643 §2.4).")
    if not any(written and entry.get("primary") is True for written, entry in kept):
        return [entry for _, entry in kept]
    # RFC 7644 §3.5.2: a value set primary "SHALL cause the server to automatically set
    # "primary" to "false" for any other values in the array".
    return [{**entry, "primary": False} if not written and entry.get("primary") is True else entry
            for written, entry in kept]


def _valued(attribute, entry):
    """entry, or None when its attribute has a "value" and entry lost it (a cleared manager)."""
    return None if attribute.sub("value") and "value" not in entry else entry


def _store(holder, attribute, value):
    """Set attribute in holder; an empty value unassigns it. RFC 7644 §3.5.2.2: "If an
    attribute is removed or becomes unassigned and is defined as a required attribute
    ..., the server SHALL return ... a "scimType" error code of "mutability"."."""
    if _empty(value):
        if attribute.required:
            raise errors.Mutability(f"'{attribute.name}' is required and cannot be removed.")
        holder.pop(attribute.name, None)
    else:
        holder[attribute.name] = value


def _unwrap(attribute, value):
    """A single value; several clients send a one-element list for one."""
    if not isinstance(value, list):
        return value
    if len(value) > 1:
        raise errors.InvalidValue(f"'{attribute.name}' takes a single value here.")
    return value[0] if value else None


def _prune(value):
    """A fresh copy of value without nulls, empty objects and empty arrays (unassigned
    attributes are absent), sharing nothing with the input document."""
    if isinstance(value, dict):
        pruned = ((key, _prune(item)) for key, item in value.items())
        return {key: item for key, item in pruned if not _empty(item)}
    if isinstance(value, list):
        return [item for item in map(_prune, value) if not _empty(item)]
    return value


def _empty(value):
    return value is None or value == [] or value == {}
