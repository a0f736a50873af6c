"""The setup wizard: provider → method → name → Save → base URL, token and the IdP's steps."""

import html
import json
import re

import pytest

from blueprints.wizard.connect import describe
from models import IdpApp, db
from store.tenancy import apps as app_store
from store.tenancy import directories as directory_store
from tests.admin.pages import text
from tests.conftest import SCIM, AdminClient

WIZARD = "/plugins/servlet/usersync/configure"
BASE_URL = "http://localhost" + SCIM

# Each provider's page names the labels its console shows (checked against the vendors' docs).
PROVIDER_LABELS = {
    "oracle": ["GenericScim - Bearer Token", "Host Name", "Base URI", "Access Token", "Test Connectivity"],
    "entra": ["Non-gallery", "Provisioning Mode", "Automatic", "Tenant URL", "Secret Token", "Test Connection"],
    "okta": ["SCIM connector base URL", "Unique identifier field for users", "HTTP Header", "Push Groups"],
    "onelogin": ["SCIM Provisioner with SAML (SCIM v2 Enterprise)", "SCIM Base URL", "SCIM Bearer Token",
                 "Enable provisioning"],
    "keycloak": ["User federation", "Add provider", "SCIM 2.0 endpoint", "Auth mode", "BEARER"],
    "jumpcloud": ["Identity Management", "Base URL", "Token Key", "Test Connection", "Activate"],
    "ping": ["SCIM Outbound", "SCIM base URL", "OAuth 2 Bearer Token", "OAuth Access Token", "Test connection"],
    "google": ["does not push SCIM to custom apps", "REST API", "Admin SDK API"],
    "miniorange": ["SCIM Server (Destination)", "SCIM Base URL", "Bearer Token", "Test Connection"],
    "custom": ["Authorization: Bearer", "application/scim+json", "/ServiceProviderConfig"],
}


def found(pattern, response):
    match = re.search(pattern, response.get_data(as_text=True), re.DOTALL)
    assert match, f"{pattern!r} not in the page"
    return html.unescape(match.group(1))


@pytest.fixture
def admin(admin):
    """The signed-in admin, holding the CSRF token of its new session (sign-in issues a fresh one)."""
    admin.get("/plugins/servlet/usersync/admin/")
    return admin


def save(admin, **fields):
    """Save, and the page it leads to (Save redirects to the result page)."""
    return admin.post(WIZARD + "/save", data=form(**fields), follow_redirects=True)


def form(**fields):
    return {"provider": "oracle", "method": "scim", "name": "Oracle IDCS", "directory": "", **fields}


def app_count():
    with db.connection_context():
        return IdpApp.select().count()


def test_oracle_flow_gives_a_token_that_works(app, admin):
    first = admin.get(WIZARD + "/")
    assert first.status_code == 200
    ids = re.findall(r'id="provider-(\w+)"', first.get_data(as_text=True))
    assert ids == list(app_store.PROVIDERS) and ids[0] == "oracle"
    second = admin.get(WIZARD + "/method", query_string={"provider": "oracle"})
    assert second.status_code == 200 and 'id="method-scim" name="method" value="scim" checked' in text(second)
    third = admin.get(WIZARD + "/details", query_string={"provider": "oracle", "method": "scim"})
    assert third.status_code == 200 and 'id="app-name"' in text(third) and 'id="wizard-save"' in text(third)
    assert app_count() == 0  # nothing saved before Save

    result = save(admin, name="Oracle IDCS")
    assert result.status_code == 200
    assert "no-store" in result.headers["Cache-Control"]
    assert found(r'id="scim-base-url">([^<]+)<', result) == BASE_URL
    token = found(r'id="bearer-token">([^<]+)<', result)
    assert "Copy it now" in text(result) and "stored only as a hash and cannot be shown again" in text(result)
    scim = app.test_client().get(SCIM + "/Users", headers={"Authorization": f"Bearer {token}"})
    assert scim.status_code == 200, scim.get_data(as_text=True)
    with db.connection_context():
        created = IdpApp.by_name("Oracle IDCS")
        assert (created.provider, created.method) == ("oracle", "scim")
        assert created.directory.name == directory_store.default().name


