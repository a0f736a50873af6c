"""The Connect step and the Synchronization page for an IdP's own admin API (Entra, Okta, Keycloak, Google): the
fields its source class's form describes, Save, the stored secret kept only for the same destination, Google's
key file uploaded, and Test connection naming where it stopped.
"""

import io
import json
import re
import socket

import pytest

from models import IdpApp, db
from store.pull import sources
from store.tenancy import apps as app_store
from store.tenancy import secrets
from tests.admin.pages import found, text
from tests.admin.test_wizard_rest import ADMIN, WIZARD, Recorder, app_count
from tests.fakes.google import ServiceAccount, fake_google, google_account  # noqa: F401  (fixtures)
from tests.fakes.graph import graph_api  # noqa: F401
from tests.fakes.keycloak import keycloak  # noqa: F401
from tests.fakes.okta import okta  # noqa: F401

TENANT = "contoso.onmicrosoft.com"
CLIENT, OTHER_CLIENT = "11111111-2222-3333-4444-555555555555", "66666666-7777-8888-9999-000000000000"
KEY = ServiceAccount()


@pytest.fixture
def admin(admin):
    admin.get(ADMIN + "/")
    return admin


@pytest.fixture
def seen(admin):
    return Recorder(admin)


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def step(admin, provider):
    return admin.get(WIZARD + "/connection", query_string={"provider": provider, "method": "rest", "name": "Pull"})


def entra_fields(**changes):
    fields = {"provider": "entra", "method": "rest", "name": "Entra pull", "directory": "", "tenant_id": TENANT,
              "client_id": CLIENT, "client_secret": "entra-secret-value",
              "username_attribute": "mail", "from_groups": "Engineering, Sales", "login_url": "", "graph_url": ""}
    return {**fields, **changes}


def key_file(text=None, name="usersync-reader.json"):
    return io.BytesIO((KEY.file() if text is None else text).encode()), name


def google_fields(**changes):
    fields = {"provider": "google", "method": "rest", "name": "Google pull", "directory": "",
              "customer": "my_customer", "admin_email": "admin@example.com", "service_account": key_file()}
    return {**fields, **changes}


def save_anyway(admin, fields):
    return admin.post(WIZARD + "/connection", data={**fields, "confirm": "yes"})


def stored(app, name):
    with db.connection_context():
        record = IdpApp.by_name(name)
        return sources.settings_of(record), sources.source_for(record, secrets.key_from(app.config))


@pytest.mark.parametrize("provider, shown, guidance", [
    ("entra", ["client_id", "client_secret", "tenant_id", "username_attribute", "from_groups"],
     ["Certificates & secrets", "Directory.Read.All", "User.Read.All", "Grant admin consent"]),
    ("okta", ["org_url", "api_token", "app_id"], ["Security</strong> → <strong>API</strong> → <strong>Tokens",
                                                  "/instance/"]),
    ("keycloak", ["base_url", "realm", "client_id", "client_secret"],
     ["Client authentication", "Service accounts roles", "query-users", "view-users", "query-groups"]),
    ("google", ["customer", "admin_email", "service_account"],
     ["Manage Domain Wide Delegation", "admin.directory.group.member.readonly"]),
])
def test_each_admin_api_asks_for_its_own_fields_with_guidance(admin, provider, shown, guidance):
    page = step(admin, provider)
    assert page.status_code == 200
    body = text(page)
    ids = re.findall(r'<(?:input|select) [^>]*id="([a-z_]+)" name="\1"', body)
    assert [name for name in ids if name in shown] == shown
    assert 'name="domain_url"' not in body and 'id="auth-bearer"' not in body
    help_text = found(rf'id="{provider}-source-help">(.*?)</div>', page)
    for words in guidance:
        assert words in help_text
    assert 'name="kind" value="' + provider + '"' in body and "not SCIM" not in body


def test_entra_folds_the_national_cloud_hosts_and_offers_the_username_attributes(admin):
    page = step(admin, "entra")
    advanced = found(r'<details class="advanced" id="advanced-settings">(.*?)</details>', page)
    assert 'id="login_url"' in advanced and 'id="graph_url"' in advanced
    assert 'placeholder="https://login.microsoftonline.com"' in advanced
    options = re.findall(r'<option value="([^"]+)"( selected)?>', found(r'(<select id="username_attribute".*?</select>)',
                                                                        page))
    assert options == [("userPrincipalName", " selected"), ("mail", ""), ("onPremisesSamAccountName", "")]
    assert "(optional)" in found(r'<label for="from_groups">(.*?)</label>', page)


