"""Where users and groups are pulled from: an Oracle identity domain, any SCIM 2.0 service provider, or an
IdP's own admin API (Microsoft Graph, Okta, Keycloak, Google's Directory API, each in its own module).

Every source is a frozen dataclass with the same face: ``kind`` and ``label``; ``to_dict`` (the settings
without the secrets, which are stored apart, encrypted) and ``secrets``; ``from_dict`` takes both back;
``secret_name`` (the secret this source uses), ``destination`` (the URL that secret is sent to),
``endpoint`` (the API, for messages); ``describe()`` in an admin's words; ``client(**options)`` the
reader the pull engine and Test connection use; ``incremental``: how a later run reads only changes
("modified": a filter on the time of change; "delta": a link the source gave at the end of the last
read; None: every run reads everything) and ``groups_incremental``: whether groups are read that way
too (else every run lists every group). Nothing here reads a database or a request.
"""

import importlib
from dataclasses import MISSING, dataclass, field, fields
from typing import ClassVar

from .oauth import BearerToken, ClientCredentials
from .settings import SourceConfigError
from .settings import origin as _origin
from .settings import require as _require
from .settings import url as _url


@dataclass(frozen=True)
class OracleSource:
    """An Oracle IDCS / OCI IAM identity domain, read with a confidential application's client credentials."""

    domain_url: str
    client_id: str
    client_secret: str = field(repr=False)

    kind: ClassVar[str] = "oracle"
    label: ClassVar[str] = "Oracle identity domain (IDCS / OCI IAM)"
    secret_names: ClassVar[tuple] = ("client_secret",)
    secret_name: ClassVar[str] = "client_secret"
    incremental: ClassVar[str] = "modified"
    # IDCS does not reliably move a group's meta.lastModified when only its members change.
    groups_incremental: ClassVar[bool] = False
    # IDCS: the token carries the scopes of the app roles granted to the client (OCI IAM "Scopes").
    scope: ClassVar[str] = "urn:opc:idm:__myscopes__"
    # IDCS: Group.members is returned=request, so a list of groups carries no members.
    members_in_list: ClassVar[bool] = False
    # IDCS: one GET returns at most 10,000 members; larger groups are paged with
    # attributes=members[startIndex=N&count=M] (terraform-provider-oci, identity_domains_groups).
    member_page_size: ClassVar[int] = 1000
    advice: ClassVar[dict] = {
        "invalid_client": "Copy the Client ID and Client Secret from the confidential application's OAuth "
                          "configuration in the identity domain, and check that the application is activated.",
        "unauthorized_client": "Edit the confidential application's OAuth configuration and allow the Client "
                               "Credentials grant type.",
        "invalid_scope": "The client must be allowed to request urn:opc:idm:__myscopes__.",
        "token_url": "Use the identity domain URL only, like https://idcs-….identity.oraclecloud.com.",
        "forbidden": "Grant the confidential application the 'User Administrator' app role (Identity domain → "
                     "Integrated applications → the app → OAuth configuration → App roles); 'Identity Domain "
                     "Administrator' also works but grants more. The token asks for urn:opc:idm:__myscopes__, "
                     "so it carries the scopes of the app roles granted.",
        "unauthorized": "A fresh token was refused: check that the confidential application is activated and "
                        "has the 'User Administrator' app role.",
        "not_found": "Use the identity domain URL only; the SCIM API is under /admin/v1 on it.",
    }

    def __post_init__(self):
        object.__setattr__(self, "domain_url", _origin("domain_url", self.domain_url))
        _require("client_id", self.client_id)
        _require("client_secret", self.client_secret)

    @property
    def token_url(self):
        return self.domain_url + "/oauth2/v1/token"

    @property
    def scim_base(self):
        return self.domain_url + "/admin/v1"

    endpoint = scim_base
    destination = token_url

    def credentials(self):
        """How the client authenticates to the SCIM API."""
        return ClientCredentials(self.token_url, self.client_id, self.client_secret, self.scope, advice=self.advice)

    def client(self, **options):
        return _scim_client(self, options)

    def describe(self):
        return f"Oracle identity domain {self.domain_url} (client ID {self.client_id})"

    def to_dict(self):
        """The settings without the secret."""
        return {"kind": self.kind, "domain_url": self.domain_url, "client_id": self.client_id}

    def secrets(self):
        """The secret settings, to be stored encrypted."""
        return {"client_secret": self.client_secret}