def test_every_step_marks_itself_current(admin):
    pages = [admin.get(WIZARD + "/"),
             admin.get(WIZARD + "/method", query_string={"provider": "okta"}),
             admin.get(WIZARD + "/details", query_string={"provider": "okta", "method": "scim"}),
             save(admin, provider="okta", name="Okta")]
    for number, page in enumerate(pages, start=1):
        current = re.findall(r'<li aria-current="step">(\d)\.', page.get_data(as_text=True))
        assert current == [str(number)]


def test_the_result_page_is_not_cached_and_has_no_inline_script(admin):
    result = save(admin)
    assert result.headers["Cache-Control"] == "no-store"
    assert "script-src 'self'" in result.headers["Content-Security-Policy"]
    body = result.get_data(as_text=True)
    assert "<script>" not in body and "/static/js/copy.js" in body
    assert 'data-copy-target="bearer-token"' in body and 'data-copy-target="scim-base-url"' in body


def test_step_two_without_a_provider_asks_for_one(admin):
    response = admin.get(WIZARD + "/method")
    assert response.status_code == 400
    body = text(response)
    assert 'id="provider-error"' in body and "Choose the identity provider" in body
    assert 'aria-invalid="true" aria-describedby="provider-error"' in body


def test_an_unknown_provider_is_refused_and_kept_out(admin):
    response = admin.get(WIZARD + "/method", query_string={"provider": "evil<script>"})
    assert response.status_code == 400 and "<script>" not in response.get_data(as_text=True).split("<main")[1]


def test_a_bad_method_is_refused_beside_the_field_with_the_provider_kept(admin):
    response = admin.get(WIZARD + "/details", query_string={"provider": "entra", "method": "ftp"})
    assert response.status_code == 400
    body = text(response)
    assert 'id="method-error"' in body and "SCIM or REST API" in body
    assert 'name="provider" value="entra"' in body
    assert re.search(r'id="method-scim"[^>]*aria-invalid="true"', body)
    assert re.search(r'aria-describedby="method-error method-scim-help"', body)


def test_a_bad_name_is_refused_beside_the_field_and_nothing_is_saved(admin):
    for name, message in (("", "Enter a name for the app."), ("   ", "Enter a name for the app."),
                          ("x" * 121, "at most 120 characters")):
        response = save(admin, provider="okta", method="rest", name=name)
        assert response.status_code == 400
        body = text(response)
        assert message in found(r'<p class="error" id="app-name-error">(.*?)</p>', response)
        assert re.search(r'id="app-name"[^>]*aria-describedby="app-name-error app-name-help"[^>]*aria-invalid="true"',
                         body)
        assert 'name="provider" value="okta"' in body and 'name="method" value="rest"' in body
    assert f'value="{"x" * 121}"' in body  # the admin's input is kept
    assert app_count() == 0


def test_a_duplicate_name_is_refused_beside_the_field_with_the_input_kept(admin):
    assert save(admin, name="Oracle IDCS").status_code == 200
    response = save(admin, name="  Oracle IDCS ", provider="entra")
    assert response.status_code == 400
    assert "already exists" in found(r'id="app-name-error">(.*?)</p>', response)
    assert 'value="Oracle IDCS"' in text(response) and 'name="provider" value="entra"' in text(response)
    assert app_count() == 1


def test_a_name_taken_in_another_case_is_refused_naming_the_app_that_holds_it(admin):
    assert save(admin, name="Oracle IDCS").status_code == 200
    response = save(admin, name="oracle idcs", provider="entra")
    assert response.status_code == 400
    assert found(r'id="app-name-error">(.*?)</p>', response) == \
        "An app named 'Oracle IDCS' already exists. Choose another name."
    assert app_count() == 1


def test_an_unknown_directory_is_refused_beside_the_select(admin):
    response = save(admin, directory="Nowhere")
    assert response.status_code == 400
    assert "no directory named 'Nowhere'" in found(r'id="directory-error">(.*?)</p>', response)
    assert app_count() == 0


