"""Error pages in the product's look for every path outside the SCIM servlet, which keeps its Error bodies.

blueprints.scim.handlers decides by path and, outside the SCIM prefix, answers with Werkzeug's default
page or a line of text. register() puts a page in front of each of those handlers: the handler still runs
(it logs an unexpected failure), and outside the SCIM prefix its answer's status gets our page.
"""

import logging
from html import escape

from flask import make_response, render_template, request
from werkzeug.exceptions import HTTPException

from scim.constants import BASE_PATH

log = logging.getLogger(__name__)

TITLES = {400: "Bad request", 401: "Sign-in needed", 403: "Not allowed", 404: "Page not found",
          405: "Not allowed here", 409: "Changed meanwhile", 413: "Too large", 500: "Something went wrong"}
MESSAGES = {
    403: "You cannot open this page.",
    404: "There is no page at this address. It may have moved, or what it showed was deleted.",
    409: "Something changed meanwhile. Reload the page and try again.",
    500: "usersync could not finish this request. Nothing was lost: try again, and if it happens again, "
         "the server's log says why.",
}
_FALLBACK = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} — usersync</title>"
             "</head><body><h1>{title}</h1><p>{message}</p></body></html>")


def register(app):
    """Our page in front of every app-wide error handler already installed (call after them)."""
    installed = [(kind, handler) for by_code in app.error_handler_spec[None].values()  # by status, then class
                 for kind, handler in by_code.items()]
    for kind, handler in installed:
        app.register_error_handler(kind, _paged(handler))


def page(status, description=None, headers=None):
    """The error page for a status, saying description (else what the status means to an admin)."""
    title = TITLES.get(status, "Something went wrong" if status >= 500 else "This request cannot be served")
    message = description or MESSAGES.get(status) or MESSAGES[500 if status >= 500 else 404]
    try:
        body = render_template("admin/error.html", status=status, title=title, message=message)
    except Exception:  # the store is down too, say: still a page, without the navigation that needs it
        log.exception("could not render the %d page", status)
        body = _FALLBACK.format(title=escape(title), message=escape(message))
    response = make_response(body, status)  # the app's after_request hook adds the security headers
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def _paged(handler):
    def handle(exc):
        answer = handler(exc)
        if request.path.startswith(BASE_PATH):
            return answer
        status = _status(exc, answer)
        described = _described(exc) if status < 500 else None  # a failure's own words may hold internals
        allow = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
        return page(status, described, allow)
    handle.__name__ = f"paged_{getattr(handler, '__name__', 'handler')}"
    return handle


def _described(exc):
    """What an abort() said, when it said more than Werkzeug's default for its status."""
    if isinstance(exc, HTTPException) and exc.description != type(exc).description:
        return exc.description
    return None


def _status(exc, answer):
    """The status the handler chose: an HTTPException's code, a (body, status) pair's, a response's."""
    if isinstance(answer, HTTPException):
        return answer.code or 500
    if isinstance(answer, tuple) and len(answer) > 1 and isinstance(answer[1], int):
        return answer[1]
    return getattr(answer, "status_code", None) or getattr(exc, "code", None) or 500

