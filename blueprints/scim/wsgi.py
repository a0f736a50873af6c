"""WSGI middleware that forgives base-URL typos before routing."""

import re

from .http import PREFIX

_SLASHES = re.compile(r"/{2,}")


class ForgivingPaths:
    """Collapse '//' and drop a trailing '/' under the SCIM prefix.

    JumpCloud and admins pasting the base URL with a trailing slash produce
    '/scim//Users' or '/scim/Users/'; a redirect would lose POST bodies for some IdPs.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.startswith(PREFIX):
            path = _SLASHES.sub("/", path)
            if len(path) > len(PREFIX) + 1:
                path = path.rstrip("/")
            environ["PATH_INFO"] = path
        return self.app(environ, start_response)
