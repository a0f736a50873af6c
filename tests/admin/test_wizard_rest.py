"""The wizard's REST API path: name → connection (Oracle or SCIM 2.0 settings) → Test connection → Save.

Test connection runs against the real test IdP of tests/idp_source.py (and a closed port); no
response body ever carries a secret that was typed.
"""

import re
import socket

import pytest

from models import IdpApp, db
from store.pull import sources
from tests.admin.pages import found, text

WIZARD = "/plugins/servlet/usersync/configure"
ADMIN = "/plugins/servlet/usersync/admin"


class Recorder:
    """Every response body the admin got, to check that a secret never came back."""

    def __init__(self, admin):
        self.bodies = []
        self.admin = admin
        opened = admin.client.open

        def open_and_keep(*args, **kwargs):
            response = opened(*args, **kwargs)
            self.bodies.append(response.get_data(as_text=True))
            return response

        admin.client.open = open_and_keep

    def assert_never_shown(self, *secrets):
        for secret in secrets:
            assert not [body for body in self.bodies if secret in body], f"{secret!r} came back in a response"


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


def oracle_fields(idp, **changes):
    fields = {"provider": "oracle", "method": "rest", "name": "Oracle pull", "directory": "",
              "domain_url": idp.url, "client_id": idp.client_id, "client_secret": idp.client_secret}
    return {**fields, **changes}


def scim_fields(idp, auth="bearer", **changes):
    fields = {"provider": "custom", "method": "rest", "name": "SCIM pull", "directory": "", "base_url": idp.scim_base,
              "auth": auth, "bearer_token": idp.static_token if auth == "bearer" else "",
              "token_url": idp.token_url, "client_id": idp.client_id,
              "client_secret": idp.client_secret if auth == "oauth" else "", "scope": idp.scope or ""}
    return {**fields, **changes}


def save(admin, fields):
    return admin.post(WIZARD + "/connection", data=fields)


def save_anyway(admin, fields):
    """Save, confirmed without Test connection (what Save anyway sends)."""
    return save(admin, {**fields, "confirm": "yes"})


def saved_after_a_test(admin, fields):
    """Test connection (it passes), then Save: no confirmation asked."""
    assert try_connection(admin, fields).get_json()["ok"]
    return save(admin, fields)


def try_connection(admin, fields):
    return admin.post(WIZARD + "/connection/test", data=fields)


def app_count():
    with db.connection_context():
        return IdpApp.select().count()


def stored(app, name):
    """(settings_of, the decrypted source) of the app named name."""
    from store.tenancy import secrets

    with db.connection_context():
        record = IdpApp.by_name(name)
        return sources.settings_of(record), sources.source_for(record, secrets.key_from(app.config))


def test_the_name_step_leads_to_the_connection_step(admin):
    details = admin.get(WIZARD + "/details", query_string={"provider": "oracle", "method": "rest"})
    body = text(details)
    assert f'<form method="get" action="{WIZARD}/connection"' in body and 'id="wizard-next"' in body
    assert 'id="wizard-save"' not in body and "Step 3 of 4" in body
    page = admin.get(WIZARD + "/connection", query_string={"provider": "oracle", "method": "rest",
                                                           "name": "Oracle pull"})
    assert page.status_code == 200
    body = text(page)
    assert re.findall(r'<li aria-current="step">(\d)\.', page.get_data(as_text=True)) == ["4"]
    assert "5. Synchronize" in body and "Step 4 of 4: Connection" in body
    for field in ("domain_url", "client_id"):
        assert f'id="{field}" name="{field}" value=""' in body
    assert 'type="password" id="client_secret" name="client_secret" value="" autocomplete="new-password"' in body
    assert "urn:opc:idm:__myscopes__" in found(r'id="oracle-scope">(.*?)</p>', page)
    for words in ("Confidential Application", "Client credentials", "User Administrator"):
        assert words in found(r'id="oracle-client-help">(.*?)</div>', page)
    assert 'data-test-url="' + WIZARD + '/connection/test"' in body and "/static/js/test_connection.js" in body
    assert 'value="test" id="test-connection"' in body and 'name="name" value="Oracle pull"' in body
    assert app_count() == 0


