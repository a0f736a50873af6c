"""The REST API method's source form, shared by the wizard and an app's Synchronization page.

Oracle (a domain URL and a confidential application's client credentials) and any SCIM 2.0 API (a base URL with
a bearer token or OAuth2 client credentials) have forms of their own; an IdP's own admin API (Entra, Okta,
Keycloak, Google) is asked for as its source class's ``form`` describes (connector.py). The form is read from a
post, built into a sync.sources source, tested (outcome.py). Secrets are read, used and passed on to the store,
never put back into a page: a re-rendered form has its secret and file fields empty.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace

from flask import current_app

from store.tenancy import secrets as secret_store
from sync.sources import CONNECTORS, KINDS, OracleSource, SourceConfigError, from_dict, source_class

from . import connector

# The wizard's steps for the REST API method; the last one is the app's Synchronization page.
REST_STEPS = ("Identity provider", "Sync method", "App name", "Connect", "Synchronize")
LABELS = {
    "domain_url": "Domain URL", "client_id": "Client ID", "client_secret": "Client secret",
    "base_url": "SCIM base URL", "auth": "Authentication", "bearer_token": "Bearer token",
    "token_url": "Token URL", "scope": "Scope", "kind": "Source", "schedule": "Schedule",
}
AUTHS = {"bearer": "Bearer token", "oauth": "OAuth2 client credentials"}
# Oracle's and SCIM's fields (SCIM's per authentication); the rest of a posted form is ignored.
FIELDS = {
    "oracle": ("domain_url", "client_id"),
    "bearer": ("base_url",),
    "oauth": ("base_url", "token_url", "client_id", "scope"),
}
SECRET = {"oracle": "client_secret", "bearer": "bearer_token", "oauth": "client_secret"}
DESTINATION = {"oracle": "domain_url", "bearer": "base_url", "oauth": "token_url"}  # the field a secret follows
VISIBLE = ("domain_url", "base_url", "auth", "token_url", "client_id", "scope")
OPTIONAL = ("scope",)
ORACLE_SCOPE = OracleSource.scope
# The providers read through their own admin API; every other one (but Oracle) is read as SCIM 2.0.
OWN_API = {provider: provider for provider in CONNECTORS}


def kind_for(provider):
    """The source kind a provider's form asks for: Oracle's, an IdP's own admin API, else SCIM 2.0."""
    return "oracle" if provider == "oracle" else OWN_API.get(provider, "scim")


def kind_label(kind):
    """A source kind in an admin's words."""
    try:
        return source_class(kind).label
    except (SourceConfigError, ImportError):
        return kind


def key():
    """The key secrets are encrypted with."""
    return secret_store.key_from(current_app.config)


