"""POST /Bulk (RFC 7644 §3.7): scim.bulk runs the request, each operation dispatched to the stores."""

import logging

import peewee
from flask import current_app

from scim import bulk, errors, render, validation

from . import bp, directory_id
from .http import base_url, json_body, parse_if_match, scim_response
from .resources import STORES, present

log = logging.getLogger(__name__)


@bp.post("/Bulk")
def bulk_request():
    """Run a BulkRequest: 200 with one result per operation performed (§3.7.3)."""
    config = current_app.config
    return scim_response(bulk.process(json_body(), dispatch, config["SCIM_BULK_MAX_OPERATIONS"], base_url=base_url()))


def dispatch(method, path, data, version):
    """Perform one operation as its single request would: (status, location, body, ETag).

    Earlier operations are committed, so no failure may escape as a 500 for the whole request:
    each becomes this operation's Error, as the app's handlers would have rendered it.
    """
    rtype, resource_id = bulk.target(path)
    try:
        status, doc = _PERFORM[method](rtype, resource_id, data, parse_if_match(version))
    except errors.ScimError:
        raise
    except peewee.IntegrityError:
        raise errors.Uniqueness() from None
    except Exception:
        log.exception("unhandled error in bulk %s %s", method, path)
        raise errors.ServerError() from None
    if doc is None:
        return status, render.location(base_url(), rtype, resource_id), None, None
    body = present(rtype, doc)
    return status, body["meta"]["location"], body, body["meta"]["version"]



def _create(rtype, _resource_id, data, _expected):
    return 201, STORES[rtype.name].create(directory_id(), validation.inbound(rtype, data))


def _replace(rtype, resource_id, data, expected):
    return 200, STORES[rtype.name].replace(directory_id(), resource_id, validation.inbound(rtype, data), expected)


def _patch(rtype, resource_id, data, expected):
    return 200, STORES[rtype.name].patch(directory_id(), resource_id, data, expected)


def _delete(rtype, resource_id, _data, expected):
    STORES[rtype.name].delete(directory_id(), resource_id, expected)
    return 204, None


_PERFORM = {"POST": _create, "PUT": _replace, "PATCH": _patch, "DELETE": _delete}
