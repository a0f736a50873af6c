"""SCIM 2.0 protocol logic (RFC 7643 / RFC 7644); imports no Flask."""
