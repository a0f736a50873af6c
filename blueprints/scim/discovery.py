"""/ServiceProviderConfig, /ResourceTypes and /Schemas (RFC 7644 §4)."""

from flask import current_app

from scim import attributes, discovery, errors, render

from . import bp
from .http import base_url, scim_response


@bp.get("/ServiceProviderConfig")
def service_provider_config():
    """What this server supports, with its limits."""
    config = current_app.config
    return scim_response(discovery.service_provider_config(
        base_url(), config["SCIM_MAX_RESULTS"], config["SCIM_BULK_MAX_OPERATIONS"],
        config["MAX_CONTENT_LENGTH"]))


@bp.get("/ResourceTypes")
def resource_types():
    """Every resource type, as a ListResponse."""
    bodies = [discovery.resource_type(each, base_url()) for each in attributes.RESOURCE_TYPES.values()]
    return scim_response(render.list_response(bodies, len(bodies), 1))


@bp.get("/ResourceTypes/<name>")
def resource_type(name):
    """One resource type by name."""
    found = discovery.find_resource_type(name)
    if found is None:
        raise errors.NotFound(f"No resource type '{name}'.")
    return scim_response(discovery.resource_type(found, base_url()))


@bp.get("/Schemas")
def schemas():
    """Every schema, as a ListResponse."""
    bodies = [discovery.schema(each, base_url()) for each in attributes.SCHEMAS.values()]
    return scim_response(render.list_response(bodies, len(bodies), 1))


@bp.get("/Schemas/<path:urn>")
def schema(urn):
    """One schema by URN."""
    found = discovery.find_schema(urn)
    if found is None:
        raise errors.NotFound(f"No schema '{urn}'.")
    return scim_response(discovery.schema(found, base_url()))


@bp.route("/Me", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def me():
    """RFC 7644 §3.11: /Me needs a token that names a user; ours name an IdP app."""
    raise errors.NotImplementedScim("/Me is not supported: the bearer token identifies an IdP app, not a user.")
