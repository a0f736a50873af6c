"""A Google Workspace directory read through the Admin SDK Directory API, as a service account with
domain-wide delegation impersonating one of the domain's admins."""

import json
import re
from dataclasses import dataclass, field
from typing import ClassVar

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from ..settings import Field, SourceConfigError
from ..settings import require as _require
from ..settings import url as _url

API_URL = "https://admin.googleapis.com"
TOKEN_URL = "https://oauth2.googleapis.com/token"
# Admin SDK Directory API, "Authorize requests": the read-only scopes users.list, groups.list and members.list accept.
SCOPES = ("https://www.googleapis.com/auth/admin.directory.user.readonly",
          "https://www.googleapis.com/auth/admin.directory.group.readonly",
          "https://www.googleapis.com/auth/admin.directory.group.member.readonly")
MY_CUSTOMER = "my_customer"  # the alias of the impersonated admin's own account
_CUSTOMER_ID = re.compile(r"C[0-9A-Za-z]{4,}")
_DOMAIN = re.compile(r"(?=.{4,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_KEY_FIELDS = ("client_email", "private_key", "private_key_id")
_DELEGATION = ("Admin console → Security → Access and data control → API controls → Manage Domain Wide "
               "Delegation")


@dataclass(frozen=True)
class GoogleSource:
    """A Google Workspace account (``my_customer``, a customer ID, or one of its domains), read as
    ``admin_email`` by the service account whose JSON key is ``service_account``."""

    customer: str
    admin_email: str
    service_account: str = field(repr=False)
    api_url: str = API_URL
    token_url: str = TOKEN_URL

    kind: ClassVar[str] = "google"
    label: ClassVar[str] = "Google Workspace (Admin SDK Directory API)"
    secret_names: ClassVar[tuple] = ("service_account",)
    secret_name: ClassVar[str] = "service_account"
    # The Directory API has no time of change on users and no change feed: every run reads everything.
    incremental: ClassVar[None] = None
    groups_incremental: ClassVar[bool] = False
    scopes: ClassVar[tuple] = SCOPES
    advice: ClassVar[dict] = {
        "unauthorized_client": f"Domain-wide delegation is missing, or not for these scopes: in the {_DELEGATION}, "
                               "add the service account's client ID ({client_id}) with the scopes "
                               + ",".join(SCOPES) + ".",
        "no_such_admin": "The Admin email must be an existing user of the Google Workspace account, "
                         "signed in at least once, with the right to read users and groups.",
        "invalid_signature": "The key was deleted or rotated: create a new JSON key for the service account "
                             "(Google Cloud console → IAM & Admin → Service accounts → Keys) and upload it.",
        "invalid_client": "The service account was not found: it may have been deleted or disabled in its "
                          "Google Cloud project; upload a key of an active service account.",
        "clock": "Google refused the token's time: check this server's clock (NTP).",
        "token_url": "Leave the token URL empty to use https://oauth2.googleapis.com/token.",
        "forbidden": "The admin the service account acts as must be a super admin, or hold an admin role with "
                     "the privileges Users → Read and Groups → Read (Admin console → Account → Admin roles).",
        "api_disabled": "Enable the Admin SDK API in the service account's Google Cloud project (Google Cloud "
                        "console → APIs & Services → Library → Admin SDK API → Enable), then retry in a few minutes.",
        "bad_customer": "Customer must be my_customer, the customer ID shown in Admin console → Account → "
                        "Account settings (like C01abc2de), or one of the account's domains.",
        "unauthorized": "A fresh token was refused: check the domain-wide delegation of the service account.",
        "not_found": "Leave the API URL empty to use https://admin.googleapis.com.",
    }
    form: ClassVar[tuple] = (
        Field("customer", "Customer",
              "my_customer (the admin's own account), the customer ID from Admin console → Account → Account "
              "settings, or one domain of the account (then only that domain's users and groups are read).",
              placeholder=MY_CUSTOMER),
        Field("admin_email", "Admin email",
              "The Google Workspace admin the service account acts as (domain-wide delegation): a user with "
              "the privileges to read users and groups.", placeholder="admin@example.com"),
        Field("service_account", "Service account key (JSON)",
              "The JSON key file of a service account with domain-wide delegation for the read-only "
              "directory scopes. Stored encrypted.", kind="file"),
        Field("api_url", "API URL", "Only for testing or a proxy.", required=False, placeholder=API_URL,
              advanced=True),
        Field("token_url", "Token URL", "Where the signed assertion is sent for a token; it wins over the "
              "key file's token_uri.", required=False, placeholder=TOKEN_URL, advanced=True),
    )

    def __post_init__(self):
        object.__setattr__(self, "customer", _customer(self.customer))
        object.__setattr__(self, "admin_email", _admin_email(self.admin_email))
        object.__setattr__(self, "api_url", _url("api_url", self.api_url or API_URL))
        object.__setattr__(self, "token_url", _url("token_url", self.token_url or TOKEN_URL))
        _key(self.service_account)

    @property
    def endpoint(self):
        return self.api_url + "/admin/directory/v1"

    @property
    def destination(self):
        """The signed assertion, made with the key, is sent to the token URL only."""
        return self.token_url

    @property
    def key(self):
        """The service-account key file as a dict."""
        return json.loads(self.service_account)

    @property
    def client_email(self):
        return self.key["client_email"]

    @property
    def scope(self):
        """customer= or domain=, as users.list and groups.list take it."""
        return ("domain" if "." in self.customer else "customer"), self.customer

    def client(self, **options):
        # The client module reads this one: imported when a client is made.
        from .client import GoogleClient

        return GoogleClient(self, **options)

    def describe(self):
        which, value = self.scope
        where = f"Google Workspace {'domain' if which == 'domain' else 'customer'} {value}"
        return f"{where} (service account {self.client_email}, acting as {self.admin_email})"

    def to_dict(self):
        """The settings without the key file."""
        return {"kind": self.kind, "customer": self.customer, "admin_email": self.admin_email,
                "api_url": self.api_url, "token_url": self.token_url}

    def secrets(self):
        """The key file's text, to be stored encrypted."""
        return {"service_account": self.service_account}


def _customer(value):
    """my_customer, a customer ID (C…), or a domain (lowercased): SourceConfigError otherwise."""
    value = _require("customer", value, "is required: my_customer, a customer ID, or a domain").strip()
    if value == MY_CUSTOMER or _CUSTOMER_ID.fullmatch(value):
        return value
    if "." in value and _DOMAIN.fullmatch(value.lower()):
        return value.lower()
    raise SourceConfigError("customer", f"must be my_customer, a customer ID like C01abc2de, or a domain like "
                                        f"example.com, got {value!r}")


def _admin_email(value):
    value = _require("admin_email", value, "is required: the admin the service account acts as").strip()
    if not _EMAIL.fullmatch(value):
        raise SourceConfigError("admin_email", f"must be an email address, got {value!r}")
    return value


def _key(text):
    """The parsed service-account key file, or SourceConfigError saying what it is not."""
    _require("service_account", text, "is required: upload the service account's JSON key file")
    try:
        key = json.loads(text)
    except ValueError:
        raise _not_a_key("it is not JSON") from None
    if not isinstance(key, dict):
        raise _not_a_key("it is not a JSON object")
    if key.get("type") != "service_account":
        raise _not_a_key(f"its type is {key.get('type')!r}, not 'service_account' (an OAuth client's file "
                         "will not do)")
    missing = [name for name in _KEY_FIELDS if not isinstance(key.get(name), str) or not key[name].strip()]
    if missing:
        raise _not_a_key(f"it has no {', '.join(missing)}")
    private_key(key)
    return key


def private_key(key):
    """The RSA private key of a key file's dict; SourceConfigError when its PEM does not load."""
    try:
        loaded = serialization.load_pem_private_key(key["private_key"].encode(), password=None)
    except (ValueError, TypeError):
        raise _not_a_key("its private_key is not a PEM private key") from None
    if not isinstance(loaded, rsa.RSAPrivateKey):
        raise _not_a_key("its private_key is not an RSA key (RS256 needs one)")
    return loaded


def _not_a_key(why):
    return SourceConfigError("service_account", f"not a service-account key file: {why}")
