"""Microsoft Entra ID as a pull source: its settings, checked as an admin typed them, and its admin words."""

import re
from dataclasses import dataclass, field
from typing import ClassVar

from ..settings import Field, SourceConfigError, choice, origin, require

LOGIN_URL = "https://login.microsoftonline.com"
GRAPH_URL = "https://graph.microsoft.com"
USERNAME_ATTRIBUTES = ("userPrincipalName", "mail", "onPremisesSamAccountName")
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_DOMAIN = re.compile(r"^(?=.{4,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
_WHERE = "App registrations → your app → Overview"


@dataclass(frozen=True)
class EntraSource:
    """A Microsoft Entra ID tenant read through Microsoft Graph v1.0 with an app registration's client secret."""

    tenant_id: str
    client_id: str
    client_secret: str = field(repr=False)
    username_attribute: str = USERNAME_ATTRIBUTES[0]
    from_groups: tuple = ()
    login_url: str = LOGIN_URL
    graph_url: str = GRAPH_URL

    kind: ClassVar[str] = "entra"
    label: ClassVar[str] = "Microsoft Entra ID (Microsoft Graph)"
    secret_names: ClassVar[tuple] = ("client_secret",)
    secret_name: ClassVar[str] = "client_secret"
    form: ClassVar[tuple] = (
        Field("client_id", "Client ID", f"The Application (client) ID, on {_WHERE}.",
              placeholder="00000000-0000-0000-0000-000000000000"),
        Field("client_secret", "Client Secret", "The Value of a client secret (not its Secret ID): App registrations "
              "→ your app → Certificates & secrets → New client secret. Stored encrypted.", kind="secret"),
        Field("tenant_id", "Tenant ID", f"The Directory (tenant) ID, on {_WHERE}, or a verified domain of the "
              "tenant such as contoso.onmicrosoft.com.", placeholder="00000000-0000-0000-0000-000000000000"),
        Field("username_attribute", "User Name Attribute", "The Entra ID attribute that becomes the userName. A user "
              "without it is skipped, and the audit trail says so.", kind="choice",
              choices=(("userPrincipalName", "User principal name"), ("mail", "Email (mail)"),
                       ("onPremisesSamAccountName", "On-premises sAMAccountName"))),
        Field("from_groups", "Synchronize users from", "Group names, comma-separated: only their members (nested "
              "groups included) are pulled, and only these groups, every run in full. Empty: every user and group, "
              "then only changes.", kind="list", required=False, placeholder="All users"),
        Field("login_url", "Login URL", "Change only for a national cloud, e.g. https://login.microsoftonline.us.",
              required=False, placeholder=LOGIN_URL, advanced=True),
        Field("graph_url", "Graph URL", "Change only for a national cloud, e.g. https://graph.microsoft.us.",
              required=False, placeholder=GRAPH_URL, advanced=True),
    )
    advice: ClassVar[dict] = {
        "wrong_secret": "The client secret is wrong or expired: create a new one under App registrations → your app "
                        "→ Certificates & secrets, and paste its Value (not its Secret ID).",
        "unknown_tenant": f"Check the Tenant ID: the Directory (tenant) ID on {_WHERE}, or a verified domain of the "
                          "tenant. A national cloud's tenant also needs its Login URL.",
        "unknown_client": f"Check the Client ID: the Application (client) ID on {_WHERE}, of an app registered in "
                          "this tenant.",
        "invalid_client": "Check the Client ID and the client secret's Value on the app registration.",
        "unauthorized_client": "Check the Client ID, and that the app registration is enabled in the tenant.",
        "invalid_scope": "The Graph URL must be the Microsoft Graph of the Login URL's cloud.",
        "token_url": "Check the Login URL: https://login.microsoftonline.com, or your national cloud's.",
        "forbidden": "Grant Directory.Read.All and User.Read.All as application permissions, with admin consent: "
                     "App registrations → your app → API permissions → Add a permission → Microsoft Graph → "
                     "Application permissions; then Grant admin consent for the tenant.",
        "unauthorized": "Microsoft Graph refused a fresh token: the Graph URL must be the Microsoft Graph of the "
                        "Login URL's cloud, and admin consent must be granted.",
        "not_found": "Check the Graph URL: https://graph.microsoft.com, or your national cloud's Microsoft Graph.",
        "group_not_found": "Each name under 'Synchronize users from' must be a group's display name in the tenant "
                           "(Groups → All groups).",
    }

    def __post_init__(self):
        tenant = require("tenant_id", self.tenant_id, "is required: the Directory (tenant) ID").strip()
        if not (_GUID.match(tenant) or _DOMAIN.match(tenant)):
            raise SourceConfigError("tenant_id", f"must be the Directory (tenant) ID (a GUID) or a verified domain "
                                                 f"like contoso.onmicrosoft.com, got {tenant!r}")
        client = require("client_id", self.client_id, "is required: the Application (client) ID").strip()
        if not _GUID.match(client):
            raise SourceConfigError("client_id", f"must be the Application (client) ID, a GUID like "
                                                 f"00000000-0000-0000-0000-000000000000, got {client!r}")
        require("client_secret", self.client_secret)
        self._set(tenant_id=tenant, client_id=client,
                  username_attribute=choice("username_attribute", self.username_attribute, USERNAME_ATTRIBUTES),
                  from_groups=_names(self.from_groups),
                  login_url=origin("login_url", self.login_url or LOGIN_URL, "the login host"),
                  graph_url=origin("graph_url", self.graph_url or GRAPH_URL, "the Microsoft Graph host"))

    def _set(self, **values):
        for name, value in values.items():
            object.__setattr__(self, name, value)

    @property
    def incremental(self):
        """Delta links; none when users come from chosen groups: their members are read whole each run."""
        return None if self.from_groups else "delta"

    @property
    def groups_incremental(self):
        return not self.from_groups

    @property
    def destination(self):
        """The token endpoint: the only URL the client secret is sent to."""
        return f"{self.login_url}/{self.tenant_id}/oauth2/v2.0/token"

    @property
    def endpoint(self):
        return f"{self.graph_url}/v1.0"

    @property
    def scope(self):
        """Client credentials ask for the application permissions granted on Graph: <resource>/.default."""
        return f"{self.graph_url}/.default"

    def credentials(self):
        from .token import EntraCredentials

        return EntraCredentials(self.destination, self.client_id, self.client_secret, self.scope,
                                advice=self.advice)

    def client(self, **options):
        from .client import EntraClient

        return EntraClient(self, **options)

    def describe(self):
        scope = f"; users of {', '.join(repr(name) for name in self.from_groups)}" if self.from_groups else ""
        return f"Microsoft Entra ID tenant {self.tenant_id} (client ID {self.client_id}{scope})"

    def to_dict(self):
        """The settings without the secret."""
        return {"kind": self.kind, "tenant_id": self.tenant_id, "client_id": self.client_id,
                "username_attribute": self.username_attribute, "from_groups": list(self.from_groups),
                "login_url": self.login_url, "graph_url": self.graph_url}

    def secrets(self):
        """The secret settings, to be stored encrypted."""
        return {"client_secret": self.client_secret}


def _names(value):
    """Group display names from a list or a comma-separated text, each once, in order."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = value.split(",")
    if not isinstance(value, (list, tuple)) or not all(isinstance(name, str) for name in value):
        raise SourceConfigError("from_groups", "must be group names, separated by commas")
    return tuple(dict.fromkeys(name.strip() for name in value if name.strip()))