def test_google_uploads_its_key_file(admin):
    page = step(admin, "google")
    body = text(page)
    assert 'enctype="multipart/form-data"' in body
    assert re.search(r'<input type="file" id="service_account" name="service_account" accept=".json,application/json"',
                     body)
    assert 'enctype="multipart/form-data"' not in text(step(admin, "okta"))


def test_entra_is_saved_with_its_settings_and_its_secret_encrypted(app, admin, seen):
    response = save_anyway(admin, entra_fields())
    assert response.status_code == 303, text(response)
    settings, source = stored(app, "Entra pull")
    assert settings["kind"] == "entra" and settings["has_secret"]
    assert {k: settings["settings"][k] for k in ("tenant_id", "client_id", "username_attribute", "from_groups")} == {
        "tenant_id": TENANT, "client_id": CLIENT, "username_attribute": "mail",
        "from_groups": ["Engineering", "Sales"]}
    assert source.client_secret == "entra-secret-value"
    assert source.login_url == "https://login.microsoftonline.com"  # left empty: the class's default
    page = admin.get(response.headers["Location"])
    assert TENANT in found(r'id="source-described">(.*?)</dd>', page)
    assert found(r'id="secret-state">(.*?)</dd>', page) == "stored, encrypted"
    assert "Engineering, Sales" in found(r'<dl class="connection" id="source-summary">(.*?)</dl>', page)
    seen.assert_never_shown("entra-secret-value")


@pytest.mark.parametrize("field, value, message", [
    ("tenant_id", "", "Tenant ID is required."),
    ("client_id", " ", "Client ID is required."),
    ("client_secret", "", "Client Secret is required."),
    ("username_attribute", "displayName", "User Name Attribute must be one of"),
    ("login_url", "http://login.example.com", "Login URL must use https://"),
])
def test_an_entra_setting_is_refused_beside_its_field(admin, seen, field, value, message):
    response = save_anyway(admin, entra_fields(**{field: value}))
    assert response.status_code == 400 and app_count() == 0
    assert message in found(rf'<p class="error" id="{field}-error">(.*?)</p>', response)
    body = text(response)
    assert 'name="client_secret" value=""' in body
    if field != "client_secret":
        assert "type it again" in found(r'id="client_secret-retype">(.*?)</p>', response)
    if field == "login_url":  # a problem in the folded settings unfolds them
        assert '<details class="advanced" id="advanced-settings" open>' in body
    seen.assert_never_shown("entra-secret-value")


def test_okta_and_keycloak_are_saved(app, admin):
    okta = {"provider": "okta", "method": "rest", "name": "Okta pull", "org_url": "https://dev-123456.okta.com/",
            "api_token": "00okta-token", "app_id": ""}
    assert save_anyway(admin, okta).status_code == 303
    settings, source = stored(app, "Okta pull")
    assert (settings["kind"], source.org_url, source.api_token) == ("okta", "https://dev-123456.okta.com",
                                                                    "00okta-token")
    keycloak = {"provider": "keycloak", "method": "rest", "name": "KC pull", "base_url": "https://kc.example.com",
                "realm": "staff", "client_id": "usersync", "client_secret": "kc-secret"}
    assert save_anyway(admin, keycloak).status_code == 303
    settings, source = stored(app, "KC pull")
    assert (settings["kind"], source.realm, source.client_secret) == ("keycloak", "staff", "kc-secret")


def test_google_key_file_is_stored_encrypted_and_never_shown(app, admin, seen):
    response = save_anyway(admin, google_fields())
    assert response.status_code == 303, text(response)
    settings, source = stored(app, "Google pull")
    assert settings["kind"] == "google" and "service_account" not in settings["settings"]
    assert json.loads(source.service_account)["client_email"] == KEY.client_email
    page = admin.get(response.headers["Location"])
    assert KEY.client_email in found(r'id="source-described">(.*?)</dd>', page)
    assert "Every pull reads everything; only changes are written." == found(r'id="source-changes">(.*?)</dd>', page)
    seen.assert_never_shown("PRIVATE KEY", KEY.key_id)


