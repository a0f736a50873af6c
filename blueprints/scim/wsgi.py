"""WSGI middleware that forgives base-URL typos before routing."""

import re

from .http import PREFIX

_SLASHES = re.compile(r"/{2,}")
_ENDPOINTS = {name.lower(): name for name in (
    "Users", "Groups", "Schemas", "ResourceTypes", "ServiceProviderConfig", "Bulk", ".search", "Me")}


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