def test_other_providers_ask_for_a_scim_base_url_and_either_credential(admin):
    page = admin.get(WIZARD + "/connection", query_string={"provider": "onelogin", "method": "rest", "name": "OL"})
    body = text(page)
    assert 'id="base_url" name="base_url"' in body and 'id="domain_url"' not in body
    assert 'id="auth-bearer" name="auth" value="bearer" aria-describedby="auth-help" checked' in body
    assert 'id="auth-oauth" name="auth" value="oauth" aria-describedby="auth-help">' in body
    assert re.search(r'class="auth-fields auth-bearer".*id="bearer_token"', body)
    assert re.search(r'class="auth-fields auth-oauth".*id="token_url".*id="client_id".*id="client_secret".*id="scope"',
                     body)
    assert body.count('type="password"') == 2 and body.count('value="" autocomplete="new-password"') == 2


@pytest.mark.parametrize("name, message", [("", "Enter a name for the app."), ("x" * 121, "at most 120 characters")])
def test_the_connection_step_sends_a_bad_name_back(admin, name, message):
    response = admin.get(WIZARD + "/connection", query_string={"provider": "oracle", "method": "rest", "name": name})
    assert response.status_code == 400 and message in found(r'id="app-name-error">(.*?)</p>', response)


def test_save_creates_the_app_and_its_source_and_goes_to_synchronize(app, admin, seen, idp):
    response = saved_after_a_test(admin, oracle_fields(idp))
    assert response.status_code == 303
    with db.connection_context():
        record = IdpApp.by_name("Oracle pull")
        assert (record.provider, record.method) == ("oracle", "rest")
    assert response.headers["Location"].endswith(f"{ADMIN}/apps/{record.id}/sync?created=1")
    page = admin.get(response.headers["Location"])
    assert page.status_code == 200
    body = text(page)
    assert "Oracle pull is ready" in body and 'id="sync-now"' in body and 'id="schedule"' in body
    assert re.findall(r'<li aria-current="step">(\d)\.', page.get_data(as_text=True)) == ["5"]
    assert found(r'id="secret-state">(.*?)</dd>', page) == "stored, encrypted"
    settings, source = stored(app, "Oracle pull")
    assert settings["kind"] == "oracle" and settings["has_secret"]
    assert settings["settings"]["domain_url"] == idp.url
    assert (source.domain_url, source.client_id, source.client_secret) == (idp.url, idp.client_id,
                                                                           idp.client_secret)
    seen.assert_never_shown(idp.client_secret)


def test_a_trailing_slash_is_dropped_from_the_domain_url(app, admin, idp):
    assert saved_after_a_test(admin, oracle_fields(idp, domain_url=idp.url + "/")).status_code == 303
    assert stored(app, "Oracle pull")[0]["settings"]["domain_url"] == idp.url


@pytest.mark.parametrize("field, value, message", [
    ("domain_url", "", "Domain URL is required."),
    ("domain_url", "idcs-abc.identity.oraclecloud.com", "Domain URL must be an https:// URL"),
    ("domain_url", "http://idcs-abc.identity.oraclecloud.com", "Domain URL must use https://"),
    ("domain_url", "https://idcs-abc.identity.oraclecloud.com/admin/v1", "Domain URL is the identity domain URL only"),
    ("client_id", "  ", "Client ID is required."),
    ("client_secret", "", "Client secret is required."),
])
def test_an_oracle_setting_is_refused_beside_its_field(admin, seen, idp, field, value, message):
    response = save(admin, oracle_fields(idp, **{field: value}))
    assert response.status_code == 400
    assert message in found(rf'<p class="error" id="{field}-error">(.*?)</p>', response)
    assert re.search(rf'id="{field}"[^>]*aria-describedby="{field}-error {field}-help" aria-invalid="true" autofocus',
                     response.get_data(as_text=True))
    assert app_count() == 0
    body = text(response)
    assert 'name="client_secret" value=""' in body
    if field != "client_secret":  # a typed secret is not sent back, and the page says so
        assert "is not sent back to the browser: type it again" in found(r'id="client_secret-retype">(.*?)</p>',
                                                                         response)
        assert f'value="{idp.client_id}"' in body or field == "client_id"
    seen.assert_never_shown(idp.client_secret)


