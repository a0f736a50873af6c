"""One exception per RFC 7644 §3.12 error; the HTTP layer renders them."""

from . import constants


class ScimError(Exception):
    """A SCIM error with an HTTP status, an optional scimType and a detail."""

    status = 400
    scim_type = None
    detail = "The request is not valid."

    def __init__(self, detail=None, status=None):
        super().__init__(detail or self.detail)
        self.detail = detail or self.detail
        if status is not None:
            self.status = status

    def to_dict(self):
        """RFC 7644 §3.12: status is a string; scimType only when one applies."""
        body = {"schemas": [constants.ERROR], "status": str(self.status), "detail": self.detail}
        if self.scim_type:
            body["scimType"] = self.scim_type
        return body


class InvalidFilter(ScimError):
    scim_type = "invalidFilter"
    detail = "The specified filter syntax is invalid or the attribute is not supported."


class TooMany(ScimError):
    scim_type = "tooMany"
    detail = "The filter would return more results than the server allows."


class Uniqueness(ScimError):
    status = 409
    scim_type = "uniqueness"
    detail = "One or more of the attribute values are already in use or are reserved."


class Mutability(ScimError):
    scim_type = "mutability"
    detail = "The attempted modification is not compatible with the attribute's mutability."


class InvalidSyntax(ScimError):
    scim_type = "invalidSyntax"
    detail = "The request body structure is invalid."


class InvalidPath(ScimError):
    scim_type = "invalidPath"
    detail = "The path attribute is invalid or malformed."


class NoTarget(ScimError):
    scim_type = "noTarget"
    detail = "The specified path did not yield an attribute or value that could be operated on."


class InvalidValue(ScimError):
    scim_type = "invalidValue"
    detail = "A required value was missing, or the value specified was not compatible."


class InvalidVersion(ScimError):
    scim_type = "invalidVers"
    detail = "The specified SCIM protocol version is not supported."


class Sensitive(ScimError):
    status = 403
    scim_type = "sensitive"
    detail = "The request cannot be completed because of sensitive information in the URI."


class Unauthorized(ScimError):
    status = 401
    detail = "Authorization failure: a valid bearer token is required."


class Forbidden(ScimError):
    status = 403
    detail = "The token may not perform this operation."


class NotFound(ScimError):
    status = 404
    detail = "Resource not found."


class MethodNotAllowed(ScimError):
    status = 405
    detail = "The method is not supported on this endpoint."


class Conflict(ScimError):
    status = 409
    detail = "The request conflicts with the current state of the resource."


class PreconditionFailed(ScimError):
    status = 412
    detail = "The resource has changed: its version does not match If-Match."


class PayloadTooLarge(ScimError):
    status = 413
    detail = "The request body is larger than maxPayloadSize."


class UnsupportedMediaType(ScimError):
    status = 415
    detail = "Send application/scim+json or application/json."


class TooManyRequests(ScimError):
    """RFC 6585 §4: the app's token sent more requests than SCIM_RATE_LIMIT allows; Retry-After says when to resume."""

    status = 429
    detail = "Too many requests for this token; retry after the number of seconds in Retry-After."

    def __init__(self, retry_after):
        super().__init__()
        self.retry_after = retry_after


class NotImplementedScim(ScimError):
    status = 501
    detail = "This operation is not supported."


class ServerError(ScimError):
    status = 500
    detail = "The server could not complete the request."
