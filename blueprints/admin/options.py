"""options pages (filled in by the admin pages work)."""