def test_generic_scim_with_a_bearer_token(app, admin, seen, idp):
    fields = scim_fields(idp, client_secret="ignored-oauth-secret")  # the other choice's fields are ignored
    assert saved_after_a_test(admin, fields).status_code == 303
    settings, source = stored(app, "SCIM pull")
    assert settings["kind"] == "scim" and settings["settings"]["base_url"] == idp.scim_base
    assert settings["settings"].get("auth") == "bearer" and not settings["settings"].get("token_url")
    assert source.bearer_token == idp.static_token and source.client_secret is None
    seen.assert_never_shown(idp.static_token, "ignored-oauth-secret")


def test_generic_scim_with_oauth_client_credentials(app, admin, seen, idp):
    assert saved_after_a_test(admin, scim_fields(idp, auth="oauth", bearer_token="ignored-token")).status_code == 303
    settings, source = stored(app, "SCIM pull")
    assert {key: settings["settings"].get(key) for key in ("auth", "token_url", "client_id", "scope")} == {
        "auth": "oauth", "token_url": idp.token_url, "client_id": idp.client_id, "scope": idp.scope}
    assert source.client_secret == idp.client_secret and source.bearer_token is None
    seen.assert_never_shown(idp.client_secret, "ignored-token")


@pytest.mark.parametrize("auth, field, message", [
    ("bearer", "bearer_token", "Bearer token is required."),
    ("oauth", "token_url", "Token URL is required."),
    ("oauth", "client_id", "Client ID is required."),
    ("oauth", "client_secret", "Client secret is required."),
    ("bearer", "base_url", "SCIM base URL must use https://"),
    ("sideways", "auth", "Choose a bearer token or OAuth2 client credentials."),
])
def test_a_scim_setting_is_refused_beside_its_field(admin, idp, auth, field, message):
    value = {"base_url": "http://scim.example.com/v2", "auth": auth}.get(field, "")
    response = save(admin, {**scim_fields(idp, auth=auth), field: value})
    assert response.status_code == 400 and app_count() == 0
    assert message in found(rf'<p class="error" id="{field}-error">(.*?)</p>', response)


def test_test_connection_says_connected_with_the_counts(admin, seen, idp):
    idp.add_group("Engineering", idp.add_users(3))
    response = try_connection(admin, oracle_fields(idp))
    assert response.status_code == 200 and response.is_json
    outcome = response.get_json()
    assert outcome["ok"] and outcome["headline"] == "Connected: 3 users, 1 group"
    assert outcome["message"].startswith(f"Connected to {idp.scim_base}")
    assert app_count() == 0  # nothing saved
    scim = try_connection(admin, scim_fields(idp)).get_json()
    assert scim["ok"] and scim["users"] == 3
    seen.assert_never_shown(idp.client_secret, idp.static_token, *idp.issued)


