"""POST /Bulk (RFC 7644 §3.7): scim.bulk runs the request, each operation dispatched to the stores."""

import logging

import peewee
from flask import current_app

from scim import bulk, errors, render, validation
from store import transactions

from . import bp, directory_id, failures, idp_app
from .http import base_url, json_body, parse_if_match, scim_response
from .resources import PROVISIONING, STORES, present

log = logging.getLogger(__name__)


@bp.post("/Bulk")
def bulk_request():
    """Run a BulkRequest: 200 with one result per operation performed (§3.7.3)."""
    config = current_app.config
    body = json_body()
    with failures.deferred():
        result = bulk.process(body, dispatch, config["SCIM_BULK_MAX_OPERATIONS"], base_url=base_url())
    return scim_response(result)


def dispatch(method, path, data, version):
    """Perform one operation as its single request would: (status, location, body, ETag).

    Earlier operations are committed, so no failure may escape as a 500 for the whole request:
    each becomes this operation's Error, as the app's handlers would have rendered it.
    """
    rtype, resource_id = bulk.target(path)
    try:
        with transactions.unit():  # the operation and the read of what it wrote
            status, written = _perform(method, rtype, resource_id, data, version)
            if written is None:
                return status, render.location(base_url(), rtype, resource_id), None, None
            body = present(rtype, STORES[rtype.name].get(directory_id(), written.id))
    except errors.ScimError as error:
        failures.record(error, method=method, path=path, body=data)  # as a single request's would be
        raise
    return status, body["meta"]["location"], body, body["meta"]["version"]


def _perform(method, rtype, resource_id, data, version):
    """One operation; database and unexpected failures become this operation's SCIM error."""
    try:
        return _PERFORM[method](rtype, resource_id, data, parse_if_match(version))
    except peewee.IntegrityError:
        raise errors.Uniqueness() from None
    except errors.ScimError:
        raise
    except Exception:
        log.exception("unhandled error in bulk %s %s", method, rtype.endpoint)
        raise errors.ServerError() from None


def _create(rtype, _resource_id, data, _expected):
    return 201, PROVISIONING[rtype.name].create(idp_app(), validation.inbound(rtype, data))


def _replace(rtype, resource_id, data, expected):
    return 200, PROVISIONING[rtype.name].replace(idp_app(), resource_id, validation.inbound(rtype, data), expected)


def _patch(rtype, resource_id, data, expected):
    return 200, PROVISIONING[rtype.name].patch(idp_app(), resource_id, data, expected)


def _delete(rtype, resource_id, _data, expected):
    PROVISIONING[rtype.name].delete(idp_app(), resource_id, expected)
    return 204, None


_PERFORM = {"POST": _create, "PUT": _replace, "PATCH": _patch, "DELETE": _delete}
