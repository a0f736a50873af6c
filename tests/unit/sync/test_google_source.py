"""Google Workspace source settings: the key file checked in admin words, customer or domain, the round trip
through to_dict()/secrets(), and the key kept out of dicts, reprs and descriptions."""

import json

import pytest

from sync.google import GoogleSource
from sync.settings import Field
from sync.sources import SourceConfigError, from_dict
from tests.fakes.google import ServiceAccount


@pytest.fixture(scope="module")
def account():
    return ServiceAccount()


def make(account, **overrides):
    settings = {"customer": "my_customer", "admin_email": "admin@example.com", "service_account": account.file()}
    return GoogleSource(**{**settings, **overrides})


def test_defaults_and_what_it_says(account):
    source = make(account)
    assert (source.api_url, source.token_url) == ("https://admin.googleapis.com", "https://oauth2.googleapis.com/token")
    assert source.endpoint == "https://admin.googleapis.com/admin/directory/v1"
    assert source.destination == source.token_url
    assert source.scope == ("customer", "my_customer")
    assert source.describe() == ("Google Workspace customer my_customer (service account "
                                 f"{account.client_email}, acting as admin@example.com)")
    assert (source.incremental, source.groups_incremental) == (None, False)


@pytest.mark.parametrize("given, scope", [
    ("my_customer", ("customer", "my_customer")),
    ("C01abc2de", ("customer", "C01abc2de")),
    (" Example.COM ", ("domain", "example.com")),
    ("eu.corp.example.org", ("domain", "eu.corp.example.org")),
])
def test_a_customer_id_is_sent_as_customer_and_a_domain_as_domain(account, given, scope):
    assert make(account, customer=given).scope == scope


def test_a_domain_is_described_as_a_domain(account):
    assert make(account, customer="example.com").describe().startswith("Google Workspace domain example.com (")


@pytest.mark.parametrize("name, value, message", [
    ("customer", "", "customer: is required: my_customer, a customer ID, or a domain"),
    ("customer", "example", ("customer: must be my_customer, a customer ID like C01abc2de, or a domain like "
                             "example.com, got 'example'")),
    ("customer", "exa mple.com", "customer: must be my_customer"),
    ("admin_email", "", "admin_email: is required: the admin the service account acts as"),
    ("admin_email", "admin", "admin_email: must be an email address, got 'admin'"),
    ("api_url", "http://admin.example.com", "api_url: must use https://"),
    ("token_url", "ftp://oauth2.example.com/token", "token_url: must be an https:// URL"),
])
def test_bad_settings_are_refused_naming_the_setting(account, name, value, message):
    with pytest.raises(SourceConfigError) as refused:
        make(account, **{name: value})
    assert refused.value.name == name and str(refused.value).startswith(message)


def key_text(account, **changes):
    key = json.loads(account.file())
    key.update(changes)
    return json.dumps({k: v for k, v in key.items() if v is not None})


@pytest.mark.parametrize("text, why", [
    ("", "service_account: is required: upload the service account's JSON key file"),
    ("-----BEGIN PRIVATE KEY-----", "service_account: not a service-account key file: it is not JSON"),
    ("[1, 2]", "service_account: not a service-account key file: it is not a JSON object"),
    (lambda a: key_text(a, type="authorized_user"),
     "service_account: not a service-account key file: its type is 'authorized_user', not 'service_account'"),
    (lambda a: json.dumps({"installed": {"client_id": "x.apps.googleusercontent.com"}}),
     "service_account: not a service-account key file: its type is None"),
    (lambda a: key_text(a, client_email=None, private_key_id=""),
     "service_account: not a service-account key file: it has no client_email, private_key_id"),
    (lambda a: key_text(a, private_key="-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"),
     "service_account: not a service-account key file: its private_key is not a PEM private key"),
])
def test_a_file_that_is_not_a_service_account_key_is_refused_in_words(account, text, why):
    with pytest.raises(SourceConfigError) as refused:
        make(account, service_account=text(account) if callable(text) else text)
    assert refused.value.name == "service_account" and str(refused.value).startswith(why)


def test_a_key_that_is_not_rsa_is_refused(account):
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()).decode()
    with pytest.raises(SourceConfigError, match="its private_key is not an RSA key"):
        make(account, service_account=key_text(account, private_key=pem))


def test_the_settings_round_trip_without_the_key(account):
    source = make(account, customer="C01abc2de", api_url="http://127.0.0.1:8080/",
                  token_url="http://127.0.0.1:8080/token")
    settings = source.to_dict()
    assert settings == {"kind": "google", "customer": "C01abc2de", "admin_email": "admin@example.com",
                        "api_url": "http://127.0.0.1:8080", "token_url": "http://127.0.0.1:8080/token"}
    assert json.loads(json.dumps(settings)) == settings
    assert source.secrets() == {"service_account": account.file()}
    assert from_dict(settings, source.secrets()) == source
    assert account.pem not in repr(source) and "PRIVATE KEY" not in repr(source) + source.describe()


def test_from_dict_fills_the_urls_and_names_what_is_missing(account):
    source = from_dict({"kind": "google", "customer": "my_customer", "admin_email": "a@example.com",
                        "api_url": "", "token_url": None, "ignored": 1}, {"service_account": account.file()})
    assert (source.api_url, source.token_url) == ("https://admin.googleapis.com", "https://oauth2.googleapis.com/token")
    with pytest.raises(SourceConfigError, match="service_account: is missing"):
        from_dict({"kind": "google", "customer": "my_customer", "admin_email": "a@example.com"})


def test_the_form_asks_for_each_setting_in_order_the_key_as_a_file(account):
    form = GoogleSource.form
    assert all(isinstance(f, Field) for f in form)
    assert [f.name for f in form] == ["customer", "admin_email", "service_account", "api_url", "token_url"]
    assert {f.name: f.kind for f in form}["service_account"] == "file"
    assert [f.name for f in form if f.advanced] == ["api_url", "token_url"]
    assert [f.name for f in form if not f.required] == ["api_url", "token_url"]