def test_test_connection_names_the_failing_stage(admin, seen, idp, closed_port):
    outcomes = {
        "token": try_connection(admin, oracle_fields(idp, client_secret="not-the-secret")).get_json(),
        "refused": try_connection(admin, oracle_fields(idp, domain_url=f"http://127.0.0.1:{closed_port}")
                                   ).get_json(),
        "path": try_connection(admin, scim_fields(idp, base_url=idp.url + "/scim/v2")).get_json(),
        "dns": try_connection(admin, oracle_fields(idp, domain_url="https://idcs-nosuch.invalid")).get_json(),
    }
    idp.fail_api(403, times=None)
    outcomes["403"] = try_connection(admin, oracle_fields(idp)).get_json()
    idp.clear_faults()
    idp.fail_api(401, times=None)
    outcomes["401"] = try_connection(admin, scim_fields(idp)).get_json()
    assert not any(outcome["ok"] for outcome in outcomes.values())
    shown = {name: (o["stage"], o["code"], o["headline"]) for name, o in outcomes.items()}
    assert shown == {
        "token": ("token", "token_refused", "Failed at the token endpoint"),
        "refused": ("connect", "refused", "Failed at the connection"),
        "path": ("api", "not_found", "Failed at the SCIM API"),
        "dns": ("dns", "dns", "Failed at DNS"),
        "403": ("api", "forbidden", "Failed at the SCIM API"),
        "401": ("api", "unauthorized", "Failed at the SCIM API"),
    }
    assert "invalid_client" in outcomes["token"]["message"]
    assert f"refused the connection on port {closed_port}" in outcomes["refused"]["message"]
    assert "/scim/v2/Users (404)" in outcomes["path"]["message"]
    assert "'User Administrator' app role" in outcomes["403"]["detail"]
    assert "(401)" in outcomes["401"]["message"]
    seen.assert_never_shown(idp.client_secret, idp.static_token, "not-the-secret")


def test_test_connection_names_a_wrong_setting(admin, idp):
    response = try_connection(admin, oracle_fields(idp, domain_url="ftp://idcs.example.com"))
    assert response.status_code == 400
    outcome = response.get_json()
    assert (outcome["ok"], outcome["stage"], outcome["field"]) == (False, "config", "domain_url")
    assert outcome["message"].startswith("Domain URL must be an https:// URL")
    unknown = try_connection(admin, {"provider": "nowhere"})
    assert unknown.status_code == 400 and unknown.get_json()["field"] == "provider"


def test_test_connection_without_javascript_shows_the_outcome_and_saves_nothing(admin, seen, idp):
    idp.add_users(2)
    response = save(admin, {**oracle_fields(idp), "action": "test"})
    assert response.status_code == 200 and app_count() == 0
    assert found(r'id="test-outcome"[^>]*>\s*<p><strong>(.*?)</strong>', response) == "Connected: 2 users, 0 groups"
    assert 'data-ok="true"' in text(response)
    assert "type it again" in found(r'id="client_secret-retype">(.*?)</p>', response)
    failed = save(admin, {**oracle_fields(idp, client_secret="wrong"), "action": "test"})
    assert 'data-ok="false" data-stage="token" data-code="token_refused"' in text(failed)
    seen.assert_never_shown(idp.client_secret)


def test_a_source_the_store_refuses_leaves_no_app_behind(admin, idp, monkeypatch):
    from sync.sources import SourceConfigError

    def refuse(*_args):
        raise SourceConfigError("client_id", "is not allowed here")

    monkeypatch.setattr(sources, "configure", refuse)
    response = save_anyway(admin, oracle_fields(idp))
    assert response.status_code == 400 and app_count() == 0
    assert "Client ID is not allowed here." in found(r'id="client_id-error">(.*?)</p>', response)


def test_a_name_taken_meanwhile_goes_back_to_the_name_step(admin, idp):
    from store.tenancy import apps

    with db.connection_context():
        apps.create("Oracle pull", "okta")  # by another admin, or the CLI, after the name step
    response = save_anyway(admin, oracle_fields(idp))
    assert response.status_code == 400 and "already exists" in found(r'id="app-name-error">(.*?)</p>', response)
    assert app_count() == 1


