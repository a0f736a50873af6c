"""The servlet's HTTP edges: forgiving paths, request parsing, SCIM responses, ETags, base URL."""

import json
import re
from functools import lru_cache

import orjson
from flask import Response, current_app, request
from werkzeug.sansio.utils import get_current_url

from scim import constants, errors

PREFIX = constants.BASE_PATH
_SLASHES = re.compile(r"/{2,}")
_ENDPOINTS = {name.lower(): name for name in (
    "Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", ".search", "Me")}
_ETAG = re.compile(r'^(?:W/)?"([0-9]{1,18})"$')  # a version, never a 5,000-digit number


def base_url():
    """The absolute SCIM base URL of this request, without a trailing slash."""
    return _base_url(request.scheme, request.host)


@lru_cache(maxsize=64)
def _base_url(scheme, host):
    """request.host_url decodes the host (IDNA) anew on every call; a server sees a handful of hosts."""
    return get_current_url(scheme, host).rstrip("/") + PREFIX


def json_body():
    """The request body as JSON; 415 for other media types, 400 invalidSyntax when malformed."""
    mimetype = request.mimetype
    if mimetype and mimetype not in constants.ACCEPTED_CONTENT_TYPES:
        raise errors.UnsupportedMediaType()
    raw = request.get_data(cache=True)
    try:
        text = raw.decode("utf-8")
        body = json.loads(text, parse_constant=_reject_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise errors.InvalidSyntax("The request body is not valid JSON (UTF-8).") from None
    _check_body(body, current_app.config["JSON_MAX_DEPTH"])
    return body


def _reject_constant(name):
    raise ValueError(f"{name} is not JSON")


def _check_body(value, limit):
    """Refuse bodies nested deeper than the limit (no SCIM resource needs more than 4), and text no
    store can hold (NUL, lone surrogates from "\\ud800" escapes) in any key or value."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, str):
            _check_text(node)
            continue
        if depth > limit:
            raise errors.InvalidSyntax(f"The request body nests deeper than {limit} levels.")
        if isinstance(node, dict):
            for key in node:
                _check_text(key)
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list, str)))


def _check_text(text):
    if "\x00" in text:
        raise errors.InvalidValue("The request body contains a NUL character, which cannot be stored.")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.InvalidValue("The request body contains a lone surrogate (\\ud800-\\udfff), "
                                  "which is not text.") from None


def scim_response(body=None, status=200, headers=None):
    """A response with Content-Type application/scim+json."""
    payload = b"" if body is None else _dumps(body)
    response = Response(payload, status=status, headers=headers or {})
    if body is not None or status >= 400:
        response.headers["Content-Type"] = constants.CONTENT_TYPE
    else:
        del response.headers["Content-Type"]  # a 204 carries no body to describe
    return response


def _dumps(body):
    """Compact UTF-8 JSON. orjson writes a 10,000-member group twenty times faster than json; what
    it refuses (an integer past 64 bits, a lone surrogate) the standard library writes instead."""
    try:
        return orjson.dumps(body)
    except (TypeError, orjson.JSONEncodeError):
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def resource_response(body, meta, status=200):
    """A resource response with its ETag (and Location on 201), whatever the projection kept."""
    headers = {"ETag": meta["version"]}
    if status == 201:
        headers["Location"] = meta["location"]
    return scim_response(body, status, headers)


def expected_version():
    """The version the request's If-Match requires (see parse_if_match)."""
    return parse_if_match(request.headers.get("If-Match"))


def parse_if_match(header):
    """The version an If-Match value (or a Bulk "version") requires, "*", or None; an unknown ETag never matches."""
    if not header:
        return None
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags:
        return "*"
    for tag in tags:
        match = _ETAG.match(tag)
        if match:
            return int(match.group(1))
    return -1


def not_modified(etag):
    """Whether If-None-Match names the resource's current version (its ETag)."""
    header = request.headers.get("If-None-Match")
    if not header:
        return False
    tags = {tag.strip().removeprefix("W/") for tag in header.split(",")}
    return "*" in tags or etag.removeprefix("W/") in tags


class ForgivingPaths:
    """Collapse '//', drop a trailing '/' and fix the endpoint's case under the SCIM prefix.

    JumpCloud and admins pasting the base URL with a trailing slash produce
    '/scim//Users' or '/scim/Users/'; a redirect would lose POST bodies for some IdPs.
    Microsoft's SCIM validator Postman collection asks for '/users'.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        environ["usersync.original_path"] = path  # the traffic log shows what the IdP really sent
        if path.startswith(PREFIX):
            path = _SLASHES.sub("/", path)
            if len(path) > len(PREFIX) + 1:
                path = path.rstrip("/")
            environ["PATH_INFO"] = _endpoint_case(path)
        return self.app(environ, start_response)


def _endpoint_case(path):
    """'/prefix/users/x' -> '/prefix/Users/x': endpoint names, not ids, are case-folded."""
    head, sep, rest = path[len(PREFIX) + 1:].partition("/")
    known = _ENDPOINTS.get(head.lower())
    if known is None or known == head:
        return path
    return f"{PREFIX}/{known}{sep}{rest}"
