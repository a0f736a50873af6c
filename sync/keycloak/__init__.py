"""Keycloak through its Admin REST API: ``source`` (the settings), ``token`` (client credentials at the
realm's token endpoint, modern or legacy ``/auth`` paths), ``client`` (users), ``groups`` (the group tree)."""

from .source import KeycloakSource

__all__ = ["KeycloakSource"]