@dataclass
class SourceForm:
    """The source form as typed or as stored: kind, the visible values, and the secret typed (never shown)."""

    kind: str
    values: dict
    secret: str = field(default="", repr=False)
    stored_secret: bool = False  # a secret is stored: an empty secret field keeps it
    retype: bool = False  # shown again after a secret was typed: it is not sent back, so say so
    problem: SourceConfigError | None = None  # an upload that could not be read, raised by build()

    @classmethod
    def blank(cls, kind):
        return cls(kind, {"auth": "bearer"} if kind == "scim" else {})

    @classmethod
    def typed(cls, kind, data, stored_secret=False, files=None):
        """The form as posted (trimmed); only the secret field of the chosen authentication counts."""
        if kind in CONNECTORS:
            values, secret, problem = connector.read(source_class(kind).form, data, files or {})
            return cls(kind, values, secret, stored_secret=stored_secret, problem=problem)
        values = {name: data.get(name, "").strip() for name in VISIBLE}
        values["auth"] = values["auth"] or ("bearer" if kind == "scim" else "")
        form = cls(kind, values, stored_secret=stored_secret)
        form.secret = data.get(SECRET.get(form.auth, ""), "").strip()
        return form

    @classmethod
    def stored(cls, saved):
        """The form filled in from store.pull.sources.settings_of()."""
        settings = dict(saved["settings"])
        if saved["kind"] in CONNECTORS:
            values = connector.shown(source_class(saved["kind"]).form, settings)
            return cls(saved["kind"], values, stored_secret=bool(saved.get("has_secret")))
        settings.setdefault("auth", "oauth" if settings.get("client_id") else "bearer")
        values = {name: settings.get(name) or "" for name in VISIBLE}
        return cls(saved["kind"], values, stored_secret=bool(saved.get("has_secret")))

    @property
    def connector(self):
        """True for an IdP's own admin API, whose fields its source class describes."""
        return self.kind in CONNECTORS

    @property
    def fields(self):
        """A connector's sync.settings.Field tuple, in the order the form shows them (else empty)."""
        return source_class(self.kind).form if self.connector else ()

    @property
    def auth(self):
        """'oracle', the SCIM form's authentication ('bearer' or 'oauth'), or a connector's kind."""
        if self.connector:
            return self.kind
        return "oracle" if self.kind == "oracle" else self.values.get("auth", "")

    @property
    def secret_name(self):
        if self.connector:
            return connector.secret_field(self.fields).name
        return SECRET.get(self.auth, "client_secret")

    @property
    def labels(self):
        """Each setting's label, a connector's as its class words it."""
        return {**LABELS, **{f.name: f.label for f in self.fields}}

    @property
    def multipart(self):
        """The form uploads a file (Google's service-account key)."""
        return any(f.kind == "file" for f in self.fields)

    def settings(self):
        """The non-secret settings the chosen kind and authentication use."""
        if self.connector:
            return connector.settings(self.fields, self.values)
        settings = {name: self.values.get(name, "") for name in FIELDS.get(self.auth, ())}
        if self.kind == "scim":
            settings["auth"] = self.auth
            if "scope" in settings:
                settings["scope"] = settings["scope"] or None
        return settings

    def secrets(self):
        """The typed secret ({} when left empty: the stored one is kept)."""
        return {self.secret_name: self.secret} if self.secret else {}

    def build(self, load_stored=None):
        """The source these settings describe; with no secret typed, the stored one (load_stored() gives the
        stored source; it is called only then). Raises SourceConfigError naming the field.
        """
        self._check()
        if self.secret:
            return from_dict({"kind": self.kind, **self.settings()}, self.secrets())
        stored = load_stored() if load_stored and self.stored_secret else None
        kept = stored.secrets().get(self.secret_name) if stored is not None else None
        if not kept:
            raise SourceConfigError(self.secret_name, "is required")
        built = from_dict({"kind": self.kind, **self.settings()}, {self.secret_name: kept})
        if built.destination != stored.destination:
            # A stored secret goes only where it went when it was typed: changing the URL must not let
            # whoever can open this page send it to a server of their choosing.
            raise SourceConfigError(self.secret_name, self._moved(built))
        return built

    def _check(self):
        """SourceConfigError for a kind, authentication or required field the form lacks."""
        if self.kind not in KINDS:
            raise SourceConfigError("kind", f"must be one of {', '.join(KINDS)}")
        if self.problem is not None:
            raise self.problem
        if self.connector:
            connector.check(self.fields, self.values)
            return
        if self.auth not in FIELDS:
            raise SourceConfigError("auth", "choose a bearer token or OAuth2 client credentials")
        for name in FIELDS[self.auth]:
            if name not in OPTIONAL and not self.values.get(name):
                raise SourceConfigError(name, "is required")

    def _moved(self, built):
        """Why a stored secret is not sent to the new settings' destination."""
        if self.connector:
            again = "chosen again" if connector.secret_field(self.fields).kind == "file" else "typed again"
            return (f"must be {again}: it would now be sent to {built.destination}, and a stored secret is only "
                    "sent where it was saved for")
        return (f"must be typed again: the {LABELS[DESTINATION[self.auth]]} changed, and a stored secret is only "
                "sent where it was saved for")

    def shown_again(self):
        """The same form for a page: without the secret, remembering whether one had been typed (to say so)."""
        return replace(self, secret="", retype=bool(self.secret or self.problem))


def fingerprint(form):
    """A digest of the settings and the secret a form holds, keyed by the app's secret key: it tells the same
    settings again without keeping the secret, nor a plain hash of it anyone could try guesses against."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    material = json.dumps([form.kind, form.settings(), form.secret], sort_keys=True)
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()


def field_message(error, labels=LABELS):
    """A SourceConfigError in words beside its field: "Domain URL must be an https:// URL, ..."."""
    text = str(error).removeprefix(f"{error.name}: ")
    label = labels.get(error.name, error.name)
    stop = "" if text.endswith((".", "!", "?")) else "."
    if text.split(" ", 1)[0] in ("is", "must", "has", "needed"):
        return f"{label} {text}{stop}"
    return text[:1].upper() + text[1:] + stop


def stored_settings(source):
    """What the store keeps of a source besides its secret: its settings as it normalised them, without kind."""
    return {name: value for name, value in source.to_dict().items() if name != "kind"}
