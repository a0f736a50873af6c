"""Microsoft Entra ID through Microsoft Graph v1.0: ``source`` (the settings), ``token`` (the Microsoft identity
platform's client credentials), ``client`` (delta queries of users and groups), ``chosen`` (users of named groups)."""

from .source import EntraSource

__all__ = ["EntraSource"]
