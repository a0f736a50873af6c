"""Okta (sync.okta): the source's settings, and the client against a fake Okta org (tests/fakes/okta.py):
paging by Link headers, records mapped to SCIM, incremental filters, App ID scoping, rate limits, errors."""

import pytest

from sync.okta import OktaSource
from sync.settings import Field
from sync.sources import SourceConfigError, from_dict, source_class

ORG = "https://dev-123456.okta.com"
TOKEN = "00abcDEF_ghiJKL-123"


# --- the source ------------------------------------------------------------------------------------------


def test_the_registry_names_the_okta_source():
    assert source_class("okta") is OktaSource


def test_settings_round_trip_through_from_dict_without_the_token():
    source = OktaSource(ORG + "/", TOKEN, "0oa1b2c3D4")
    assert source.to_dict() == {"kind": "okta", "org_url": ORG, "app_id": "0oa1b2c3D4"}
    assert source.secrets() == {"api_token": TOKEN}
    assert from_dict(source.to_dict(), source.secrets()) == source
    assert TOKEN not in repr(source)


def test_an_empty_app_id_reads_the_whole_org():
    source = from_dict({"kind": "okta", "org_url": ORG, "app_id": " "}, {"api_token": TOKEN})
    assert source.app_id is None
    assert source.describe() == f"Okta org {ORG} (API token)"
    assert OktaSource(ORG, TOKEN, "0oa1").describe() == f"Okta org {ORG} (API token, users and groups " \
                                                         f"assigned to app 0oa1)"


def test_the_token_goes_to_the_org_only():
    source = OktaSource(ORG, TOKEN)
    assert source.destination == source.endpoint == ORG
    assert source.api_base == ORG + "/api/v1"


def test_the_form_lists_the_url_the_token_and_the_optional_app_id_in_order():
    form = OktaSource.form
    assert all(isinstance(item, Field) for item in form)
    assert [(f.name, f.kind, f.required) for f in form] == [
        ("org_url", "text", True), ("api_token", "secret", True), ("app_id", "text", False)]


@pytest.mark.parametrize("settings, name, message", [
    ({"org_url": "https://dev-123456-admin.okta.com"}, "org_url",
     "is the Admin Console's address; use the org's, https://dev-123456.okta.com"),
    ({"org_url": "https://acme-admin.oktapreview.com"}, "org_url",
     "is the Admin Console's address; use the org's, https://acme.oktapreview.com"),
    ({"org_url": ORG + "/app/UserHome"}, "org_url", "is the Okta domain URL only, like"),
    ({"org_url": "http://dev-123456.okta.com"}, "org_url", "must use https://"),
    ({"org_url": ""}, "org_url", "is required"),
    ({"app_id": "0oa1/../../users"}, "app_id", "must be an Okta app id of letters and digits"),
])
def test_bad_settings_are_refused_naming_the_setting(settings, name, message):
    with pytest.raises(SourceConfigError) as refused:
        from_dict({"kind": "okta", "org_url": ORG, **settings}, {"api_token": TOKEN})
    assert refused.value.name == name and message in str(refused.value)


@pytest.mark.parametrize("token, message", [
    (None, "is missing"),
    ("SSWS " + TOKEN, "must be the token alone"),
    (TOKEN + "\n", "must be the token alone"),
])
def test_a_missing_or_pasted_with_extras_token_is_refused(token, message):
    with pytest.raises(SourceConfigError, match=message) as refused:
        from_dict({"kind": "okta", "org_url": ORG}, {"api_token": token})
    assert refused.value.name == "api_token"


def test_a_custom_domain_and_a_loopback_fake_are_accepted():
    assert OktaSource("https://login.example.com", TOKEN).org_url == "https://login.example.com"
    assert OktaSource("http://127.0.0.1:8080", TOKEN).org_url == "http://127.0.0.1:8080"