@pytest.mark.parametrize("upload, message", [
    (key_file("not json at all"), "Not a service-account key file: it is not JSON."),
    (key_file(json.dumps({"type": "authorized_user"})), "Not a service-account key file: its type is"),
    (key_file("x" * (64 * 1024 + 1)), "Service account key (JSON) must be at most 64 KB"),
    ((io.BytesIO(b"\xff\xfe\x00binary"), "key.p12"), "Service account key (JSON) is not a text file"),
    ((io.BytesIO(b""), ""), "Service account key (JSON) is required."),
])
def test_a_wrong_key_file_is_refused_beside_its_field(admin, seen, upload, message):
    response = save_anyway(admin, google_fields(service_account=upload))
    assert response.status_code == 400 and app_count() == 0
    assert found(r'<p class="error" id="service_account-error">(.*?)</p>', response).startswith(message)
    if upload[1]:
        assert "choose it again" in found(r'id="service_account-retype">(.*?)</p>', response)
    seen.assert_never_shown("PRIVATE KEY")


def rest_app(app, name, provider, kind, settings, secret):
    with db.connection_context():
        record, _ = app_store.create(name, provider, "rest")
        sources.configure(record, kind, settings, secret, secrets.key_from(app.config))
    return f"{ADMIN}/apps/{record.id}/sync"


@pytest.fixture
def entra_app(app):
    return rest_app(app, "Entra pull", "entra", "entra", {"tenant_id": TENANT, "client_id": CLIENT},
                    {"client_secret": "stored-entra-secret"})


def entra_edit(**changes):
    return {"kind": "entra", "tenant_id": TENANT, "client_id": CLIENT, "client_secret": "",
            "username_attribute": "userPrincipalName", "from_groups": "", "login_url": "", "graph_url": "",
            **changes}


def test_the_sync_page_keeps_a_stored_secret_for_the_same_tenant_only(app, admin, entra_app, seen):
    page = admin.get(entra_app)
    assert 'type="password" id="client_secret" name="client_secret" value=""' in text(page)
    assert "Changes are tracked with Microsoft Graph delta links" in found(r'id="source-changes">(.*?)</dd>', page)
    kept = admin.post(entra_app + "/source", data=entra_edit(client_id=OTHER_CLIENT))
    assert kept.status_code == 302
    assert stored(app, "Entra pull")[1].client_secret == "stored-entra-secret"
    moved = admin.post(entra_app + "/source", data=entra_edit(tenant_id="fabrikam.onmicrosoft.com"))
    assert moved.status_code == 400
    assert "Client Secret must be typed again: it would now be sent to https://login.microsoftonline.com/fabrikam" in \
        found(r'id="client_secret-error">(.*?)</p>', moved)
    clouds = admin.post(entra_app + "/test", data=entra_edit(login_url="https://login.example.net"))
    assert clouds.status_code == 400 and clouds.get_json()["field"] == "client_secret"
    assert stored(app, "Entra pull")[1].tenant_id == TENANT
    seen.assert_never_shown("stored-entra-secret")


def test_a_stored_key_file_is_kept_when_none_is_chosen(app, admin):
    url = rest_app(app, "Google pull", "google", "google", {"customer": "my_customer",
                                                             "admin_email": "admin@example.com"},
                   {"service_account": KEY.file()})
    page = admin.get(url)
    assert "choose no file to keep it" in found(r'id="service_account-help">(.*?)</p>', page)
    edit = {"kind": "google", "customer": "example.com", "admin_email": "admin@example.com", "api_url": "",
            "token_url": "", "service_account": (io.BytesIO(b""), "")}
    assert admin.post(url + "/source", data=edit).status_code == 302
    assert stored(app, "Google pull")[1].customer == "example.com"
    moved = admin.post(url + "/source", data={**edit, "service_account": (io.BytesIO(b""), ""),
                                              "token_url": "https://tokens.example.com/token"})
    assert moved.status_code == 400
    assert "must be chosen again" in found(r'id="service_account-error">(.*?)</p>', moved)


