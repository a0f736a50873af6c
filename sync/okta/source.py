"""An Okta org read through its Management API with an API token, optionally only one app's assignments."""

import re
from dataclasses import dataclass, field
from typing import ClassVar
from urllib.parse import urlsplit

from ..settings import Field, SourceConfigError
from ..settings import origin as _origin
from ..settings import require as _require

# Okta object ids (apps 0oa…, users 00u…, groups 00g…) are letters and digits; a path segment is built from it.
_APP_ID = re.compile(r"[A-Za-z0-9]{1,64}")
# The Admin Console's host (ORG-admin.okta.com) is not where the API answers an API token.
_ADMIN_HOST = re.compile(r"^(?P<org>[a-z0-9-]+)-admin\.(?P<domain>okta(?:preview|-emea|-gov|-mil)?\.com)$")
_TOKENS = "Security → API → Tokens"


@dataclass(frozen=True)
class OktaSource:
    """An Okta org (``org_url``), read with an SSWS API token; with ``app_id``, only the users and groups
    assigned to that app."""

    org_url: str
    api_token: str = field(repr=False)
    app_id: str | None = None

    kind: ClassVar[str] = "okta"
    label: ClassVar[str] = "Okta (Management API)"
    secret_names: ClassVar[tuple] = ("api_token",)
    secret_name: ClassVar[str] = "api_token"
    # Users API, List all users: filter=lastUpdated gt "…" (DEPROVISIONED users included).
    incremental: ClassVar[str] = "modified"
    # Groups API, List all groups: filter on lastUpdated or lastMembershipUpdated, which moves when members do.
    groups_incremental: ClassVar[bool] = True
    advice: ClassVar[dict] = {
        "invalid_token": f"Create an API token in the Okta Admin Console ({_TOKENS}) while signed in as an "
                         "admin who may read users and groups, and paste it here. A token stops working when it "
                         "is revoked, when its admin is deactivated or loses the role, or after 30 days unused.",
        "forbidden": "The token acts with the rights of the admin who created it: that admin needs the "
                     "Read-only Administrator role (Security → Administrators → Add administrator), or a "
                     "custom role with View users and their details and View groups and their details "
                     "(plus View application and its details for an App ID) on the users, groups and app read.",
        "app_not_found": "Copy the App ID from the app's page in the Admin Console (Applications → Applications "
                         "→ the app: the id 0oa… in the address bar), or leave it empty to read the whole org.",
        "not_okta": "The Okta domain URL is your org's address, like https://dev-123456.okta.com or "
                    "https://example.okta.com (a custom domain also works), not the Admin Console "
                    "(…-admin.okta.com) nor a page under it.",
    }
    form: ClassVar[tuple] = (
        Field("org_url", "Okta domain URL",
              "Your org's address, like https://dev-123456.okta.com (without -admin and without a path).",
              placeholder="https://dev-123456.okta.com"),
        Field("api_token", "API token",
              f"An API token from the Admin Console ({_TOKENS}), created by an admin with the Read-only "
              "Administrator role. Sent as 'SSWS token' to the Okta domain only; stored encrypted.",
              kind="secret"),
        Field("app_id", "App ID",
              "Optional: read only the users and groups assigned to this app (Applications → the app: the "
              "0oa… id in the address bar). Empty: every user and group of the org.",
              required=False, placeholder="0oa1b2c3d4e5F6g7h8i9"),
    )

    def __post_init__(self):
        object.__setattr__(self, "org_url", _org_url(self.org_url))
        _token(self.api_token)
        object.__setattr__(self, "app_id", _app_id(self.app_id))

    @property
    def endpoint(self):
        """The org, for messages; the API is under /api/v1 on it."""
        return self.org_url

    @property
    def destination(self):
        """The API token is sent with every request to the org, and nowhere else."""
        return self.org_url

    @property
    def api_base(self):
        return self.org_url + "/api/v1"

    def client(self, **options):
        """An OktaClient (imported here: the client module reads this one)."""
        from .client import OktaClient

        return OktaClient(self, **options)

    def describe(self):
        scope = f", users and groups assigned to app {self.app_id}" if self.app_id else ""
        return f"Okta org {self.org_url} (API token{scope})"

    def to_dict(self):
        """The settings without the API token."""
        return {"kind": self.kind, "org_url": self.org_url, "app_id": self.app_id}

    def secrets(self):
        """The API token, to be stored encrypted."""
        return {"api_token": self.api_token}


def _org_url(value):
    """The org's origin; the Admin Console's -admin host is refused with the org URL it stands for."""
    value = _origin("org_url", value, what="the Okta domain URL")
    parts = urlsplit(value)
    admin = _ADMIN_HOST.match(parts.hostname or "")
    if admin:
        org = f"{parts.scheme}://{admin['org']}.{admin['domain']}"
        raise SourceConfigError("org_url", f"is the Admin Console's address; use the org's, {org}")
    return value


def _token(value):
    """An API token: one word of printable characters (it goes into a header)."""
    _require("api_token", value, f"is required: create one in the Admin Console ({_TOKENS})")
    if value != value.strip() or not value.isprintable() or " " in value:
        raise SourceConfigError("api_token", "must be the token alone, without spaces or line breaks "
                                             "(and without the SSWS prefix)")


def _app_id(value):
    """None, or an Okta app id (letters and digits, like 0oa1b2c3d4e5F6g7h8i9)."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    value = value.strip() if isinstance(value, str) else value
    if not isinstance(value, str) or not _APP_ID.fullmatch(value):
        raise SourceConfigError("app_id", f"must be an Okta app id of letters and digits, like "
                                          f"0oa1b2c3d4e5F6g7h8i9, got {value!r}")
    return value
