"""RFC 7644 §3.9 attributes / excludedAttributes, with RFC 7643 §7 `returned` rules."""

from . import attributes, errors


def parse(rtype, raw):
    """A set of (schema URN, attribute, sub-attribute or None) from a comma-separated list."""
    if raw is None:
        return None
    if isinstance(raw, list):
        raw = ",".join(str(each) for each in raw)
    if not isinstance(raw, str):
        raise errors.InvalidValue("attributes must be a comma-separated string or a list.")
    selected = set()
    for name in filter(None, (part.strip() for part in raw.split(","))):
        resolved = _resolve(rtype, name)
        if resolved:
            selected.add(resolved)
    return selected


def _resolve(rtype, name):
    """Unknown names are ignored: the RFC gives them no error and IdPs send extras."""
    urn = None
    if name.lower().startswith("urn:"):
        head, _, tail = name.rpartition(":")
        if rtype.extension(name) or rtype.schema.id.lower() == name.lower():
            return (_schema_id(rtype, name), None, None)
        urn, name = head, tail
    attr, _, sub = name.partition(".")
    schema, attribute = rtype.attribute(attr, urn)
    if attribute is None:
        return None
    sub_attribute = attribute.sub(sub) if sub else None
    schema_id = schema.id if schema is not rtype.schema and attribute.name not in ("id", "externalId", "meta") else None
    return (schema_id, attribute.name, sub_attribute.name if sub_attribute else None)


def _schema_id(rtype, urn):
    return next(schema.id for schema in rtype.schemas if schema.id.lower() == urn.lower())


def needs(rtype, attribute, include, exclude):
    """Whether a response must carry the (core) attribute, so the store can skip loading it."""
    _, definition = rtype.attribute(attribute)
    if include is not None:
        return any(name == attribute for _, name, _ in include)
    if exclude is not None and (None, attribute, None) in exclude:
        return False
    return definition.returned != "request"


def apply(rtype, doc, include=None, exclude=None):
    """The document as the response must show it."""
    if include is None and exclude is None and _shown_as_is(rtype, doc):
        return doc  # most responses: nothing to leave out, and 10,000 members need not be walked
    result = {}
    for key, value in doc.items():
        if key == "schemas":
            result[key] = value
            continue
        schema = rtype.extension(key) if key.startswith("urn:") else None
        if schema is not None:
            kept = _apply_schema(rtype, schema, value, include, exclude)
            if kept:
                result[key] = kept
            continue
        kept = _apply_attribute(rtype, None, key, value, include, exclude)
        if kept is not None:
            result[key] = kept
    return result


def _shown_as_is(rtype, doc):
    """Whether the default projection keeps every attribute of doc whole."""
    plain = _PLAIN.get(rtype.name)
    if plain is None:
        plain = _PLAIN[rtype.name] = _plain_names(rtype)
    return all(key in plain and (not isinstance(value, dict) or not key.startswith("urn:") or value.keys() <= plain[key])
               for key, value in doc.items())


_PLAIN = {}


def _plain_names(rtype):
    """{top-level key: its extension's plain attribute names (or True)} of attributes shown whole by default."""
    def plain(attribute):
        return attribute.returned in ("default", "always") and all(
            sub.returned in ("default", "always") for sub in attribute.sub_attributes)

    names = {"schemas": True}
    for schema in rtype.schemas:
        shown = {attribute.name for attribute in schema.attributes if plain(attribute)}
        if schema is rtype.schema:
            names.update(dict.fromkeys(shown, True))
        else:
            names[schema.id] = shown
    names.update({attribute.name: True for attribute in attributes.COMMON if plain(attribute)})
    return names


def _apply_schema(rtype, schema, values, include, exclude):
    if include is not None and (schema.id, None, None) in include:
        include = None
    if exclude is not None and (schema.id, None, None) in exclude:
        return {}
    return {key: kept for key, value in values.items()
            if (kept := _apply_attribute(rtype, schema.id, key, value, include, exclude)) is not None}


def _apply_attribute(rtype, urn, name, value, include, exclude):
    _, attribute = rtype.attribute(name, urn)
    if attribute is None or attribute.returned == "never":
        return None
    if attribute.returned == "always":
        return value
    if include is not None:
        return _included(urn, attribute, value, include)
    if attribute.returned == "request":
        return None
    if exclude is not None:
        return _excluded(urn, attribute, value, exclude)
    return value


def _included(urn, attribute, value, include):
    if (urn, attribute.name, None) in include:
        return value
    subs = {sub for schema, name, sub in include if schema == urn and name == attribute.name and sub}
    if not subs:
        return None
    keep = {sub.lower() for sub in subs} | {s.name.lower() for s in attribute.sub_attributes if s.returned == "always"}
    return _filter_subs(value, lambda key: key.lower() in keep)


def _excluded(urn, attribute, value, exclude):
    if (urn, attribute.name, None) in exclude:
        return None
    subs = {sub.lower() for schema, name, sub in exclude if schema == urn and name == attribute.name and sub}
    if not subs:
        return value
    return _filter_subs(value, lambda key: key.lower() not in subs)


def _filter_subs(value, keep):
    if isinstance(value, list):
        kept = [{k: v for k, v in item.items() if keep(k)} for item in value if isinstance(item, dict)]
        return [item for item in kept if item] or None
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if keep(k)} or None
    return value
