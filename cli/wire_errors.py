"""HTTP that waitress refuses before the app runs (bad framing, oversized headers), answered as SCIM Errors."""

import json

from waitress.channel import HTTPChannel
from waitress.server import BaseWSGIServer
from waitress.task import ErrorTask

from scim import constants


class ScimErrorTask(ErrorTask):
    """waitress's error response with an RFC 7644 §3.12 Error body instead of its plain text.

    An IdP's SCIM client parses every 4xx body as JSON; the app never sees these requests, so its
    error handlers cannot answer them.
    """

    def execute(self):
        error = self.request.error
        body = json.dumps({"schemas": [constants.ERROR], "status": str(error.code),
                           "detail": f"{error.reason}: {error.body}"}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.append(("Content-Type", constants.CONTENT_TYPE))
        self.set_close_on_finish()
        self.content_length = len(body)
        self.write(body)


class ScimChannel(HTTPChannel):
    error_task_class = ScimErrorTask


def install(sockets):
    """Every listener in waitress's socket map hands its connections to ScimChannel."""
    for listener in sockets.values():
        if isinstance(listener, BaseWSGIServer):
            listener.channel_class = ScimChannel