def test_save_without_a_test_asks_to_confirm_and_saves_nothing(admin, seen, idp):
    response = save(admin, oracle_fields(idp))
    assert response.status_code == 200 and app_count() == 0 and idp.token_requests == 0
    asked = found(r'id="save-unconfirmed"[^>]*data-failed="false">(.*?)</div>', response)
    assert "Test connection has not run with these settings. Save anyway?" in asked
    assert "type it again before you select Save anyway" in asked
    body = text(response)
    assert 'name="confirm" value="yes" id="save-anyway">Save anyway</button>' in body and 'id="wizard-save"' not in body
    assert 'name="client_secret" value=""' in body
    seen.assert_never_shown(idp.client_secret)


def test_save_after_a_failed_test_says_how_it_failed(admin, seen, idp):
    fields = oracle_fields(idp, client_secret="not-the-secret")
    assert not try_connection(admin, fields).get_json()["ok"]
    response = save(admin, fields)
    assert response.status_code == 200 and app_count() == 0
    asked = found(r'id="save-unconfirmed"[^>]*data-failed="true">(.*?)</div>', response)
    assert "Test connection failed with these settings. Save anyway?" in asked
    assert "Failed at the token endpoint: " in asked and "invalid_client" in asked
    seen.assert_never_shown("not-the-secret")


def test_save_anyway_saves_what_failed(app, admin, idp):
    fields = oracle_fields(idp, client_secret="not-the-secret")
    try_connection(admin, fields)
    response = save_anyway(admin, fields)
    assert response.status_code == 303 and app_count() == 1
    assert stored(app, "Oracle pull")[1].client_secret == "not-the-secret"


def test_a_setting_changed_after_a_passing_test_asks_again(admin, idp):
    assert try_connection(admin, oracle_fields(idp)).get_json()["ok"]
    for changed in ({"client_id": "another-client"}, {"client_secret": "another-secret"}):
        response = save(admin, oracle_fields(idp, **changed))
        assert 'data-failed="false"' in found(r'(id="save-unconfirmed"[^>]*>)', response), changed
    assert app_count() == 0
    assert save(admin, oracle_fields(idp)).status_code == 303  # the tested settings, typed again


def test_a_test_without_javascript_counts_for_save_too(admin, idp):
    assert 'data-ok="true"' in text(save(admin, {**oracle_fields(idp), "action": "test"}))
    assert save(admin, oracle_fields(idp)).status_code == 303 and app_count() == 1


def test_the_form_asks_in_place_when_the_page_has_script(admin):
    page = admin.get(WIZARD + "/connection", query_string={"provider": "custom", "method": "rest", "name": "X"})
    assert re.search(r'<form [^>]*id="source-form"[^>]*data-confirm-untested', page.get_data(as_text=True))


def test_the_same_form_saved_again_goes_to_the_app_it_made(admin, idp):
    first = saved_after_a_test(admin, oracle_fields(idp))
    again = save_anyway(admin, oracle_fields(idp))  # Back, then Save
    assert again.status_code == 303 and again.headers["Location"] == first.headers["Location"].split("?")[0]
    page = admin.get(again.headers["Location"])
    assert "'Oracle pull' was saved already, when you first selected Save; nothing was created again." in text(page)
    assert app_count() == 1


@pytest.mark.parametrize("path", ["/connection", "/connection/test"])
def test_posts_need_the_csrf_token(admin, idp, path):
    response = admin.client.post(WIZARD + path, data=oracle_fields(idp))
    assert response.status_code == 400 and app_count() == 0
    assert idp.token_requests == 0


@pytest.mark.parametrize("method, path", [
    ("GET", "/connection?provider=oracle&method=rest&name=X"), ("POST", "/connection"), ("POST", "/connection/test"),
])
def test_the_rest_steps_need_sign_in(app, method, path):
    response = app.test_client().open(WIZARD + path, method=method, data={"provider": "oracle", "name": "X"})
    assert response.status_code == 302 and "/admin/login" in response.headers["Location"]


def test_pages_have_no_inline_script_or_style(admin):
    page = admin.get(WIZARD + "/connection", query_string={"provider": "custom", "method": "rest", "name": "X"})
    body = page.get_data(as_text=True)
    assert "<script>" not in body and " style=" not in body and "<style" not in body
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
