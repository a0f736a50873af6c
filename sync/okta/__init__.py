"""Okta through its Management API with an SSWS API token: ``source`` (the settings), ``client`` (users,
groups, members, optionally one app's assignments), ``links`` (RFC 8288 Link paging kept on the org),
``limits`` (X-Rate-Limit-* honoured before a 429)."""

from .source import OktaSource

__all__ = ["OktaSource"]
