"""The REST API method's source form, shared by the wizard and an app's Synchronization page.

What each provider needs (Oracle: domain URL and a confidential application's client credentials; any
other: a SCIM 2.0 base URL with a bearer token or OAuth2 client credentials), read from a posted form,
built into a sync.sources source, tested with sync.diagnose. Secrets are read, used and passed on to
the store, never put back into a page: a re-rendered form has its secret fields empty.
"""

import hashlib
import hmac
import json
from dataclasses import dataclass, field, replace

from flask import current_app, jsonify

from store.tenancy import secrets as secret_store
from sync.diagnose import test_connection
from sync.sources import OracleSource, SourceConfigError, from_dict

# The wizard's steps for the REST API method; the last one is the app's Synchronization page.
REST_STEPS = ("Identity provider", "Sync method", "App name", "Connect", "Synchronize")
LABELS = {
    "domain_url": "Domain URL", "client_id": "Client ID", "client_secret": "Client secret",
    "base_url": "SCIM base URL", "auth": "Authentication", "bearer_token": "Bearer token",
    "token_url": "Token URL", "scope": "Scope", "kind": "Source", "schedule": "Schedule",
}
KINDS = {"oracle": "Oracle identity domain (IDCS / OCI IAM)", "scim": "SCIM 2.0 service"}
AUTHS = {"bearer": "Bearer token", "oauth": "OAuth2 client credentials"}
# Which fields each kind (and, for SCIM, each authentication) reads; the rest of a posted form is ignored.
FIELDS = {
    "oracle": ("domain_url", "client_id"),
    "bearer": ("base_url",),
    "oauth": ("base_url", "token_url", "client_id", "scope"),
}
SECRET = {"oracle": "client_secret", "bearer": "bearer_token", "oauth": "client_secret"}
DESTINATION = {"oracle": "domain_url", "bearer": "base_url", "oauth": "token_url"}  # where the secret is sent
VISIBLE = ("domain_url", "base_url", "auth", "token_url", "client_id", "scope")
OPTIONAL = ("scope",)
STAGES = {"config": "the settings", "dns": "DNS", "connect": "the connection", "tls": "TLS",
          "token": "the token endpoint", "api": "the SCIM API"}
TEST_TIMEOUT = 10.0  # seconds per request: an admin is waiting for the answer
ORACLE_SCOPE = OracleSource.scope


def kind_for(provider):
    """Oracle has its own form (the domain URL is enough); every other provider is read as SCIM 2.0."""
    return "oracle" if provider == "oracle" else "scim"


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

    @classmethod
    def blank(cls, kind):
        return cls(kind, {"auth": "bearer"} if kind == "scim" else {})

    @classmethod
    def typed(cls, kind, data, stored_secret=False):
        """The form as posted (trimmed); only the secret field of the chosen authentication counts."""
        values = {name: data.get(name, "").strip() for name in VISIBLE}
        values["auth"] = values["auth"] or ("bearer" if kind == "scim" else "")
        form = cls(kind, values, stored_secret=stored_secret)
        form.secret = data.get(SECRET.get(form.auth, ""), "").strip()
        return form

    @classmethod
    def stored(cls, saved):
        """The form filled in from store.pull.sources.settings_of()."""
        settings = dict(saved["settings"])
        settings.setdefault("auth", "oauth" if settings.get("client_id") else "bearer")
        values = {name: settings.get(name) or "" for name in VISIBLE}
        return cls(saved["kind"], values, stored_secret=bool(saved.get("has_secret")))

    @property
    def auth(self):
        """'oracle', or the SCIM form's authentication ('bearer' or 'oauth')."""
        return "oracle" if self.kind == "oracle" else self.values.get("auth", "")

    @property
    def secret_name(self):
        return SECRET.get(self.auth, "client_secret")

    def settings(self):
        """The non-secret settings the chosen kind and authentication use."""
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
        if self.kind not in KINDS:
            raise SourceConfigError("kind", f"must be one of {', '.join(KINDS)}")
        if self.auth not in FIELDS:
            raise SourceConfigError("auth", "choose a bearer token or OAuth2 client credentials")
        for name in FIELDS[self.auth]:
            if name not in OPTIONAL and not self.values.get(name):
                raise SourceConfigError(name, "is required")
        if self.secret:
            return from_dict({"kind": self.kind, **self.settings()}, self.secrets())
        stored = load_stored() if load_stored and self.stored_secret else None
        kept = stored.secrets().get(self.secret_name) if stored is not None else None
        if not kept:
            raise SourceConfigError(self.secret_name, "is required")
        built = from_dict({"kind": self.kind, **self.settings()}, {self.secret_name: kept})
        if _destination(built) != _destination(stored):
            # A stored secret goes only where it went when it was typed: changing the URL must not let
            # whoever can open this page send it to a server of their choosing.
            raise SourceConfigError(self.secret_name, f"must be typed again: the {LABELS[DESTINATION[self.auth]]} "
                                                      "changed, and a stored secret is only sent where it was "
                                                      "saved for")
        return built

    def shown_again(self):
        """The same form for a page: without the secret, remembering whether one had been typed (to say so)."""
        return replace(self, secret="", retype=bool(self.secret))


def fingerprint(form):
    """A digest of the settings and the secret a form holds, keyed by the app's secret key: it tells the same
    settings again without keeping the secret, nor a plain hash of it anyone could try guesses against."""
    key = current_app.secret_key
    key = key.encode() if isinstance(key, str) else key
    material = json.dumps([form.kind, form.settings(), form.secret], sort_keys=True)
    return hmac.new(key, material.encode(), hashlib.sha256).hexdigest()


def _destination(source):
    """Where a source sends its secret: the URL its client authenticates against."""
    return getattr(source, DESTINATION["oracle" if source.kind == "oracle" else source.auth])


def field_message(error):
    """A SourceConfigError in words beside its field: "Domain URL must be an https:// URL, ..."."""
    text = str(error).removeprefix(f"{error.name}: ")
    label = LABELS.get(error.name, error.name)
    if text.split(" ", 1)[0] in ("is", "must", "has", "needed"):
        return f"{label} {text}."
    return text[:1].upper() + text[1:] + "."


def stored_settings(source):
    """What the store keeps of a source besides its secret: its settings as it normalised them, without kind."""
    return {name: value for name, value in source.to_dict().items() if name != "kind"}


def test_json(form, load_stored=None):
    """Test connection as a JSON answer: the outcome, or (400) the setting that keeps it from being tried."""
    try:
        built = form.build(load_stored)
    except SourceConfigError as error:
        return jsonify(config_outcome(error)), 400
    return jsonify(run_test(built))


def run_test(source):
    """Test connection: a dict for the page and for JSON, saying what worked or where it stopped."""
    result = test_connection(source, timeout=TEST_TIMEOUT)
    outcome = {"ok": result.ok, "stage": result.stage, "stage_label": STAGES.get(result.stage, result.stage),
               "code": result.code, "message": result.message, "detail": result.detail,
               "users": result.users, "groups": result.groups}
    outcome["headline"] = _connected(result) if result.ok else f"Failed at {outcome['stage_label']}"
    return outcome


def config_outcome(error):
    """The test outcome of settings that do not describe a source: the field and what is wrong with it."""
    return {"ok": False, "stage": "config", "stage_label": STAGES["config"], "code": "invalid",
            "field": error.name, "headline": "Check the settings", "message": field_message(error), "detail": None}


def _connected(result):
    counts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((result.users, "user"), (result.groups, "group"))
              if n is not None]
    return "Connected: " + ", ".join(counts) if counts else "Connected"
