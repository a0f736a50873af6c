"""URNs, media types and limits named by RFC 7643 / RFC 7644."""

# Where the miniOrange servlet serves SCIM inside the Atlassian host.
BASE_PATH = "/plugins/servlet/usersync/scim"

CONTENT_TYPE = "application/scim+json"
ACCEPTED_CONTENT_TYPES = ("application/scim+json", "application/json")

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"

SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

# OneLogin and other pre-RFC clients send the draft URNs of SCIM 2.0.
LEGACY_URNS = {
    "urn:scim:schemas:core:2.0": None,
    "urn:scim:schemas:core:2.0:user": USER,
    "urn:scim:schemas:core:2.0:group": GROUP,
    "urn:scim:schemas:extension:enterprise:2.0": ENTERPRISE_USER,
    "urn:scim:schemas:extension:enterprise:2.0:user": ENTERPRISE_USER,
}
