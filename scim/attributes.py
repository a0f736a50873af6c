"""RFC 7643 attribute definitions: the one source for /Schemas, validation, filters and PATCH."""

from dataclasses import dataclass, field

from . import constants


@dataclass(frozen=True)
class Attribute:
    """RFC 7643 §7: one attribute and its characteristics."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    sub_attributes: tuple = ()
    canonical_values: tuple = ()
    reference_types: tuple = ()
    description: str = ""
    max_length: int = 255  # characters; the store's column holds this many

    def sub(self, name):
        """The sub-attribute called name (case-insensitively), or None."""
        lowered = name.lower()
        for attribute in self.sub_attributes:
            if attribute.name.lower() == lowered:
                return attribute
        return None

    def to_dict(self):
        """RFC 7643 §7: the attribute as the Schema resource shows it."""
        body = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description or self.name,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        }
        if self.sub_attributes:
            body["subAttributes"] = [each.to_dict() for each in self.sub_attributes]
        if self.canonical_values:
            body["canonicalValues"] = list(self.canonical_values)
        if self.reference_types:
            body["referenceTypes"] = list(self.reference_types)
        return body


@dataclass(frozen=True)
class Schema:
    """RFC 7643 §7: a schema URN with its attributes."""

    id: str
    name: str
    description: str
    attributes: tuple = field(default_factory=tuple)

    def attribute(self, name):
        """The top-level attribute called name (case-insensitively), or None."""
        lowered = name.lower()
        for attribute in self.attributes:
            if attribute.name.lower() == lowered:
                return attribute
        return None


def _multi(name, value_type="string", types=(), extra=(), description="", value_required=False,
           case_exact=False, reference_types=(), max_length=1024):
    """A multi-valued complex attribute with RFC 7643's value/display/type/primary."""
    subs = (
        Attribute("value", value_type, required=value_required, case_exact=case_exact,
                  reference_types=reference_types, max_length=max_length),
        Attribute("display"),
        Attribute("type", canonical_values=types),
        Attribute("primary", "boolean"),
    ) + tuple(extra)
    return Attribute(name, "complex", multi_valued=True, sub_attributes=subs, description=description)


_ID = Attribute("id", case_exact=True, mutability="readOnly", returned="always", uniqueness="server",
                description="Unique identifier assigned by the service provider.")
_EXTERNAL_ID = Attribute("externalId", case_exact=True,
                         description="Identifier of the resource as defined by the provisioning client.")
_META = Attribute(
    "meta", "complex", mutability="readOnly", description="Resource metadata.",
    sub_attributes=(
        Attribute("resourceType", case_exact=True, mutability="readOnly"),
        Attribute("created", "dateTime", mutability="readOnly"),
        Attribute("lastModified", "dateTime", mutability="readOnly"),
        Attribute("location", "reference", case_exact=True, mutability="readOnly", reference_types=("uri",)),
        Attribute("version", case_exact=True, mutability="readOnly"),
    ),
)
COMMON = (_ID, _EXTERNAL_ID, _META)

_ADDRESS_PARTS = (
    Attribute("formatted", max_length=1024), Attribute("streetAddress", max_length=1024), Attribute("locality"),
    Attribute("region"), Attribute("postalCode"), Attribute("country"),
)

USER = Schema(constants.USER, "User", "User Account", (
    Attribute("userName", required=True, uniqueness="server",
              description="Unique identifier for the User, used to sign in."),
    Attribute("name", "complex", description="The components of the user's real name.", sub_attributes=(
        Attribute("formatted", max_length=1024), Attribute("familyName"), Attribute("givenName"),
        Attribute("middleName"), Attribute("honorificPrefix"), Attribute("honorificSuffix"),
    )),
    Attribute("displayName"),
    Attribute("nickName"),
    Attribute("profileUrl", "reference", reference_types=("external",), max_length=1024),
    Attribute("title"),
    Attribute("userType"),
    Attribute("preferredLanguage"),
    Attribute("locale"),
    Attribute("timezone"),
    Attribute("active", "boolean"),
    Attribute("password", mutability="writeOnly", returned="never", max_length=1024),
    _multi("emails", types=("work", "home", "other")),
    _multi("phoneNumbers", types=("work", "home", "mobile", "fax", "pager", "other")),
    _multi("ims", types=("aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo")),
    _multi("photos", "reference", types=("photo", "thumbnail"), reference_types=("external",)),
    Attribute("addresses", "complex", multi_valued=True, sub_attributes=_ADDRESS_PARTS + (
        Attribute("type", canonical_values=("work", "home", "other")), Attribute("primary", "boolean"),
    )),
    Attribute("groups", "complex", multi_valued=True, mutability="readOnly", sub_attributes=(
        Attribute("value", case_exact=True, mutability="readOnly"),
        Attribute("$ref", "reference", mutability="readOnly", reference_types=("User", "Group")),
        Attribute("display", mutability="readOnly"),
        Attribute("type", mutability="readOnly", canonical_values=("direct", "indirect")),
    )),
    _multi("entitlements"),
    _multi("roles"),
    _multi("x509Certificates", "binary", max_length=65536),
))

GROUP = Schema(constants.GROUP, "Group", "Group", (
    Attribute("displayName", required=True, uniqueness="server", description="A human-readable name for the Group."),
    Attribute("members", "complex", multi_valued=True, sub_attributes=(
        Attribute("value", case_exact=True, mutability="immutable"),
        Attribute("$ref", "reference", mutability="immutable", reference_types=("User", "Group")),
        Attribute("display", mutability="readOnly"),
        Attribute("type", mutability="immutable", canonical_values=("User", "Group")),
    )),
))

ENTERPRISE_USER = Schema(constants.ENTERPRISE_USER, "EnterpriseUser", "Enterprise User", (
    Attribute("employeeNumber"),
    Attribute("costCenter"),
    Attribute("organization"),
    Attribute("division"),
    Attribute("department"),
    Attribute("manager", "complex", sub_attributes=(
        Attribute("value", case_exact=True),
        Attribute("$ref", "reference", reference_types=("User",), max_length=1024),
        Attribute("displayName", mutability="readOnly"),
    )),
))


@dataclass(frozen=True)
class ResourceType:
    """RFC 7643 §6: an endpoint with its core schema and extensions."""

    name: str
    endpoint: str
    schema: Schema
    extensions: tuple = ()
    description: str = ""

    @property
    def schemas(self):
        """The core schema followed by every extension schema."""
        return (self.schema,) + self.extensions

    def extension(self, urn):
        """The extension schema with this URN (case-insensitively), or None."""
        for schema in self.extensions:
            if schema.id.lower() == urn.lower():
                return schema
        return None

    def attribute(self, name, urn=None):
        """Resolve a top-level attribute, optionally URN-qualified, to (schema, attribute)."""
        if urn:
            schema = self.schema if self.schema.id.lower() == urn.lower() else self.extension(urn)
            candidates = (schema,) if schema else ()
        else:
            candidates = self.schemas
        for schema in candidates:
            found = schema.attribute(name) or _common(name)
            if found:
                return schema, found
        return None, None


def _common(name):
    lowered = name.lower()
    for attribute in COMMON:
        if attribute.name.lower() == lowered:
            return attribute
    return None


USER_RESOURCE = ResourceType("User", "/Users", USER, (ENTERPRISE_USER,), "User Account")
GROUP_RESOURCE = ResourceType("Group", "/Groups", GROUP, (), "Group")
RESOURCE_TYPES = {"User": USER_RESOURCE, "Group": GROUP_RESOURCE}
SCHEMAS = {schema.id: schema for schema in (USER, GROUP, ENTERPRISE_USER)}
