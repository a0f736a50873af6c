"""Fakes of IdP admin APIs for the pull connectors: one module per provider, each a real HTTP server."""
