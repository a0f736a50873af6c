"""RFC 7644 §3.7 Bulk: validate a BulkRequest, run its operations in bulkId order, build the BulkResponse.

The view injects ``dispatch(method, path, data, version)``, which performs one operation as its
single request would, in its own transaction, and returns ``(status, location, body, etag)`` or
raises ``errors.ScimError``. Bulk is not atomic (§3.7): each operation succeeds or fails alone.

Choices where the RFC is silent, each also used by python-scim/scim2-models where it has one:
- a path that is not /Users, /Groups or one of their resources is 400 invalidPath, and a missing
  method, path, data or POST bulkId is 400 invalidValue (Table 9 "MAY apply within a SCIM bulk
  operation");
- a "bulkId:x" no POST of the request declares is 400 invalidValue; one whose POST failed is 409,
  as is every operation of a circular reference (§3.7.1 allows stopping with 409);
- a second POST with an already declared bulkId is 400 invalidValue ("unique within a bulk request").
"""

import re
from dataclasses import dataclass

from . import constants, errors
from .attributes import RESOURCE_TYPES

METHODS = ("POST", "PUT", "PATCH", "DELETE")
REFERENCE = "bulkId:"
_ENDPOINTS = {rtype.endpoint: rtype for rtype in RESOURCE_TYPES.values()}
_PATH = re.compile(r"^(/[^/?#]+)(?:/([^/?#]+))?$")
_DONE = -1


@dataclass
class Operation:
    """One operation of the request; ``error`` is set when it cannot be performed as sent."""

    index: int
    method: str | None = None
    bulk_id: str | None = None
    endpoint: str | None = None
    resource_id: str | None = None
    version: str | None = None
    data: dict | None = None
    references: tuple = ()
    error: errors.ScimError | None = None


def process(body, dispatch, max_operations, base_url=""):
    """The BulkResponse of a BulkRequest (§3.7.3): one result per operation performed, in request order.

    base_url (no trailing slash) makes the location of a failed PUT, PATCH or DELETE absolute.
    """
    raw, fail_on_errors = parse_request(body, max_operations)
    operations = [parse_operation(index, each) for index, each in enumerate(raw)]
    results = _Job(operations, dispatch, fail_on_errors, base_url).run()
    return {"schemas": [constants.BULK_RESPONSE], "Operations": results}


def parse_request(body, max_operations):
    """(Operations, failOnErrors) of a BulkRequest; 400 when malformed, 413 over maxOperations (§3.7.4)."""
    if not isinstance(body, dict):
        raise errors.InvalidSyntax("A BulkRequest must be a JSON object.")
    fields = _lower_keys(body)
    _check_schemas(fields.get("schemas"))
    operations = fields.get("operations")
    if not isinstance(operations, list):
        raise errors.InvalidSyntax("A BulkRequest needs an 'Operations' list.")
    if len(operations) > max_operations:
        raise errors.PayloadTooLarge(
            f"The bulk request has {len(operations)} operations, more than maxOperations ({max_operations}).")
    return operations, _fail_on_errors(fields.get("failonerrors"))


def parse_operation(index, raw):
    """One Operation; what makes it unperformable is kept as its error, since it fails alone (§3.7.3)."""
    operation = Operation(index)
    try:
        _fill(operation, raw)
    except errors.ScimError as error:
        operation.error = error
    return operation


def target(path):
    """(resource type, id or None) of a path such as /Users or /Groups/{id}; 400 invalidPath otherwise."""
    match = _PATH.match(path)
    if not match or match.group(1) not in _ENDPOINTS:
        raise errors.InvalidPath(f"'{path}' is not /Users, /Groups or the path of one of their resources.")
    return _ENDPOINTS[match.group(1)], match.group(2)


def references(value):
    """The bulkIds a value names as "bulkId:<id>" strings, at any depth (§3.7.2)."""
    if isinstance(value, str):
        return [value[len(REFERENCE):]] if value.startswith(REFERENCE) else []
    children = value.values() if isinstance(value, dict) else value if isinstance(value, list) else ()
    return [found for child in children for found in references(child)]


def resolve(value, ids):
    """A copy of value with each "bulkId:<id>" string replaced by the id its POST created (§3.7.2)."""
    if isinstance(value, str):
        return ids[value[len(REFERENCE):]] if value.startswith(REFERENCE) else value
    if isinstance(value, dict):
        return {key: resolve(child, ids) for key, child in value.items()}
    if isinstance(value, list):
        return [resolve(child, ids) for child in value]
    return value


