"""Inbound resources to one canonical form: attribute names as RFC 7643 spells them,
values of the declared type, extensions nested under their URN, unknown attributes gone.

Tolerances (each from a real IdP):
- attribute names and URNs are case-insensitive (RFC 7643 §2.1);
- OneLogin sends the draft URNs ``urn:scim:schemas:core:2.0`` and
  ``urn:scim:schemas:extension:enterprise:2.0``;
- Entra ID (without aadOptscim062020) sends booleans as the strings "True"/"False";
- Entra ID (with the flag) sends dotted and URN-qualified keys in a pathless PATCH value;
- Entra ID sends ``manager`` as a bare string and clears values with "" or null;
- several clients send a one-element list for a single value, or a scalar for a list.
"""

from datetime import datetime

from marshmallow import ValidationError, fields

from . import constants, errors

_FIELDS = {
    "string": fields.String(),
    "reference": fields.String(),
    "binary": fields.String(),
    "integer": fields.Integer(strict=True),
    "decimal": fields.Float(allow_nan=False),
}


def canonical_urn(urn):
    """The RFC URN for urn, mapping the draft URNs; None when it is no known schema."""
    lowered = urn.lower()
    if lowered in constants.LEGACY_URNS:
        return constants.LEGACY_URNS[lowered]
    for known in (constants.USER, constants.GROUP, constants.ENTERPRISE_USER):
        if known.lower() == lowered:
            return known
    return None


def split_urn_key(key):
    """Split 'urn:...:User:employeeNumber' into (schema URN, 'employeeNumber'); else (None, key)."""
    if not key.lower().startswith("urn:"):
        return None, key
    if canonical_urn(key) is not None:
        return canonical_urn(key), None
    head, _, tail = key.rpartition(":")
    urn = canonical_urn(head)
    if urn is None:
        return key, None
    return urn, tail


def resource(rtype, body, *, keep_read_only=False):
    """Canonicalize a whole inbound resource of rtype; read-only attributes are dropped."""
    if not isinstance(body, dict):
        raise errors.InvalidSyntax("The resource must be a JSON object.")
    result = {}
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() == "schemas":
            continue
        _merge_key(rtype, result, key, value, keep_read_only)
    return _without_unassigned(result)


def _without_unassigned(doc):
    """Unassigned attributes are absent, never null (extensions included)."""
    cleaned = {}
    for key, value in doc.items():
        if isinstance(value, dict) and key.startswith("urn:"):
            value = _without_unassigned(value) or None
        if value is not None:
            cleaned[key] = value
    return cleaned


def _merge_key(rtype, result, key, value, keep_read_only):
    """Place one top-level key (plain, dotted or URN-qualified) into result."""
    urn, name = split_urn_key(key)
    if urn is not None and name is None:
        schema = rtype.extension(urn) if urn != rtype.schema.id else rtype.schema
        if schema is None or value is None:
            return
        if not isinstance(value, dict):
            raise errors.InvalidSyntax(f"'{key}' must be a JSON object.")
        for sub_key, sub_value in value.items():
            _merge_key(rtype, result, f"{schema.id}:{sub_key}", sub_value, keep_read_only)
        return
    head, _, sub = name.partition(".")
    schema, attribute = rtype.attribute(head, urn)
    if attribute is None or (attribute.mutability == "readOnly" and not keep_read_only):
        return
    if sub:
        sub_attribute = attribute.sub(sub)
        if sub_attribute is None or attribute.multi_valued:
            return
        value = {sub_attribute.name: value}
    target = result if schema is rtype.schema or schema is None else result.setdefault(schema.id, {})
    cleaned = value_of(attribute, value)
    if sub and isinstance(target.get(attribute.name), dict):
        if cleaned is not None:
            target[attribute.name] = {**target[attribute.name], **cleaned}
        return
    target[attribute.name] = cleaned


def value_of(attribute, value):
    """Coerce value to attribute's declared type; None means unassigned."""
    if value is None:
        return None
    if attribute.multi_valued:
        items = value if isinstance(value, list) else [value]
        cleaned = [_single(attribute, item) for item in items]
        return [item for item in cleaned if item is not None] or None
    if isinstance(value, list):
        if len(value) > 1:
            raise errors.InvalidValue(f"'{attribute.name}' is single-valued.")
        value = value[0] if value else None
    return _single(attribute, value)


def _single(attribute, value):
    if value is None:
        return None
    if attribute.type == "complex":
        return _complex(attribute, value)
    return scalar(attribute, value)


def _complex(attribute, value):
    if not isinstance(value, dict):
        # Entra ID sends manager as a bare id string.
        if isinstance(value, str) and not attribute.multi_valued and attribute.sub("value"):
            value = {"value": value}
        else:
            raise errors.InvalidValue(f"'{attribute.name}' must be a JSON object.")
    result = {}
    for key, sub_value in value.items():
        sub = _sub_attribute(attribute, key)
        if sub is None:
            continue
        cleaned = scalar(sub, sub_value, parent=attribute.name)
        if cleaned is not None:
            result[sub.name] = cleaned
    return result or None


def _sub_attribute(attribute, key):
    """The sub-attribute key names; Microsoft's SCIM validator sends members as {"displayName", "value"}."""
    if not isinstance(key, str):
        return None
    found = attribute.sub(key)
    if found is None and key.lower() == "displayname":
        found = attribute.sub("display")
    return found


def scalar(attribute, value, parent=None):
    """Coerce one simple value; raises InvalidValue naming the attribute."""
    label = f"{parent}.{attribute.name}" if parent else attribute.name
    if value is None:
        return None
    if attribute.type == "boolean":
        return _boolean(label, value)
    if attribute.type == "dateTime":
        return _datetime(label, value)
    if isinstance(value, (dict, list)) or (attribute.type == "string" and isinstance(value, bool)):
        raise errors.InvalidValue(f"'{label}' must be a {attribute.type}.")
    try:
        cleaned = _FIELDS[attribute.type].deserialize(value)
    except ValidationError:
        raise errors.InvalidValue(f"'{label}' must be a {attribute.type}.") from None
    if isinstance(cleaned, str):
        return _text(label, attribute, cleaned)
    return cleaned


def _text(label, attribute, value):
    """"" is unassigned; over-long or unstorable text (NUL, lone surrogates) is refused."""
    if value == "":
        return None
    # .lower() can lengthen text ('İ' becomes two characters) and the store keeps lowered copies.
    if len(value) > attribute.max_length or len(value.lower()) > attribute.max_length:
        raise errors.InvalidValue(f"'{label}' is longer than {attribute.max_length} characters.")
    if "\x00" in value or not _encodable(value):
        raise errors.InvalidValue(f"'{label}' contains characters that cannot be stored.")
    return value


def _encodable(value):
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _boolean(label, value):
    """Entra ID (without aadOptscim062020) sends "True"/"False" strings."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise errors.InvalidValue(f"'{label}' must be a boolean.")


def _datetime(label, value):
    if not isinstance(value, str):
        raise errors.InvalidValue(f"'{label}' must be a dateTime string.")
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise errors.InvalidValue(f"'{label}' must be an xsd:dateTime.") from None
    return value
