"""Keycloak source settings: the URLs derived, what is refused and why, the wizard's form, the round trip."""

import pytest

from sync.keycloak import KeycloakSource
from sync.sources import SourceConfigError, from_dict, source_class

BASE = "https://keycloak.example.com"


def make(**overrides):
    settings = {"base_url": BASE, "realm": "acme", "client_id": "usersync", "client_secret": "s3cret"}
    return KeycloakSource(**{**settings, **overrides})


def test_the_token_and_admin_urls_modern_and_legacy():
    source = make(base_url=BASE + "/")
    assert source.base_url == BASE
    assert source.token_url == BASE + "/realms/acme/protocol/openid-connect/token"
    assert source.token_url_at("/auth") == BASE + "/auth/realms/acme/protocol/openid-connect/token"
    assert source.endpoint == BASE + "/admin/realms/acme"
    assert source.admin_url_at("/auth") == BASE + "/auth/admin/realms/acme"
    assert source.destination == source.token_url


def test_a_proxy_path_prefix_is_kept_and_a_realm_name_is_quoted_in_urls():
    source = make(base_url=BASE + "/sso", realm="Acme Corp")
    assert source.token_url == BASE + "/sso/realms/Acme%20Corp/protocol/openid-connect/token"
    assert source.endpoint == BASE + "/sso/admin/realms/Acme%20Corp"


def test_kind_registry_and_round_trip_through_from_dict():
    source = make()
    assert source_class("keycloak") is KeycloakSource
    settings = source.to_dict()
    assert settings == {"kind": "keycloak", "base_url": BASE, "realm": "acme", "client_id": "usersync"}
    assert from_dict(settings, source.secrets()) == source
    assert from_dict({**settings, "unknown": "dropped"}, {"client_secret": "s3cret", "other": "x"}) == source


def test_the_secret_stays_out_of_the_dict_the_repr_and_the_description():
    source = make(client_secret="very-secret-value")
    assert "very-secret-value" not in repr(source) + repr(source.to_dict()) + source.describe()
    assert source.secrets() == {"client_secret": "very-secret-value"}
    assert source.describe() == f"Keycloak realm acme at {BASE} (client ID usersync)"


def test_a_missing_secret_is_named_by_from_dict():
    with pytest.raises(SourceConfigError) as refused:
        from_dict(make().to_dict(), {})
    assert refused.value.name == "client_secret"


@pytest.mark.parametrize("overrides, name, message", [
    ({"base_url": "http://keycloak.example.com"}, "base_url", "must use https://"),
    ({"base_url": ""}, "base_url", "is required"),
    ({"base_url": BASE + "/admin/master/console/"}, "base_url",
     f"is the server's root, like {BASE}, without /admin/…"),
    ({"base_url": BASE + "/realms/acme"}, "base_url", f"is the server's root, like {BASE}, without /realms/…"),
    ({"realm": " "}, "realm", "is required"),
    ({"realm": "acme/users"}, "realm", "must be a realm's name"),
    ({"client_id": ""}, "client_id", "is required"),
    ({"client_secret": ""}, "client_secret", "is required"),
])
def test_bad_settings_are_refused_naming_the_setting(overrides, name, message):
    with pytest.raises(SourceConfigError) as refused:
        make(**overrides)
    assert refused.value.name == name and message in str(refused.value)


def test_plain_http_on_this_machine_is_allowed():
    assert make(base_url="http://127.0.0.1:8080").token_url.startswith("http://127.0.0.1:8080/realms/acme/")


def test_the_form_asks_for_every_setting_in_order_with_the_secret_as_a_password():
    form = KeycloakSource.form
    assert [f.name for f in form] == ["base_url", "realm", "client_id", "client_secret"]
    assert [f.kind for f in form] == ["text", "text", "text", "secret"]
    assert all(f.required for f in form)
    assert "query-users, view-users, query-groups" in form[2].help


def test_every_run_reads_everything():
    assert (KeycloakSource.incremental, KeycloakSource.groups_incremental) == (None, False)