def test_a_scim_service_saved_for_okta_keeps_its_form_and_offers_the_okta_api(app, admin, idp):
    url = rest_app(app, "Okta SCIM", "okta", "scim", {"base_url": idp.scim_base, "auth": "bearer"},
                   {"bearer_token": idp.static_token})
    page = admin.get(url)
    assert 'id="base_url" name="base_url"' in text(page) and 'name="org_url"' not in text(page)
    offer = found(r'id="own-api">(.*?)</p>', page)
    assert "?kind=okta" in offer
    switched = admin.get(url + "?kind=okta")
    assert 'id="org_url" name="org_url"' in text(switched) and '<details id="source-edit" open>' in text(switched)
    kept = admin.post(url + "/source", data={"kind": "scim", "base_url": idp.scim_base, "auth": "bearer",
                                             "bearer_token": ""})
    assert kept.status_code == 302 and stored(app, "Okta SCIM")[0]["kind"] == "scim"
    moved = admin.post(url + "/source", data={"kind": "okta", "org_url": "https://dev-1.okta.com",
                                              "api_token": "typed-token", "app_id": ""})
    assert moved.status_code == 302 and stored(app, "Okta SCIM")[1].api_token == "typed-token"
    sideways = admin.post(url + "/source", data={"kind": "keycloak", "base_url": "https://kc.example.com",
                                                 "realm": "r", "client_id": "c", "client_secret": "s"})
    assert sideways.status_code == 400 and stored(app, "Okta SCIM")[0]["kind"] == "okta"


@pytest.mark.parametrize("provider, fields", [
    ("entra", {"tenant_id": TENANT, "client_id": CLIENT, "client_secret": "s", "username_attribute": "",
               "from_groups": ""}),
    ("okta", {"api_token": "t", "app_id": ""}),
    ("keycloak", {"realm": "r", "client_id": "c", "client_secret": "s"}),
    ("google", {"customer": "my_customer", "admin_email": "admin@example.com", "service_account": key_file()}),
])
def test_test_connection_names_the_unreachable_server_for_every_kind(admin, seen, closed_port, provider, fields):
    at = f"http://127.0.0.1:{closed_port}"
    where = {"entra": {"login_url": at, "graph_url": at}, "okta": {"org_url": at}, "keycloak": {"base_url": at},
             "google": {"token_url": at + "/token", "api_url": at}}[provider]
    response = admin.post(WIZARD + "/connection/test", data={"provider": provider, **fields, **where})
    assert response.status_code == 200, response.get_json()
    outcome = response.get_json()
    assert (outcome["ok"], outcome["stage"], outcome["headline"]) == (False, "connect", "Failed at the connection")
    assert f"port {closed_port}" in outcome["message"]
    assert app_count() == 0
    seen.assert_never_shown("PRIVATE KEY")


def graph_fields(graph, **changes):
    return {"provider": "entra", "method": "rest", "name": "Entra pull", "tenant_id": graph.tenant_id,
            "client_id": graph.client_id, "client_secret": graph.client_secret, "username_attribute": "",
            "from_groups": "", "login_url": graph.url, "graph_url": graph.url, **changes}


def test_test_connection_reads_microsoft_graph_and_names_where_it_stopped(admin, seen, graph_api):
    alice, bob = graph_api.add_user("alice"), graph_api.add_user("bob")
    graph_api.add_group("Engineering", [alice, bob])
    connected = admin.post(WIZARD + "/connection/test", data=graph_fields(graph_api)).get_json()
    assert connected["ok"] and connected["headline"] == "Connected: 2 users, 1 group"
    wrong = admin.post(WIZARD + "/connection/test", data=graph_fields(graph_api, client_secret="not-the-entra-secret")).get_json()
    assert (wrong["stage"], wrong["headline"]) == ("token", "Failed at the token endpoint")
    assert "Certificates & secrets" in wrong["detail"]
    graph_api.permitted = False
    denied = admin.post(WIZARD + "/connection", data={**graph_fields(graph_api), "action": "test"})
    assert denied.status_code == 200 and app_count() == 0
    outcome = found(r'(<div class="flag flag-error" id="test-outcome".*?</div>)', denied)
    assert 'data-stage="api"' in outcome and "Failed at Microsoft Graph" in outcome
    assert "Directory.Read.All" in outcome
    assert "type it again" in found(r'id="client_secret-retype">(.*?)</p>', denied)
    seen.assert_never_shown(graph_api.client_secret, "not-the-entra-secret")


