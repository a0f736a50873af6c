"""Where each filterable SCIM attribute lives in SQL: the map that filters and sortBy resolve through."""

import re
from dataclasses import dataclass, replace

from peewee import SQL, Cast, NodeList, Value

from models import Group, Membership, User, UserValue
from scim import attributes, constants, errors, normalize


@dataclass(frozen=True)
class Column:
    """An SQL expression holding one attribute's value, and how to compare it."""

    expr: object
    attribute: attributes.Attribute = None
    lowered: bool = False  # the column stores value.lower() (userName, a group's displayName)
    index: object = None  # an indexed value.lower()[:max_length] twin of expr, used by eq
    kind: str = ""  # overrides attribute.type: "version" is an integer shown as W/"n"

    @property
    def type(self):
        """The attribute type comparisons follow."""
        return self.kind or self.attribute.type

    @property
    def case_exact(self):
        """RFC 7643 §2.2: strings compare case-insensitively unless caseExact."""
        return self.attribute.case_exact


@dataclass(frozen=True)
class Rows:
    """The entries of a multi-valued attribute: a correlated SELECT and the entry columns."""

    query: object  # SELECT 1 FROM <entries> WHERE <entry belongs to the outer resource>
    columns: dict  # canonical sub-attribute name -> Column
    first: tuple  # RFC 7644 §3.4.2.3: the ordering that puts the primary (else first) entry first


@dataclass(frozen=True)
class Target:
    """What an attribute path names, as the compiler needs it."""

    attribute: attributes.Attribute  # the top-level attribute the path starts at
    column: Column = None  # the compared value (None: a multi-valued attribute itself)
    rows: Rows = None  # set when the column lives in the entries of a multi-valued attribute
    parts: tuple = ()  # a complex attribute named without sub-attribute: its Columns, for pr
    urns: tuple = ()  # `schemas`: (Column of a constant URN, SQL guard) pairs


def _constant(text):
    return Cast(Value(text), "TEXT")


def _snake(name):
    return re.sub("([A-Z])", r"_\1", name).lower()


def _meta(model, resource_type):
    return {
        ("meta", "created"): Column(model.created),
        ("meta", "lastModified"): Column(model.last_modified),
        ("meta", "version"): Column(model.version, kind="version"),
        ("meta", "resourceType"): Column(_constant(resource_type)),
    }


_SIMPLE = ("displayName", "nickName", "profileUrl", "title", "userType", "preferredLanguage",
           "locale", "timezone", "active", "employeeNumber", "costCenter", "organization",
           "division", "department")
_NAME = {"formatted": User.name_formatted, "familyName": User.name_family, "givenName": User.name_given,
         "middleName": User.name_middle, "honorificPrefix": User.name_prefix,
         "honorificSuffix": User.name_suffix}

USER_COLUMNS = {
    ("id", None): Column(User.id),
    ("externalId", None): Column(User.external_id),
    ("userName", None): Column(User.user_name_lower, lowered=True),
    **{(name, None): Column(getattr(User, _snake(name))) for name in _SIMPLE},
    **{("name", sub): Column(column) for sub, column in _NAME.items()},
    ("manager", "value"): Column(User.manager_id),
    ("manager", "$ref"): Column(User.manager_ref),
    # Not stored: the server derives no manager name, so it is never present.
    ("manager", "displayName"): Column(Cast(Value(None), "TEXT")),
    **_meta(User, "User"),
}
GROUP_COLUMNS = {
    ("id", None): Column(Group.id),
    ("externalId", None): Column(Group.external_id),
    ("displayName", None): Column(Group.display_name_lower, lowered=True),
    **_meta(Group, "Group"),
}

_ENTRY_COLUMNS = {
    "value": Column(UserValue.value, index=UserValue.value_lower),
    "display": Column(UserValue.display),
    "type": Column(UserValue.type),
    "primary": Column(UserValue.primary),
    **{sub: Column(getattr(UserValue, _snake(sub)))
       for sub in ("formatted", "streetAddress", "locality", "region", "postalCode", "country")},
}


def _user_values(name):
    query = UserValue.select(SQL("1")).where((UserValue.user == User.id) & (UserValue.attribute == name))
    return Rows(query, _ENTRY_COLUMNS, (UserValue.primary.desc(), UserValue.position))


