"""A Keycloak realm read through the Admin REST API, as the service account of a confidential client."""

from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import quote, urlsplit

from ..settings import Field, SourceConfigError
from ..settings import require as _require
from ..settings import url as _url

LEGACY_PREFIX = "/auth"  # Keycloak 16 and older (WildFly) serve everything under /auth
ROLES = ("query-users", "view-users", "query-groups")
_ROLES_WHERE = ("Clients → the client → Service accounts roles → Assign role → Filter by clients → "
                "realm-management")


@dataclass(frozen=True)
class KeycloakSource:
    """A Keycloak realm at ``base_url`` (the server root, with a proxy's path prefix if any), read as the
    service account of the confidential client ``client_id``."""

    base_url: str
    realm: str
    client_id: str
    client_secret: str = field(repr=False)

    kind: ClassVar[str] = "keycloak"
    label: ClassVar[str] = "Keycloak (Admin REST API)"
    secret_names: ClassVar[tuple] = ("client_secret",)
    secret_name: ClassVar[str] = "client_secret"
    # The Admin REST API has no time of change on users and no change feed: every run reads everything
    # (and writes only what changed).
    incremental: ClassVar[None] = None
    groups_incremental: ClassVar[bool] = False
    advice: ClassVar[dict] = {
        "invalid_client": "Copy the Client ID and, from the client's Credentials tab, the Client secret "
                          "(Clients → the client → Credentials); the client must be enabled.",
        "unauthorized_client": "Turn on Client authentication and tick Service accounts roles in the client's "
                               "Capability config (Clients → the client → Settings), then save.",
        "realm": "Check the realm name: it is the name in the realm selector of the admin console (case "
                 "matters), not its display name.",
        "invalid_scope": "The client-credentials request asks for no scope; check the client's scope settings.",
        "token_url": "Check the base URL: the server's root (like https://keycloak.example.com), with the path "
                     "prefix of a proxy if there is one; /realms/REALM is added.",
        "forbidden": "Assign the service account the realm-management roles " + ", ".join(ROLES)
                     + f" ({_ROLES_WHERE}).",
        "unauthorized": "A fresh token was refused by the Admin REST API: check that the client is enabled "
                        "in this realm.",
        "not_found": "Check the base URL and the realm: the Admin REST API is under /admin/realms/REALM on it.",
    }
    form: ClassVar[tuple] = (
        Field("base_url", "Base URL",
              "The Keycloak server's root, like https://keycloak.example.com (with a proxy's path prefix if "
              "any; without /auth, which is tried when the server is Keycloak 16 or older).",
              placeholder="https://keycloak.example.com"),
        Field("realm", "Realm", "The realm whose users and groups are read (its name, not its display name).",
              placeholder="myrealm"),
        Field("client_id", "Client ID",
              "A confidential OpenID Connect client of that realm with Client authentication on, Service "
              "accounts roles ticked, and the realm-management roles " + ", ".join(ROLES) + " assigned.",
              placeholder="usersync"),
        Field("client_secret", "Client secret", "From the client's Credentials tab. Stored encrypted.",
              kind="secret"),
    )

    def __post_init__(self):
        object.__setattr__(self, "base_url", _base_url(self.base_url))
        object.__setattr__(self, "realm", _realm(self.realm))
        object.__setattr__(self, "client_id", _require("client_id", self.client_id).strip())
        _require("client_secret", self.client_secret)

    def realm_path(self, prefix=""):
        """The realm's path under the server root: /realms/R, or with the legacy prefix /auth/realms/R."""
        return f"{prefix}/realms/{quote(self.realm, safe='')}"

    def token_url_at(self, prefix=""):
        return self.base_url + self.realm_path(prefix) + "/protocol/openid-connect/token"

    def admin_url_at(self, prefix=""):
        return f"{self.base_url}{prefix}/admin{self.realm_path()}"

    @property
    def token_url(self):
        return self.token_url_at()

    @property
    def endpoint(self):
        return self.admin_url_at()

    @property
    def destination(self):
        """The secret goes to the realm's token endpoint (the legacy /auth path only changes the path)."""
        return self.token_url

    def client(self, **options):
        # The client reads this module: it is imported when a client is made.
        from .client import KeycloakClient

        return KeycloakClient(self, **options)

    def describe(self):
        return f"Keycloak realm {self.realm} at {self.base_url} (client ID {self.client_id})"

    def to_dict(self):
        """The settings without the secret."""
        return {"kind": self.kind, "base_url": self.base_url, "realm": self.realm, "client_id": self.client_id}

    def secrets(self):
        """The secret settings, to be stored encrypted."""
        return {"client_secret": self.client_secret}


def _base_url(value):
    """The server root: a URL pasted from the admin console or a realm's endpoints is refused, naming the root."""
    value = _url("base_url", value)
    parts = urlsplit(value)
    for marker in ("/realms/", "/admin/"):
        at = (parts.path + "/").find(marker)
        if at >= 0:
            root = f"{parts.scheme}://{parts.netloc}{parts.path[:at]}"
            raise SourceConfigError("base_url", f"is the server's root, like {root}, without {marker.rstrip('/')}/…; "
                                                f"got {value!r}")
    return value


def _realm(value):
    """A realm name as Keycloak takes it in a URL: no slash, no surrounding or control characters."""
    value = _require("realm", value, "is required: the realm's name").strip()
    if "/" in value or any(ord(c) < 32 or c == "\x7f" for c in value):
        raise SourceConfigError("realm", f"must be a realm's name (no '/' or control characters), got {value!r}")
    return value