def _lower_keys(fields):
    """RFC 7643 §2.1: attribute names are case-insensitive."""
    return {key.lower(): value for key, value in fields.items() if isinstance(key, str)}


def _check_schemas(schemas):
    """Missing schemas are tolerated, as for resources; present, they must name the BulkRequest."""
    if schemas is None:
        return
    if isinstance(schemas, str):
        schemas = [schemas]
    named = {each.lower() for each in schemas if isinstance(each, str)} if isinstance(schemas, list) else set()
    if constants.BULK_REQUEST.lower() not in named:
        raise errors.InvalidSyntax(f"'schemas' must contain {constants.BULK_REQUEST}.")


def _fail_on_errors(value):
    """§3.7: an optional integer; stop once that many operations have failed."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise errors.InvalidValue("'failOnErrors' must be a positive integer.")
    return value


def _fill(operation, raw):
    """Read one operation's attributes; raise the first reason it cannot be performed."""
    if not isinstance(raw, dict):
        raise errors.InvalidSyntax("Each operation must be a JSON object.")
    fields = _lower_keys(raw)
    method, bulk_id = fields.get("method"), fields.get("bulkid")
    operation.method = method.upper() if isinstance(method, str) else None
    operation.bulk_id = bulk_id if isinstance(bulk_id, str) else None
    _check_method(operation.method, bulk_id)
    operation.endpoint, operation.resource_id = _target(fields.get("path"), operation.method)
    operation.version = _version(fields.get("version"), operation.method)
    operation.data = _data(fields.get("data"), operation.method)
    operation.references = tuple(dict.fromkeys(references(operation.resource_id) + references(operation.data)))


def _check_method(method, bulk_id):
    """§3.7: method is one of four; bulkId is REQUIRED when it is POST."""
    if method not in METHODS:
        raise errors.InvalidValue("'method' must be POST, PUT, PATCH or DELETE.")
    if method == "POST" and (not isinstance(bulk_id, str) or not bulk_id):
        raise errors.InvalidValue("'bulkId' is required when 'method' is POST.")


def _target(path, method):
    """(endpoint, id): §3.7 POST names a resource type endpoint, the other methods one resource."""
    if not isinstance(path, str) or not path:
        raise errors.InvalidValue("'path' is required.")
    rtype, resource_id = target(path)
    if method == "POST" and resource_id is not None:
        raise errors.InvalidPath(f"POST takes a resource type endpoint such as {rtype.endpoint}, not '{path}'.")
    if method != "POST" and resource_id is None:
        raise errors.InvalidPath(f"{method} takes the path of one resource, such as {rtype.endpoint}/{{id}}.")
    return rtype.endpoint, resource_id


def _version(version, method):
    """§3.7: version (an ETag) MAY be used with PUT, PATCH and DELETE; a POST's is ignored."""
    if version is None or method == "POST":
        return None
    if not isinstance(version, str):
        raise errors.InvalidValue("'version' must be an ETag string.")
    return version


def _data(data, method):
    """§3.7: data is REQUIRED for POST, PUT and PATCH; a DELETE's is ignored."""
    if method == "DELETE":
        return None
    if data is None:
        raise errors.InvalidValue(f"'data' is required when 'method' is {method}.")
    if not isinstance(data, dict):
        raise errors.InvalidSyntax("'data' must be a JSON object.")
    return data