def test_test_connection_names_the_okta_and_keycloak_apis(admin, seen, okta, keycloak):
    okta.add_user("ada@example.com")
    fields = {"provider": "okta", "org_url": okta.url, "api_token": okta.token, "app_id": ""}
    connected = admin.post(WIZARD + "/connection/test", data=fields).get_json()
    assert connected["ok"] and connected["message"].startswith(f"Connected to {okta.url}")
    okta.deny("/users")
    denied = admin.post(WIZARD + "/connection/test", data=fields).get_json()
    assert (denied["stage"], denied["headline"]) == ("api", "Failed at the Okta API")
    keycloak.client.roles.clear()
    kc = {"provider": "keycloak", "base_url": keycloak.base_url, "realm": keycloak.realm,
          "client_id": keycloak.client.client_id, "client_secret": keycloak.client.secret}
    refused = admin.post(WIZARD + "/connection/test", data=kc).get_json()
    assert (refused["stage"], refused["headline"]) == ("api", "Failed at the Keycloak admin API")
    assert "query-users" in refused["detail"]
    seen.assert_never_shown(okta.token, keycloak.client.secret)


def test_test_connection_signs_in_to_google_with_the_uploaded_key(admin, seen, fake_google, google_account):
    fields = {"provider": "google", "method": "rest", "name": "Google pull", "customer": "my_customer", "admin_email": "admin@example.com",
              "api_url": fake_google.url, "token_url": fake_google.token_url,
              "service_account": (io.BytesIO(google_account.file().encode()), "key.json")}
    connected = admin.post(WIZARD + "/connection/test", data=fields).get_json()
    assert connected["ok"], connected
    fake_google.api_enabled = False
    fields["service_account"] = (io.BytesIO(google_account.file().encode()), "key.json")
    stopped = admin.post(WIZARD + "/connection", data={**fields, "action": "test"})
    assert stopped.status_code == 200 and app_count() == 0
    assert "Failed at Google's Directory API" in found(r'id="test-outcome".*?<strong>(.*?)</strong>', stopped)
    seen.assert_never_shown("PRIVATE KEY")


def test_the_page_says_how_each_source_reads_changes(app, admin):
    okta = rest_app(app, "Okta pull", "okta", "okta", {"org_url": "https://dev-1.okta.com"}, {"api_token": "t"})
    entra = rest_app(app, "Entra pull", "entra", "entra", {"tenant_id": TENANT, "client_id": CLIENT},
                     {"client_secret": "s"})
    chosen = rest_app(app, "Entra groups", "entra", "entra", {"tenant_id": TENANT, "client_id": CLIENT,
                                                              "from_groups": "Engineering"}, {"client_secret": "s"})
    assert not re.search(r'id="source-(changes|read-up-to)"', admin.get(okta).get_data(as_text=True))
    with db.connection_context():
        sources.set_watermarks(IdpApp.by_name("Okta pull").id, "2026-12-01T10:00:00Z", None)
        sources.set_watermarks(IdpApp.by_name("Entra pull").id, "https://graph.microsoft.com/v1.0/users/delta?"
                                                                  "$deltatoken=abc", "https://graph…")
    assert found(r'id="source-read-up-to">(.*?)</dd>', admin.get(okta)) == "2026-12-01 10:00 UTC"
    delta = admin.get(entra)
    assert found(r'id="source-changes">(.*?)</dd>', delta) == (
        "Changes are tracked with Microsoft Graph delta links: the next run starts from the last one's link.")
    assert "deltatoken" not in delta.get_data(as_text=True)
    assert found(r'id="source-changes">(.*?)</dd>', admin.get(chosen)) == (
        "Every pull reads everything; only changes are written.")


def test_the_sync_page_tests_a_keycloak_source_with_its_stored_secret(app, admin, seen, keycloak):
    keycloak.add_user("ada")
    url = rest_app(app, "KC pull", "keycloak", "keycloak",
                   {"base_url": keycloak.base_url, "realm": keycloak.realm, "client_id": keycloak.client.client_id},
                   {"client_secret": keycloak.client.secret})
    page = admin.get(url)
    assert found(r'id="source-described">(.*?)</dd>', page).startswith(f"Keycloak realm {keycloak.realm} at ")
    edit = {"kind": "keycloak", "base_url": keycloak.base_url, "realm": keycloak.realm,
            "client_id": keycloak.client.client_id, "client_secret": ""}
    outcome = admin.post(url + "/test", data=edit).get_json()
    assert outcome["ok"], outcome
    keycloak.client.roles.clear()
    shown = admin.post(url + "/source", data={**edit, "action": "test"})
    assert shown.status_code == 200 and "Saved" not in text(shown)
    assert "Failed at the Keycloak admin API" in found(r'id="test-outcome".*?<strong>(.*?)</strong>', shown)
    seen.assert_never_shown(keycloak.client.secret)
