"""Pulling users and groups from an identity provider's API; Flask-free and peewee-free.

``sources`` describes where to pull from (and names each connector: ``graph`` for Entra ID, ``okta``,
``keycloak``, ``google``); ``client`` reads a SCIM 2.0 API (Oracle IDCS, any SCIM service), each
connector its own; all yield ``resources`` (SCIM-shaped users and groups). ``oauth`` and ``api`` for
credentials, ``http`` for retries, ``paging`` for lists, ``diagnose`` is Test Connection, ``errors``
what can fail, ``settings`` how a setting is checked and asked for.
"""

from .client import Check, ScimClient
from .diagnose import Result, test_connection
from .errors import ApiError, FilterRefused, SourceError, TokenError, Unreachable
from .sources import OracleSource, ScimSource, SourceConfigError, from_dict

__all__ = [
    "ApiError", "Check", "FilterRefused", "OracleSource", "Result", "ScimClient", "ScimSource", "SourceConfigError",
    "SourceError", "TokenError", "Unreachable", "from_dict", "test_connection",
]