class _Job:
    """The operations of one BulkRequest, the ids their POSTs created, and how many failed."""

    def __init__(self, operations, dispatch, fail_on_errors, base_url):
        self.operations = operations
        self.dispatch = dispatch
        self.fail_on_errors = fail_on_errors
        self.base_url = base_url
        self.declared = _declare(operations)
        self.created = {}
        self.errors = 0

    def run(self):
        """Results in request order; nothing is performed once failOnErrors operations failed (§3.7)."""
        order, cyclic = _Ordering(self.operations, self.declared).run()
        results = {}
        for index in order:
            if self.fail_on_errors and self.errors >= self.fail_on_errors:
                break
            results[index] = self._perform(self.operations[index], index in cyclic)
        return [results[index] for index in sorted(results)]

    def _perform(self, operation, circular):
        """Dispatch one operation with its references resolved; its error becomes its result."""
        try:
            self._check(operation, circular)
            path = operation.endpoint + _item(resolve(operation.resource_id, self.created))
            status, location, body, etag = self.dispatch(
                operation.method, path, resolve(operation.data, self.created), operation.version)
        except errors.ScimError as error:
            self.errors += 1
            return _result(operation, error.status, self._location(operation), error=error)
        if operation.method == "POST" and self.declared.get(operation.bulk_id) == operation.index:
            self.created[operation.bulk_id] = body["id"]
        return _result(operation, status, location, etag)

    def _check(self, operation, circular):
        """Raise why the operation cannot run: malformed, circular (§3.7.1) or an unresolved bulkId."""
        if operation.error:
            raise operation.error
        if circular:
            raise errors.Conflict(f"{_name(operation)} is part of a circular bulkId reference.")
        for bulk_id in operation.references:
            if bulk_id not in self.declared:
                raise errors.InvalidValue(f"No POST operation of this request has bulkId '{bulk_id}'.")
            if bulk_id not in self.created:
                raise errors.Conflict(f"'{REFERENCE}{bulk_id}' did not resolve: the POST that declares it failed.")

    def _location(self, operation):
        """§3.7.3: every failed result but a POST's names its resource, when its path resolves."""
        resource_id = operation.resource_id
        if operation.method == "POST" or resource_id is None:
            return None
        if resource_id.startswith(REFERENCE):
            resource_id = self.created.get(resource_id[len(REFERENCE):])
        return f"{self.base_url}{operation.endpoint}/{resource_id}" if resource_id else None


def _declare(operations):
    """{bulkId: index of the first POST declaring it}; a later POST reusing one fails (§3.7: unique)."""
    declared = {}
    for operation in operations:
        if operation.method != "POST" or not operation.bulk_id:
            continue
        if operation.bulk_id not in declared:
            declared[operation.bulk_id] = operation.index
        elif operation.error is None:
            operation.error = errors.InvalidValue(f"bulkId '{operation.bulk_id}' is used by an earlier operation.")
    return declared


class _Ordering:
    """Request order, except that a POST runs before the operations referencing its bulkId (§3.7).

    Depth-first post-order, iterative because a request may chain maxOperations references.
    A reference back into the current path closes a cycle; its operations are returned as cyclic.
    """

    def __init__(self, operations, declared):
        self.operations = operations
        self.declared = declared
        self.order, self.cyclic = [], set()
        self.position = {}  # index -> place on the current path, or _DONE

    def run(self):
        """(indexes in the order to perform them, indexes that are part of a cycle)."""
        for root in range(len(self.operations)):
            if root not in self.position:
                self._visit(root)
        return self.order, self.cyclic

    def _visit(self, root):
        path, pending = [], []
        self._enter(root, path, pending)
        while path:
            dependency = next(pending[-1], None)
            if dependency is None:
                self.position[path[-1]] = _DONE
                self.order.append(path.pop())
                pending.pop()
            elif dependency not in self.position:
                self._enter(dependency, path, pending)
            elif self.position[dependency] != _DONE:
                self.cyclic.update(path[self.position[dependency]:])

    def _enter(self, index, path, pending):
        self.position[index] = len(path)
        path.append(index)
        pending.append(iter(self._dependencies(self.operations[index])))

    def _dependencies(self, operation):
        """Indexes of the POSTs whose bulkIds the operation names; a malformed one waits for none."""
        if operation.error:
            return []
        return sorted({self.declared[each] for each in operation.references if each in self.declared})


def _item(resource_id):
    return f"/{resource_id}" if resource_id else ""


def _name(operation):
    return f"bulkId '{operation.bulk_id}'" if operation.bulk_id else f"Operation {operation.index + 1}"


def _result(operation, status, location=None, etag=None, error=None):
    """One BulkResponse operation, keyed as in the RFC examples; §3.7.3 status is a string."""
    result = {}
    if location:
        result["location"] = location
    if operation.method:
        result["method"] = operation.method
    if operation.bulk_id is not None:
        result["bulkId"] = operation.bulk_id
    if etag:
        result["version"] = etag
    result["status"] = str(status)
    if error is not None:
        result["response"] = error.to_dict()
    return result
