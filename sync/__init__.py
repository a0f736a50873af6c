"""Pulling users and groups from an identity provider's SCIM 2.0 API; Flask-free and peewee-free.

``sources`` describes where to pull from, ``client`` reads it (``oauth`` for its credentials,
``http`` for retries, ``paging`` for lists), ``diagnose`` is Test Connection, ``errors`` what can fail.
"""

from .client import Check, ScimClient
from .diagnose import Result, test_connection
from .errors import ApiError, FilterRefused, SourceError, TokenError, Unreachable
from .sources import OracleSource, ScimSource, SourceConfigError, from_dict

__all__ = [
    "ApiError", "Check", "FilterRefused", "OracleSource", "Result", "ScimClient", "ScimSource", "SourceConfigError",
    "SourceError", "TokenError", "Unreachable", "from_dict", "test_connection",
]