_USER_GROUPS = Rows(
    Membership.select(SQL("1")).join(Group, on=(Membership.group == Group.id))
    .where((Membership.member_id == User.id) & (Membership.member_type == "User")),
    {"value": Column(Membership.group), "display": Column(Group.display_name_lower, lowered=True),
     "type": Column(_constant("direct"))},  # only direct memberships are stored
    (Group.display_name_lower, Membership.group),
)
_GROUP_MEMBERS = Rows(
    Membership.select(SQL("1")).where(Membership.group == Group.id),
    {"value": Column(Membership.member_id), "type": Column(Membership.member_type),
     "display": Column(Membership.display)},
    (Membership.member_id,),
)
ROWS = {
    "User": {**{name: _user_values(name) for name in (
        "emails", "phoneNumbers", "ims", "photos", "addresses", "entitlements", "roles", "x509Certificates")},
        "groups": _USER_GROUPS},
    "Group": {"members": _GROUP_MEMBERS},
}
COLUMNS = {"User": USER_COLUMNS, "Group": GROUP_COLUMNS}

# The documents carry the enterprise URN in `schemas` only when they carry an enterprise attribute
# (store.resources.user_rows.document), so `schemas eq "...enterprise..."` asks exactly that.
_HAS_ENTERPRISE = NodeList(
    [User.manager_id.is_null(False) & (User.manager_id != "")]
    + [getattr(User, _snake(name)).is_null(False)
       for name in ("employeeNumber", "costCenter", "organization", "division", "department")],
    glue=" OR ", parens=True)
_TRUE = SQL("(1 = 1)")
_SCHEMAS_ATTRIBUTE = attributes.Attribute("schemas", multi_valued=True, case_exact=False)
SCHEMAS = {
    "User": ((_constant(constants.USER), _TRUE), (_constant(constants.ENTERPRISE_USER), _HAS_ENTERPRISE)),
    "Group": ((_constant(constants.GROUP), _TRUE),),
}


def resolve(resource_type, path, *, comparison=False):
    """Resolve a filter's or sortBy's AttrPath to a Target; anything unfilterable is InvalidFilter.

    RFC 7644 §3.4.2.2: a comparison with a multi-valued complex attribute compares its `value`.
    """
    if path.attr.lower() == "schemas" and not path.uri and not path.sub_attr:
        return Target(_SCHEMAS_ATTRIBUTE, urns=tuple(
            (Column(urn, _SCHEMAS_ATTRIBUTE), guard) for urn, guard in SCHEMAS[resource_type]))
    attribute = _attribute(resource_type, path)
    sub = _sub_attribute(attribute, path, comparison)
    rows = ROWS[resource_type].get(attribute.name)
    if rows is not None:
        return Target(attribute, _column(rows.columns.get(sub and sub.name), sub, path), rows)
    if sub is None and attribute.type == "complex":
        keys = [(attribute.name, each.name) for each in attribute.sub_attributes]
        columns = COLUMNS[resource_type]
        return Target(attribute, parts=tuple(
            replace(columns[key], attribute=attribute.sub(key[1])) for key in keys if key in columns))
    key = (attribute.name, sub and sub.name)
    return Target(attribute, _column(COLUMNS[resource_type].get(key), sub or attribute, path))


def resolve_entry(target, path):
    """Resolve an attribute named inside a value path, e.g. `type` in emails[type eq "work"]."""
    if path.uri or path.sub_attr:
        raise errors.InvalidFilter(
            f"'{path}' inside {target.attribute.name}[...]: name a sub-attribute of {target.attribute.name}.")
    sub = target.attribute.sub(path.attr)
    if sub is None:
        raise errors.InvalidFilter(f"'{target.attribute.name}' has no sub-attribute '{path.attr}'.")
    return Target(sub, _column(target.rows.columns.get(sub.name), sub, path))


def _attribute(resource_type, path):
    urn = None
    if path.uri:
        urn = normalize.canonical_urn(path.uri)  # None too for OneLogin's urn:scim:schemas:core:2.0
        if urn is None and path.uri.lower() not in constants.LEGACY_URNS:
            raise errors.InvalidFilter(f"Unknown schema '{path.uri}' in '{path}'.")
    _, attribute = attributes.RESOURCE_TYPES[resource_type].attribute(path.attr, urn)
    if attribute is None:
        raise errors.InvalidFilter(f"Unknown attribute '{path}' for a {resource_type}.")
    if attribute.returned == "never":
        raise errors.InvalidFilter(f"'{attribute.name}' is never returned, so it cannot be filtered on.")
    return attribute


def _sub_attribute(attribute, path, comparison):
    if path.sub_attr:
        sub = attribute.sub(path.sub_attr)
        if sub is None:
            raise errors.InvalidFilter(f"'{attribute.name}' has no sub-attribute '{path.sub_attr}'.")
        return sub
    if comparison and attribute.type == "complex":
        if attribute.multi_valued and attribute.sub("value"):
            return attribute.sub("value")
        raise errors.InvalidFilter(f"'{path}' is complex: name one of its sub-attributes.")
    return None


def _column(column, definition, path):
    if column is None and definition is not None:
        raise errors.InvalidFilter(f"'{path}' cannot be filtered or sorted on.")
    return column and replace(column, attribute=definition)
