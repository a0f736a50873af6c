"""Canonical SCIM User documents to and from User/UserValue rows."""

from scim import constants

ENTERPRISE = constants.ENTERPRISE_USER

# SCIM attribute -> User column, for single-valued simple attributes.
SIMPLE = {
    "userName": "user_name", "externalId": "external_id", "displayName": "display_name",
    "nickName": "nick_name", "profileUrl": "profile_url", "title": "title", "userType": "user_type",
    "preferredLanguage": "preferred_language", "locale": "locale", "timezone": "timezone",
}
NAME = {
    "formatted": "name_formatted", "familyName": "name_family", "givenName": "name_given",
    "middleName": "name_middle", "honorificPrefix": "name_prefix", "honorificSuffix": "name_suffix",
}
ENTERPRISE_SIMPLE = {
    "employeeNumber": "employee_number", "costCenter": "cost_center", "organization": "organization",
    "division": "division", "department": "department",
}
_SIMPLE_PAIRS = tuple(SIMPLE.items())
MULTI = ("emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates")
ADDRESS = {
    "formatted": "formatted", "streetAddress": "street_address", "locality": "locality",
    "region": "region", "postalCode": "postal_code", "country": "country",
}


def columns(doc):
    """The User column values a canonical document sets (absent attributes become NULL)."""
    row = {column: doc.get(name) for name, column in SIMPLE.items()}
    row["user_name_lower"] = doc["userName"].lower()
    row["active"] = doc.get("active")
    name = doc.get("name") or {}
    row.update({column: name.get(key) for key, column in NAME.items()})
    enterprise = doc.get(ENTERPRISE) or {}
    row.update({column: enterprise.get(key) for key, column in ENTERPRISE_SIMPLE.items()})
    manager = enterprise.get("manager") or {}
    row["manager_id"] = manager.get("value")
    row["manager_ref"] = manager.get("$ref")
    return row


def value_rows(doc):
    """UserValue field dicts for every multi-valued entry of the document."""
    rows = []
    for attribute in MULTI:
        for position, entry in enumerate(doc.get(attribute) or ()):
            rows.append(_value_row(attribute, position, entry))
    return rows


def _value_row(attribute, position, entry):
    value = entry.get("value")
    row = {
        "attribute": attribute, "position": position, "value": value,
        "value_lower": value.lower()[:255] if isinstance(value, str) else None,
        "display": entry.get("display"), "type": entry.get("type"),
        "primary": entry.get("primary"),
    }
    # Every row carries every column: a multi-row INSERT takes its columns from the first row.
    row.update({column: entry.get(key) if attribute == "addresses" else None for key, column in ADDRESS.items()})
    return row


def document(user, values=(), groups=None):
    """The canonical document of a User row, its UserValue rows and (optionally) its groups."""
    doc = {"id": user.id}
    for name, column in _SIMPLE_PAIRS:
        value = getattr(user, column)
        if value:  # strings: None and "" are absent
            doc[name] = value
    if user.active is not None:
        doc["active"] = user.active
    _put(doc, "name", _sub(user, NAME))
    for entry in values:
        doc.setdefault(entry.attribute, []).append(_entry(entry))
    enterprise = _sub(user, ENTERPRISE_SIMPLE)
    if user.manager_id:
        enterprise["manager"] = {"value": user.manager_id}
    _put(doc, ENTERPRISE, enterprise)
    if groups is not None:
        _put(doc, "groups", [{"value": gid, "display": name, "type": "direct"} for gid, name in groups])
    doc["meta"] = meta("User", user)
    return doc


def meta(resource_type, row):
    """RFC 7643 §3.1 meta, without location (the HTTP layer knows the base URL)."""
    return {
        "resourceType": resource_type,
        "created": timestamp(row.created),
        "lastModified": timestamp(row.last_modified),
        "version": f'W/"{row.version}"',
    }


def timestamp(value):
    """An xsd:dateTime in UTC with millisecond precision."""
    return value.isoformat(timespec="milliseconds") + "Z"  # half strftime's cost, twice per row of a page


def _entry(row):
    entry = {"value": row.value, "display": row.display, "type": row.type, "primary": row.primary}
    if row.attribute == "addresses":
        entry.update({key: getattr(row, column) for key, column in ADDRESS.items()})
        del entry["value"]
    return {key: value for key, value in entry.items() if value is not None}


def _sub(row, mapping):
    return {name: getattr(row, column) for name, column in mapping.items() if getattr(row, column) is not None}


def _put(target, key, value):
    if value not in (None, "", [], {}):
        target[key] = value