def test_save_sends_a_missing_provider_or_method_back_to_its_step(admin):
    assert 'id="provider-error"' in text(save(admin, provider=""))
    assert 'id="method-error"' in text(save(admin, method="pull"))
    assert app_count() == 0


def test_the_chosen_directory_is_used(app, admin):
    with db.connection_context():
        directory_store.create("Okta Directory")
    page = admin.get(WIZARD + "/details", query_string={"provider": "okta", "method": "scim"})
    assert '<option value="Okta Directory">' in text(page)
    assert save(admin, provider="okta", name="Okta", directory="Okta Directory").status_code == 200
    with db.connection_context():
        assert IdpApp.by_name("Okta").directory.name == "Okta Directory"


def test_each_provider_gets_its_own_steps(admin):
    for provider, labels in PROVIDER_LABELS.items():
        response = save(admin, provider=provider, name=f"{provider} app")
        assert response.status_code == 200, provider
        body = text(response)
        missing = [label for label in labels if label not in body]
        assert not missing, f"{provider}: {missing} missing"
        assert BASE_URL in body and f"Set up {app_store.PROVIDERS[provider]}" in body
        steps = found(r'<ol class="steps" id="provider-steps">(.*?)</ol>', response)
        assert 6 <= steps.count("<li>") <= 12, f"{provider}: {steps.count('<li>')} steps"
    assert set(PROVIDER_LABELS) == set(app_store.PROVIDERS)


def test_oracle_gets_the_host_alone_and_the_bundle_patch(admin):
    body = text(save(admin))
    assert 'id="oracle-host-name">localhost<' in body
    assert 'id="oracle-base-uri">/plugins/servlet/usersync/scim<' in body
    for label in ("Identity & Security", "Domains", "Integrated applications", "Application Catalog",
                  "Authoritative Sync", "Create Account", "Update Account", "De-activate Account", "Delete Account",
                  "Enable Synchronization", "Refresh Application Data", "Assign users", "Activate"):
        assert label in body, label
    patch = json.loads(re.search(r'<pre id="oracle-patch-body"[^>]*>(.*?)</pre>', body, re.DOTALL).group(1))
    assert patch["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:PatchOp"]
    values = {op["path"].split('"')[1]: op["value"] for op in patch["Operations"]}
    assert values == {"sslEnabled": ["false"], "port": ["80"]}
    assert all(op["op"] == "replace" and "bundleConfigurationProperties[name eq" in op["path"]
               for op in patch["Operations"])
    assert "This server is not HTTPS on port 443" in body


def test_a_configured_public_url_wins_over_the_request(app, admin):
    app.config["PUBLIC_URL"] = "https://jira.example.com/jira/"
    body = text(save(admin))
    assert 'id="scim-base-url">https://jira.example.com/jira/plugins/servlet/usersync/scim<' in body
    assert 'id="oracle-host-name">jira.example.com<' in body
    assert 'id="oracle-base-uri">/jira/plugins/servlet/usersync/scim<' in body
    assert "This server is not HTTPS on port 443" not in body


def test_describe_splits_a_base_url_for_oracle():
    described = describe("http://127.0.0.1:8090" + SCIM)
    assert (described["host_name"], described["base_path"], described["port"]) == ("127.0.0.1", SCIM, 8090)
    assert not described["oracle_default"] and '"value": ["8090"]' in described["oracle_patch"]
    secure = describe("https://jira.example.com" + SCIM)
    assert secure["oracle_default"] and '"value": ["true"]' in secure["oracle_patch"]


def test_google_defaults_to_rest_and_says_why(admin):
    page = admin.get(WIZARD + "/method", query_string={"provider": "google"})
    assert 'value="rest" checked' in text(page) and 'id="google-note"' in text(page)
    result = admin.post(WIZARD + "/save", data=form(provider="google", method="rest", name="Google"))
    # The REST API method goes on to its connection step first (tests/admin/test_wizard_rest.py).
    assert result.status_code == 303 and app_count() == 0
    assert "/configure/connection?provider=google&method=rest&name=Google" in result.headers["Location"]


