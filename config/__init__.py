"""Deploy-time configuration; what the wizard edits lives in the database."""

import os


class Config:
    """Defaults, overridden by USERSYNC_-prefixed environment variables."""

    DATABASE_URL = None  # None: a SQLite file in the instance folder
    PUBLIC_URL = "http://127.0.0.1:8090"  # how IdPs reach this server; the CLI prints base URLs from it
    SECRET_KEY = None
    # Encrypts the client secrets of pull sources (store.tenancy.secrets); None: derived from SECRET_KEY with HKDF.
    SYNC_SECRET_KEY = None
    SYNC_POLL_SECONDS = 5.0  # how often the scheduler of `usersync serve` looks for due and queued pulls
    HOST_PRODUCT = "Confluence"
    # Keycloak imports with one unpaged GET /Users: without a count, answer a full page.
    SCIM_DEFAULT_COUNT = 1000
    SCIM_MAX_RESULTS = 1000
    SCIM_BULK_MAX_OPERATIONS = 1000
    MAX_CONTENT_LENGTH = 1024 * 1024
    SCIM_FILTER_MAX_LENGTH = 4096
    SCIM_FILTER_MAX_TERMS = 100  # comparisons in one filter: each costs a scan or a subquery
    JSON_MAX_DEPTH = 32
    SCIM_RATE_LIMIT = 0.0  # requests a second per app token, on average (0: no limit); each instance counts its own
    SCIM_RATE_BURST = 0  # requests a token may send at once before the rate applies (0: twice the rate)
    AUDIT_RETENTION_DAYS = 90  # audit events older than this are purged at start-up (0: kept forever)
    TRAFFIC_LOG_MAX_ENTRIES = 500  # per app, newest kept
    TRAFFIC_LOG_MAX_BODY = 16384  # characters of each body kept
    TESTING = False
    ADMIN_PASSWORD = None  # the admin's password on first start; None: one is generated and printed once
    LOGIN_MAX_FAILURES = 5
    LOGIN_WINDOW_SECONDS = 900
    SESSION_COOKIE_SECURE = False  # set true behind HTTPS
    TRUSTED_PROXY = None  # the reverse proxy's address ("*" for any); its X-Forwarded-* headers are then believed
    # Hosts a request may name (Host, X-Forwarded-Host), separated by commas: names, addresses, ".example.com" for
    # a domain and its subdomains, "*" for any (a proxy that checks Host itself). Always answered too: localhost,
    # 127.0.0.1, [::1], PUBLIC_URL's host and the address `usersync serve` listens on (blueprints.hosts).
    TRUSTED_HOSTS = None
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    PERMANENT_SESSION_LIFETIME = 8 * 3600

    @classmethod
    def from_env(cls, environ=None):
        """A dict of this class's settings with USERSYNC_* environment overrides applied."""
        environ = os.environ if environ is None else environ
        settings = {}
        for key in dir(cls):
            if not key.isupper():
                continue
            default = getattr(cls, key)
            raw = environ.get(f"USERSYNC_{key}")
            settings[key] = default if raw is None else _parse(raw, default)
        return settings


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-only"
    ADMIN_PASSWORD = "testing-admin-password"


def _parse(raw, default):
    """Read an environment string as the type of its default."""
    if isinstance(default, bool):
        return raw.strip().lower() in ("1", "true", "yes", "on")
    if isinstance(default, int):
        return int(raw)
    if isinstance(default, float):
        return float(raw)
    return raw
