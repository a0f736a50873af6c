"""Whole-resource checks after canonicalization: required attributes and schemas."""

from . import errors, normalize


def inbound(rtype, body):
    """A canonical document from a POST/PUT body, with its required attributes present."""
    if not isinstance(body, dict):
        raise errors.InvalidSyntax("The request body must be a JSON object.")
    _check_schemas(rtype, body)
    doc = normalize.resource(rtype, body)
    require(rtype, doc)
    return doc


def require(rtype, doc):
    """RFC 7643 §2.2: every required attribute of the core schema has a value."""
    for attribute in rtype.schema.attributes:
        if attribute.required and doc.get(attribute.name) in (None, "", []):
            raise errors.InvalidValue(f"'{attribute.name}' is required.")


def _check_schemas(rtype, body):
    """Missing schemas are tolerated (several IdPs omit them); a wrong resource type is not."""
    schemas = next((value for key, value in body.items() if key.lower() == "schemas"), None)
    if schemas is None:
        return
    if isinstance(schemas, str):
        schemas = [schemas]
    if not isinstance(schemas, list) or not all(isinstance(each, str) for each in schemas):
        raise errors.InvalidSyntax("'schemas' must be a list of schema URNs.")
    known = {normalize.canonical_urn(each) for each in schemas} - {None}
    foreign = {urn for urn in known if urn not in {schema.id for schema in rtype.schemas}}
    if foreign and not known - foreign:
        raise errors.InvalidSyntax(f"This endpoint takes {rtype.schema.id} resources, not {sorted(foreign)[0]}.")