def test_going_back_keeps_the_choices(admin):
    assert 'value="jumpcloud" checked' in text(admin.get(WIZARD + "/", query_string={"provider": "jumpcloud"}))
    back = admin.get(WIZARD + "/method", query_string={"provider": "jumpcloud", "method": "rest"})
    assert 'value="rest" checked' in text(back)


def test_save_needs_the_csrf_token(admin):
    response = admin.client.post(WIZARD + "/save", data={"provider": "oracle", "method": "scim", "name": "X"})
    assert response.status_code == 400 and app_count() == 0


@pytest.mark.parametrize("method, path", [
    ("GET", "/"), ("GET", "/method?provider=oracle"), ("GET", "/details?provider=oracle&method=scim"),
    ("POST", "/save"),
])
def test_the_wizard_needs_sign_in(app, method, path):
    response = app.test_client().open(WIZARD + path, method=method,
                                      data={"provider": "oracle", "method": "scim", "name": "X"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]
    assert app_count() == 0


def test_a_signed_out_admin_cannot_save(app):
    admin = AdminClient(app.test_client()).sign_in()
    admin.get("/plugins/servlet/usersync/admin/")
    assert admin.post("/plugins/servlet/usersync/admin/logout").status_code == 302
    assert admin.post(WIZARD + "/save", data=form()).status_code == 302 and app_count() == 0


# --- the result page: post/redirect/get --------------------------------------------------------------

def words(fragment):
    """What a reader sees of an HTML fragment: no tags, whitespace runs as one space."""
    return " ".join(re.sub(r"<[^>]+>", "", fragment).split())


def token_of(response):
    match = re.search(r'id="bearer-token">([^<]+)<', response.get_data(as_text=True))
    return match.group(1) if match else None


def test_save_redirects_to_the_result_page_which_shows_the_token_once(app, admin):
    saved = admin.post(WIZARD + "/save", data=form())
    assert saved.status_code == 303
    with db.connection_context():
        record = IdpApp.by_name("Oracle IDCS")
    assert saved.headers["Location"] == f"{WIZARD}/apps/{record.id}"
    first = admin.get(saved.headers["Location"])
    token = token_of(first)
    assert first.status_code == 200 and token and "Oracle IDCS is ready" in text(first)
    with admin.client.session_transaction() as session:
        assert "wizard_new_token" not in session  # shown: gone from the cookie too
    reloaded = admin.get(saved.headers["Location"])
    assert reloaded.status_code == 200 and token_of(reloaded) is None and token not in text(reloaded)
    assert "Oracle IDCS exists" in text(reloaded)
    exists = found(r'id="app-exists">(.*?)</div>', reloaded)
    assert "nothing was created again" in exists and "its bearer token was shown then, once" in exists
    assert f'href="/plugins/servlet/usersync/admin/apps/{record.id}/rotate" id="exists-rotate"' in text(reloaded)
    assert 'id="bearer-token-hidden"' in text(reloaded)
    assert app_count() == 1
    scim = app.test_client().get(SCIM + "/Users", headers={"Authorization": f"Bearer {token}"})
    assert scim.status_code == 200


def test_the_same_form_sent_again_shows_the_app_instead_of_creating_another(app, admin):
    token = token_of(save(admin))
    again = admin.post(WIZARD + "/save", data=form(name=" oracle idcs "))  # Back, then Save (any case)
    with db.connection_context():
        record = IdpApp.by_name("Oracle IDCS")
    assert again.status_code == 303 and again.headers["Location"] == f"{WIZARD}/apps/{record.id}"
    page = admin.get(again.headers["Location"])
    assert token_of(page) is None and 'id="app-exists"' in text(page)
    assert app_count() == 1
    assert app.test_client().get(SCIM + "/Users", headers={"Authorization": f"Bearer {token}"}).status_code == 200


def test_the_same_name_from_another_session_is_still_refused(app, admin):
    assert save(admin).status_code == 200
    other = AdminClient(app.test_client()).sign_in()
    other.get("/plugins/servlet/usersync/admin/")
    response = save(other)
    assert response.status_code == 400 and "already exists" in found(r'id="app-name-error">(.*?)</p>', response)
    assert app_count() == 1


def test_a_token_replaced_before_its_page_opened_is_not_shown(admin):
    saved = admin.post(WIZARD + "/save", data=form())
    with db.connection_context():
        app_store.rotate("Oracle IDCS")
    page = admin.get(saved.headers["Location"])
    assert token_of(page) is None and 'id="bearer-token-hidden"' in text(page)


def test_the_result_page_of_an_unknown_app_is_404(admin):
    response = admin.get(WIZARD + "/apps/999")
    assert response.status_code == 404 and "no IdP app 999" in text(response)


def test_the_result_page_needs_sign_in(app):
    response = app.test_client().get(WIZARD + "/apps/1")
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


# --- what Oracle's cloud can reach ---------------------------------------------------------------------

@pytest.mark.parametrize("host, reason", [
    ("localhost", "loopback"), ("127.0.0.1", "loopback"), ("[::1]", "loopback"), ("jira.localhost", "loopback"),
    ("10.1.2.3", "private"), ("192.168.1.20", "private"), ("172.16.0.9", "private"), ("[fd00::5]", "private"),
    ("169.254.1.1", "private"), ("100.64.0.1", "private"),
    ("jira", "name"), ("jira.corp", "name"), ("usersync.local", "name"), ("box.home.arpa", "name"),
    ("jira.example.com", None), ("8.8.8.8", None), ("[2606:4700::1111]", None),
])
def test_describe_tells_an_address_a_cloud_cannot_reach(host, reason):
    assert describe(f"https://{host}" + SCIM)["unreachable"] == reason


def test_oracle_is_warned_that_its_cloud_cannot_reach_a_loopback_address(admin):
    page = save(admin)
    warning = words(found(r'id="unreachable-warning" data-reason="loopback">(.*?)</div>', page))
    assert "Oracle Identity Cloud Service (OCI IAM) cannot reach localhost" in warning
    assert "loopback address" in warning and "USERSYNC_PUBLIC_URL" in warning
    assert "docs/deployment.md" in warning and "reverse proxy" in warning and "tunnel" in warning
    assert "https://" in warning


@pytest.mark.parametrize("public_url, reason", [
    ("http://10.0.0.5:8090", "private"), ("https://jira.internal", "name"), ("https://jira.example.com", None)])
def test_the_warning_follows_the_public_url(app, admin, public_url, reason):
    app.config["PUBLIC_URL"] = public_url
    body = text(save(admin))
    assert ('id="unreachable-warning"' in body) == (reason is not None)
    if reason:
        assert f'data-reason="{reason}"' in body


def test_idps_that_may_run_beside_usersync_are_not_warned(admin):
    for provider in ("keycloak", "custom"):
        assert 'id="unreachable-warning"' not in text(save(admin, provider=provider, name=provider))
    assert 'id="unreachable-warning"' in text(save(admin, provider="entra", name="Entra"))


def test_the_example_apps_query_encodes_the_name(admin):
    page = save(admin, name='Oracle "prod" & test/1')
    assert found(r'<code id="oracle-apps-query">(.*?)</code>', page) == (
        "GET https://<domain URL>/admin/v1/Apps?filter=displayName%20co%20%22Oracle%20%5C%22prod%5C%22%20%26%20test"
        "%2F1%22")
    assert r'the filter displayName co "Oracle \"prod\" & test/1", encoded' in words(text(page))


def test_oracle_is_told_where_its_first_request_shows(admin):
    page = save(admin)
    with db.connection_context():
        record = IdpApp.by_name("Oracle IDCS")
    body = text(page)
    assert "Oracle's first request (GET /Users?count=1) appears under Activity as a connection" in words(body)
    assert 'href="/plugins/servlet/usersync/admin/activity?app=Oracle+IDCS" id="oracle-activity"' in body
    assert f'href="/plugins/servlet/usersync/admin/apps/{record.id}/traffic">traffic log</a>' in body
