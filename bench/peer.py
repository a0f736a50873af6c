"""The peer: scim2-server's in-memory SCIM server (RFC 7643 User and Group) served by waitress, without auth."""

import argparse
import json

from scim2_server.applications.wsgi import WSGIApplication
from scim2_server.memory import InMemoryStorage
from scim2_server.utils import load_default_provider
from waitress import serve

# Bench-only: stores users straight into the in-memory storage. POST /Bulk creates about 500 users/s,
# too slow for a 100,000-user store; this skips only HTTP and validation of the request, never measured.
SEED_PATH = "/v2/_bench/users"


class Seedable:
    """scim2-server's WSGI app, plus SEED_PATH: a JSON list of User documents in, their ids out."""

    def __init__(self, app):
        self.app = app
        self.user_type = app.service.get_resource_type("User")
        self.user_model = app.service.get_model(self.user_type)

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != SEED_PATH:
            return self.app(environ, start_response)
        docs = json.loads(environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0)))
        ids = [self.app.storage.create(self.user_type, self.user_model.model_validate(doc)).id for doc in docs]
        start_response("201 Created", [("Content-Type", "application/json")])
        return [json.dumps(ids).encode()]


def make_app():
    """scim2-server's WSGI app on an empty in-memory store; BaseApplication accepts every request."""
    return Seedable(WSGIApplication(InMemoryStorage(), load_default_provider()))


def main():
    """Serve on --port with --threads waitress threads."""
    parser = argparse.ArgumentParser(prog="python -m bench.peer")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    serve(make_app(), host="127.0.0.1", port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
