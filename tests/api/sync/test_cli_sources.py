"""`usersync sync-source APP --entra|--okta|--keycloak|--google …`: the settings each stores (read back through
store.pull.sources), the secret from $USERSYNC_SYNC_SECRET or the prompt, Google's key file read once, and the
flags that do not belong together refused as usage errors."""

import json

import pytest

from models import IdpApp, db
from store.pull import sources
from tests.fakes.google import ServiceAccount

from .test_cli import cli  # noqa: F401  (the fixture)

CLIENT = "11111111-2222-3333-4444-555555555555"
KEY = ServiceAccount()


@pytest.fixture
def app_named(cli):  # noqa: F811
    """make(provider) -> the name of a new REST API app of that provider."""
    def make(provider):
        result = cli("apps", "create", "--name", f"{provider} pull", "--provider", provider, "--method", "rest")
        assert result.exit_code == 0, result.output
        return f"{provider} pull"
    return make


def saved(name):
    with db.connection_context():
        return sources.settings_of(IdpApp.by_name(name))


def secret_of(name):
    """The stored secrets, decrypted with the key the CLI fixture's USERSYNC_SECRET_KEY gives."""
    from store.tenancy import secrets

    with db.connection_context():
        key = secrets.key_from({"SECRET_KEY": "cli-testing-secret-key"})
        return sources.source_for(IdpApp.by_name(name), key).secrets()


@pytest.mark.parametrize("provider", ["entra", "okta", "keycloak", "google"])
def test_apps_create_makes_a_rest_api_app_of_each_provider(cli, app_named, provider):  # noqa: F811
    name = app_named(provider)
    with db.connection_context():
        record = IdpApp.by_name(name)
        assert (record.provider, record.method) == (provider, "rest")


@pytest.mark.parametrize("provider, flags", [("entra", "--entra TENANT_ID --client-id ID"), ("okta", "--okta ORG_URL"),
                                            ("keycloak", "--keycloak BASE_URL --realm REALM --client-id ID"),
                                            ("oracle", "--oracle DOMAIN_URL --client-id ID"), ("ping", "--scim URL")])
def test_a_rest_api_app_is_told_how_to_say_where_it_pulls_from(cli, provider, flags):  # noqa: F811
    result = cli("apps", "create", "--name", f"{provider} pull", "--provider", provider, "--method", "rest")
    assert result.exit_code == 0, result.output
    assert f"usersync sync-source '{provider} pull' {flags}\n" in result.output
    pushed = cli("apps", "create", "--name", f"{provider} push", "--provider", provider)
    assert "sync-source" not in pushed.output


def test_entra_stores_every_setting_and_the_secret_from_the_environment(cli, app_named):  # noqa: F811
    name = app_named("entra")
    result = cli("sync-source", name, "--entra", "contoso.onmicrosoft.com", "--client-id", CLIENT,
                 "--username-attribute", "mail", "--from-groups", "Engineering, Sales",
                 "--login-url", "https://login.microsoftonline.us", "--graph-url", "https://graph.microsoft.us",
                 "--schedule", "hourly", USERSYNC_SYNC_SECRET="entra-secret")
    assert result.exit_code == 0, result.output
    assert "contoso.onmicrosoft.com" in result.stdout and result.stdout.endswith("schedule: every hour\n")
    stored = saved(name)
    assert stored["kind"] == "entra" and stored["has_secret"]
    assert {k: stored["settings"][k] for k in ("tenant_id", "client_id", "username_attribute", "from_groups",
                                               "login_url", "graph_url")} == {
        "tenant_id": "contoso.onmicrosoft.com", "client_id": CLIENT, "username_attribute": "mail",
        "from_groups": ["Engineering", "Sales"], "login_url": "https://login.microsoftonline.us",
        "graph_url": "https://graph.microsoft.us"}
    assert secret_of(name) == {"client_secret": "entra-secret"}
    assert "entra-secret" not in result.output


def test_okta_asks_for_its_api_token_without_echo_and_keeps_it_on_an_empty_answer(cli, app_named):  # noqa: F811
    name = app_named("okta")
    first = cli("sync-source", name, "--okta", "https://dev-123456.okta.com", "--app-id", "0oa1b2c3",
                input="00-okta-token\n")
    assert first.exit_code == 0, first.output
    assert "API token: " in first.output and "00-okta-token" not in first.output
    assert saved(name)["settings"]["app_id"] == "0oa1b2c3"
    again = cli("sync-source", name, "--okta", "https://dev-123456.okta.com", input="\n")
    assert again.exit_code == 0, again.output
    assert "API token (empty: keep the stored one): " in again.output
    assert not saved(name)["settings"].get("app_id")
    assert secret_of(name) == {"api_token": "00-okta-token"}


