"""Google Workspace through the Admin SDK Directory API: ``source`` (the settings and the key file),
``token`` (RFC 7523 JWT-bearer grant with domain-wide delegation), ``client`` (users, groups, members)."""

from .source import GoogleSource

__all__ = ["GoogleSource"]
