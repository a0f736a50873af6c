"""SCIM users and groups as rows: reads, writes, filters and pages."""
