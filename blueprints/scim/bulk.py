"""POST /Bulk (RFC 7644 §3.7) — filled in by the bulk processor."""
