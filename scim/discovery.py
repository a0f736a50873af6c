"""RFC 7643 §5-§7 discovery documents that tell the truth about this server."""

from . import attributes, constants

DOCUMENTATION = "https://github.com/usersync/usersync#readme"


def service_provider_config(base_url, max_results, bulk_max_operations, max_payload):
    """RFC 7643 §5: what this server supports, with its limits."""
    return {
        "schemas": [constants.SERVICE_PROVIDER_CONFIG],
        "documentationUri": DOCUMENTATION,
        "patch": {"supported": True},
        "bulk": {"supported": True, "maxOperations": bulk_max_operations, "maxPayloadSize": max_payload},
        "filter": {"supported": True, "maxResults": max_results},
        "changePassword": {"supported": True},
        "sort": {"supported": True},
        "etag": {"supported": True},
        "authenticationSchemes": [{
            "type": "oauthbearertoken",
            "name": "OAuth Bearer Token",
            "description": "The bearer token shown once when the IdP app was created.",
            "specUri": "https://www.rfc-editor.org/rfc/rfc6750",
            "documentationUri": DOCUMENTATION,
            "primary": True,
        }],
        "meta": {"resourceType": "ServiceProviderConfig", "location": f"{base_url}/ServiceProviderConfig"},
    }


def resource_type(rtype, base_url):
    """RFC 7643 §6: one ResourceType."""
    return {
        "schemas": [constants.RESOURCE_TYPE],
        "id": rtype.name,
        "name": rtype.name,
        "endpoint": rtype.endpoint,
        "description": rtype.description,
        "schema": rtype.schema.id,
        "schemaExtensions": [{"schema": ext.id, "required": False} for ext in rtype.extensions],
        "meta": {"resourceType": "ResourceType", "location": f"{base_url}/ResourceTypes/{rtype.name}"},
    }


def schema(definition, base_url):
    """RFC 7643 §7: one Schema, generated from the same definitions that validate requests."""
    return {
        "schemas": [constants.SCHEMA],
        "id": definition.id,
        "name": definition.name,
        "description": definition.description,
        "attributes": [attribute.to_dict() for attribute in definition.attributes],
        "meta": {"resourceType": "Schema", "location": f"{base_url}/Schemas/{definition.id}"},
    }


def find_resource_type(name):
    """The ResourceType called name (case-insensitively), or None."""
    return next((each for key, each in attributes.RESOURCE_TYPES.items() if key.lower() == name.lower()), None)


def find_schema(urn):
    """The Schema with this URN (case-insensitively), or None."""
    return next((each for key, each in attributes.SCHEMAS.items() if key.lower() == urn.lower()), None)
