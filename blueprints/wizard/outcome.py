"""Test connection's outcome in an admin's words, for a page and as JSON: what worked, or the stage it stopped at."""

from flask import jsonify

from sync.diagnose import test_connection
from sync.sources import SourceConfigError

from .source import LABELS, field_message

STAGES = {"config": "the settings", "dns": "DNS", "connect": "the connection", "tls": "TLS",
          "token": "the token endpoint", "api": "the SCIM API"}
# The API an IdP's own source reads, named where the SCIM API would be.
API_NAMES = {"entra": "Microsoft Graph", "okta": "the Okta API", "keycloak": "the Keycloak admin API",
             "google": "Google's Directory API"}
TEST_TIMEOUT = 10.0  # seconds per request: an admin is waiting for the answer


def stage_label(stage, kind):
    """Where a test stopped: "the SCIM API" only for a SCIM source (Oracle's or any other)."""
    if stage == "api" and kind not in ("oracle", "scim"):
        return API_NAMES.get(kind, "the API")
    return STAGES.get(stage, stage)


def test_json(form, load_stored=None):
    """Test connection as a JSON answer: the outcome, or (400) the setting that keeps it from being tried."""
    try:
        built = form.build(load_stored)
    except SourceConfigError as error:
        return jsonify(config_outcome(error, form.labels)), 400
    return jsonify(run_test(built))



def run_test(source):
    """Test connection: a dict for the page and for JSON, saying what worked or where it stopped."""
    result = test_connection(source, timeout=TEST_TIMEOUT)
    outcome = {"ok": result.ok, "stage": result.stage, "stage_label": stage_label(result.stage, source.kind),
               "code": result.code, "message": result.message, "detail": result.detail,
               "users": result.users, "groups": result.groups}
    outcome["headline"] = _connected(result) if result.ok else f"Failed at {outcome['stage_label']}"
    return outcome



def config_outcome(error, labels=LABELS):
    """The test outcome of settings that do not describe a source: the field and what is wrong with it."""
    return {"ok": False, "stage": "config", "stage_label": STAGES["config"], "code": "invalid",
            "field": error.name, "headline": "Check the settings", "message": field_message(error, labels),
            "detail": None}


def _connected(result):
    counts = [f"{n} {what}{'' if n == 1 else 's'}" for n, what in ((result.users, "user"), (result.groups, "group"))
              if n is not None]
    return "Connected: " + ", ".join(counts) if counts else "Connected"
