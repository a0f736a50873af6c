"""Flask blueprints: the SCIM servlet and the admin pages."""
