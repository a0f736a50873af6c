"""The ceiling: a bare Flask app answering /hello under waitress, the most any Flask + waitress app can do here."""

import argparse

from flask import Flask, request
from waitress import serve

app = Flask(__name__)


@app.get("/hello")
def hello():
    """A small JSON document."""
    return {"hello": "world"}


@app.post("/hello")
def hello_post():
    """Read the JSON body, as any write must, and answer 201."""
    body = request.get_json()
    return {"hello": "world", "keys": len(body)}, 201


def main():
    """Serve on --port with --threads waitress threads."""
    parser = argparse.ArgumentParser(prog="python -m bench.ceiling")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--threads", type=int, default=8)
    args = parser.parse_args()
    serve(app, host="127.0.0.1", port=args.port, threads=args.threads)


if __name__ == "__main__":
    main()