@dataclass(frozen=True)
class ScimSource:
    """Any SCIM 2.0 service provider: a base URL and either a bearer token or OAuth2 client credentials."""

    base_url: str
    bearer_token: str | None = field(default=None, repr=False)
    token_url: str | None = None
    client_id: str | None = None
    client_secret: str | None = field(default=None, repr=False)
    scope: str | None = None

    kind: ClassVar[str] = "scim"
    label: ClassVar[str] = "SCIM 2.0 service"
    secret_names: ClassVar[tuple] = ("bearer_token", "client_secret")
    incremental: ClassVar[str] = "modified"
    groups_incremental: ClassVar[bool] = False
    # RFC 7643 §4.2: Group.members is returned by default, so a list of groups carries them.
    members_in_list: ClassVar[bool] = True
    member_page_size: ClassVar[None] = None
    advice: ClassVar[dict] = {
        "invalid_client": "Check the client ID and secret registered for this server at the token endpoint.",
        "unauthorized_client": "Allow the client-credentials grant for this client at the authorization server.",
        "invalid_scope": "Check the scope; leave it empty if the authorization server needs none.",
        "token_url": "Check the token URL the authorization server documents.",
        "forbidden": "Give the token (or the OAuth client) read access to Users and Groups on the source.",
        "unauthorized": "Check the bearer token or the client credentials.",
        "not_found": "The base URL is the one under which /Users and /Groups are served, e.g. https://host/scim/v2.",
    }

    def __post_init__(self):
        object.__setattr__(self, "base_url", _url("base_url", self.base_url))
        if self.token_url:
            object.__setattr__(self, "token_url", _url("token_url", self.token_url))
        if self.bearer_token and (self.token_url or self.client_id or self.client_secret):
            raise SourceConfigError("bearer_token", "give either a bearer token or OAuth2 client credentials, "
                                                    "not both")
        if not self.bearer_token:
            for name in ("token_url", "client_id", "client_secret"):
                _require(name, getattr(self, name), "needed for OAuth2 client credentials (or give a bearer_token)")

    @property
    def scim_base(self):
        return self.base_url

    endpoint = scim_base

    @property
    def auth(self):
        """'bearer' or 'oauth': which secret is stored."""
        return "bearer" if self.bearer_token else "oauth"

    @property
    def secret_name(self):
        return "bearer_token" if self.bearer_token else "client_secret"

    @property
    def destination(self):
        """A bearer token goes to the SCIM API; a client secret to the token endpoint."""
        return self.base_url if self.bearer_token else self.token_url

    def client(self, **options):
        return _scim_client(self, options)

    def describe(self):
        if self.bearer_token:
            return f"SCIM API {self.base_url} (bearer token)"
        return f"SCIM API {self.base_url} (OAuth2 client {self.client_id} at {self.token_url})"

    def credentials(self):
        """How the client authenticates to the SCIM API."""
        if self.bearer_token:
            return BearerToken(self.bearer_token)
        return ClientCredentials(self.token_url, self.client_id, self.client_secret, self.scope or None,
                                 advice=self.advice)

    def to_dict(self):
        """The settings without the secrets."""
        settings = {"kind": self.kind, "base_url": self.base_url, "auth": self.auth}
        if self.auth == "oauth":
            settings.update(token_url=self.token_url, client_id=self.client_id, scope=self.scope)
        return settings

    def secrets(self):
        """The secret settings, to be stored encrypted."""
        return {"bearer_token": self.bearer_token} if self.bearer_token else {"client_secret": self.client_secret}


# Each IdP API's source lives beside its client, imported when first asked for.
CONNECTORS = {"entra": "sync.graph:EntraSource", "okta": "sync.okta:OktaSource",
              "keycloak": "sync.keycloak:KeycloakSource", "google": "sync.google:GoogleSource"}
KINDS = (OracleSource.kind, ScimSource.kind, *CONNECTORS)


def source_class(kind):
    """The source class of a kind; SourceConfigError when there is none."""
    if kind == OracleSource.kind:
        return OracleSource
    if kind == ScimSource.kind:
        return ScimSource
    if kind not in CONNECTORS:
        raise SourceConfigError("kind", f"must be one of {', '.join(KINDS)}, got {kind!r}")
    module, name = CONNECTORS[kind].split(":")
    return getattr(importlib.import_module(module), name)


def from_dict(settings, secrets=None):
    """The source described by ``to_dict()``'s settings and ``secrets()``'s secrets."""
    cls = source_class(settings.get("kind"))
    names = {f.name for f in fields(cls)}
    values = {k: v for k, v in settings.items() if k in names and k not in cls.secret_names}
    values.update({k: v for k, v in (secrets or {}).items() if k in cls.secret_names and v})
    for f in fields(cls):
        if f.default is MISSING and f.name not in values:
            raise SourceConfigError(f.name, "is missing")
    return cls(**values)


def _scim_client(source, options):
    """A ScimClient for the source (imported when one is made: the client module is the heavier one)."""
    from .client import ScimClient

    return ScimClient(source, **options)