def test_keycloak_stores_the_realm_and_client(cli, app_named):  # noqa: F811
    name = app_named("keycloak")
    result = cli("sync-source", name, "--keycloak", "https://kc.example.com", "--realm", "staff",
                 "--client-id", "usersync", USERSYNC_SYNC_SECRET="kc-secret")
    assert result.exit_code == 0, result.output
    stored = saved(name)
    assert (stored["kind"], stored["settings"]["base_url"], stored["settings"]["realm"],
            stored["settings"]["client_id"]) == ("keycloak", "https://kc.example.com", "staff", "usersync")
    assert secret_of(name) == {"client_secret": "kc-secret"}


def test_google_reads_the_key_file_once_and_stores_it_encrypted(cli, app_named, tmp_path):  # noqa: F811
    name = app_named("google")
    path = tmp_path / "key.json"
    path.write_text(KEY.file())
    result = cli("sync-source", name, "--google", "example.com", "--admin-email", "admin@example.com",
                 "--service-account-json", str(path), "--token-url", "https://oauth2.example.com/token",
                 USERSYNC_SYNC_SECRET="not-used-by-google")
    assert result.exit_code == 0, result.output
    assert KEY.client_email in result.stdout and "PRIVATE KEY" not in result.output
    stored = saved(name)
    assert stored["kind"] == "google" and "service_account" not in json.dumps(stored["settings"])
    assert (stored["settings"]["customer"], stored["settings"]["token_url"]) == ("example.com",
                                                                               "https://oauth2.example.com/token")
    assert json.loads(secret_of(name)["service_account"])["private_key_id"] == KEY.key_id
    path.unlink()  # read once: the stored copy is what is used from now on
    kept = cli("sync-source", name, "--google", "my_customer", "--admin-email", "admin@example.com",
               "--token-url", "https://oauth2.example.com/token")
    assert kept.exit_code == 0, kept.output
    assert saved(name)["settings"]["customer"] == "my_customer"
    elsewhere = cli("sync-source", name, "--google", "my_customer", "--admin-email", "admin@example.com")
    assert elsewhere.exit_code == 1  # the stored key is not sent to another token endpoint
    assert "would now be sent to https://oauth2.googleapis.com/token" in elsewhere.output
    assert saved(name)["settings"]["token_url"] == "https://oauth2.example.com/token"


@pytest.mark.parametrize("content, message", [
    (None, "Error: Cannot read the service-account key file "),
    (b"not json", "Error: service_account: not a service-account key file"),
    (b"\xff\xfe\x00\x01", "is not a text file"),
    (b"x" * (64 * 1024 + 1), "is larger than 64 KB"),
])
def test_a_key_file_that_will_not_do_is_one_line(cli, app_named, tmp_path, content, message):  # noqa: F811
    name = app_named("google")
    path = tmp_path / "key.json"
    if content is not None:
        path.write_bytes(content)
    result = cli("sync-source", name, "--google", "my_customer", "--admin-email", "admin@example.com",
                 "--service-account-json", str(path))
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.output and saved(name) is None


@pytest.mark.parametrize("args, message", [
    (["--okta", "https://dev-1.okta.com", "--entra", "t"], "Give exactly one source: --oracle, --scim, --entra"),
    ([], "Give exactly one source"),
    (["--okta", "https://dev-1.okta.com", "--realm", "r", "--client-id", "c"],
     "--realm --client-id do not apply to --okta."),
    (["--entra", "contoso.onmicrosoft.com", "--client-id", CLIENT, "--app-id", "0oa1"],
     "--app-id does not apply to --entra."),
    (["--scim", "https://scim.example.com/v2", "--from-groups", "G"], "--from-groups does not apply to --scim."),
    (["--keycloak", "https://kc.example.com", "--client-id", "c"], "--keycloak needs --realm."),
    (["--entra", "contoso.onmicrosoft.com"], "--entra needs --client-id."),
    (["--google", "my_customer"], "--google needs --admin-email."),
    (["--google", "my_customer", "--admin-email", "a@example.com"], "--google needs --service-account-json PATH."),
    (["--entra", "t", "--client-id", CLIENT, "--username-attribute", "displayName"], "Invalid value for"),
])
def test_flags_that_do_not_belong_together_are_usage_errors(cli, app_named, args, message):  # noqa: F811
    name = app_named("okta")
    result = cli("sync-source", name, *args, input="secret\n")
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Traceback" not in result.output
    assert saved(name) is None


def test_a_setting_the_source_refuses_is_named(cli, app_named):  # noqa: F811
    name = app_named("entra")
    result = cli("sync-source", name, "--entra", "contoso.onmicrosoft.com", "--client-id", "not-a-guid",
                 USERSYNC_SYNC_SECRET="s")
    assert result.exit_code == 1 and "Error: client_id: must be" in result.stderr
