"""Ids in admin addresses: a whole number the database can hold, from 1 to 2**63 - 1, else no such page.

Every admin and wizard route declares its ids as <id:name>; query-string ids go through query_id(). A number
past 64 bits would otherwise reach the database and fail there (an overflow, a 500) instead of being a 404.
"""

from flask import request
from werkzeug.routing import IntegerConverter

MAX_ID = 2 ** 63 - 1  # the largest id a 64-bit signed column holds, on SQLite and PostgreSQL alike


class IdConverter(IntegerConverter):
    """<id:name>: <id:name> bounded to 1..MAX_ID, so an id out of range matches no route (404)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)


def query_id(name):
    """request.args[name] as an id, None when it is missing or not a whole number from 1 to MAX_ID."""
    text = request.args.get(name, "")
    if not (text.isascii() and text.isdigit()) or len(text) > len(str(MAX_ID)):
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None
