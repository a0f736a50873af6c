"""USERSYNC_TRUSTED_HOSTS: a request naming another host (Host, or X-Forwarded-Host) gets a 400 that names the
setting, before any page or SCIM body can build a URL on it; the loopback names, USERSYNC_PUBLIC_URL's host and
what the setting lists are answered, '*' answers any."""

import uuid

import pytest

from app import create_app
from config import Config
from tests.conftest import SCIM, AdminClient, ScimClient, assert_scim_error, fresh_database

ADMIN = "/plugins/servlet/usersync/admin"
WIZARD = "/plugins/servlet/usersync/configure"
EVIL = "evil.example"
USER = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "alice"}


@pytest.fixture
def build(tmp_path):
    """create_app with these settings on a fresh store (one app a test)."""
    def build(**settings):
        url, _ = fresh_database(tmp_path)
        application = create_app({"TESTING": True, "DATABASE_URL": url, **settings})
        application.instance_path = str(tmp_path)
        return application
    return build


def signed_in(application, *hosts):
    """An admin client signed in on localhost whose session cookie is sent to these hosts too."""
    admin = AdminClient(application.test_client()).sign_in()
    session = admin.client.get_cookie("session")
    for host in hosts:
        admin.client.set_cookie("session", session.value, domain=host)
    return admin


def scim_client(application):
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        _, token = apps.create(f"Okta {uuid.uuid4().hex[:6]}", "okta")
    return ScimClient(application.test_client(), token)


def assert_refused_page(response, host=EVIL):
    body = response.get_data(as_text=True)
    assert response.status_code == 400, body
    assert 'id="error-page" data-status="400"' in body  # the product's page, not Werkzeug's
    assert f"the host {host}" in body and "USERSYNC_TRUSTED_HOSTS" in body
    assert f"http://{host}" not in body
    return body


def test_a_page_showing_the_base_url_refuses_a_forged_host(app):
    admin = signed_in(app, EVIL)
    scim_client(app)  # an app, so that the list shows the base URL
    assert f"http://localhost{SCIM}" in admin.get(ADMIN + "/").get_data(as_text=True)
    assert_refused_page(admin.client.get(ADMIN + "/", headers={"Host": EVIL}))
    assert_refused_page(admin.client.get(ADMIN + "/apps/1/setup", headers={"Host": EVIL}))


def test_the_wizard_saves_nothing_for_a_forged_host(app):
    from models import IdpApp, db

    admin = signed_in(app, EVIL)
    admin.get(WIZARD + "/")
    response = admin.client.post(WIZARD + "/save", headers={"Host": EVIL}, data={
        "csrf_token": admin.token, "provider": "okta", "method": "scim", "name": "Forged", "directory": ""})
    assert_refused_page(response)
    with db.connection_context():
        assert IdpApp.select().where(IdpApp.name == "Forged").count() == 0


def test_scim_refuses_a_forged_host_with_an_error_body_naming_the_setting(app):
    scim = scim_client(app)
    for response in (scim.post("/Users", json=USER, headers={"Host": EVIL}),
                     scim.get("/ServiceProviderConfig", headers={"Host": EVIL}),
                     scim.get("/Users", headers={"Host": f"{EVIL}:443"})):
        body = assert_scim_error(response, 400)
        assert "USERSYNC_TRUSTED_HOSTS" in body["detail"] and EVIL in body["detail"]
        assert "Location" not in response.headers
    assert scim.get('/Users?filter=userName eq "alice"').get_json()["totalResults"] == 0  # nothing written


def test_a_forwarded_host_is_checked_too(app):
    scim = scim_client(app)
    body = assert_scim_error(scim.get("/Users", headers={"X-Forwarded-Host": f"localhost, {EVIL}"}), 400)
    assert EVIL in body["detail"]
    admin = signed_in(app)
    assert_refused_page(admin.client.get(ADMIN + "/", headers={"X-Forwarded-Host": EVIL}))


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:8090", "127.0.0.1:8090", "[::1]:8090", "[::1]",
                                  "localhost."])
def test_the_loopback_names_are_answered(app, host):
    scim = scim_client(app)
    created = scim.post("/Users", json={**USER, "userName": f"u-{uuid.uuid4().hex[:6]}"}, headers={"Host": host})
    assert created.status_code == 201, created.get_data(as_text=True)
    assert created.headers["Location"].lower().startswith(f"http://{host.lower()}{SCIM}/Users/".lower())


@pytest.mark.parametrize("host", [EVIL, "localhost.evil.example", "127.0.0.1.evil.example", "[::2]",
                                  "localhost:8090@evil.example", "evil.example#localhost", "localhost:99999"])
def test_other_hosts_are_refused(app, host):
    assert_scim_error(scim_client(app).get("/Users", headers={"Host": host}), 400)


def test_the_public_urls_host_is_answered_and_is_the_base_url_shown(build):
    application = build(PUBLIC_URL="https://Usersync.Example.com/jira/")
    scim_client(application)
    admin = signed_in(application, "usersync.example.com", EVIL)
    page = admin.client.get(ADMIN + "/", headers={"Host": "usersync.example.com"}).get_data(as_text=True)
    assert f"https://Usersync.Example.com/jira{SCIM}" in page
    assert 'id="scim-base-url-origin" data-origin="configured"' in page and "From USERSYNC_PUBLIC_URL" in page
    assert_refused_page(admin.client.get(ADMIN + "/", headers={"Host": EVIL}))


@pytest.mark.parametrize("public_url, host", [("http://[2001:DB8::5]:8090", "[2001:db8::5]:8090"),
                                              ("http://[bad", "localhost")])
def test_a_public_url_on_an_ipv6_address_or_malformed_still_starts(build, public_url, host):
    scim = scim_client(build(PUBLIC_URL=public_url))
    assert scim.get("/Users", headers={"Host": host}).status_code == 200
    assert_scim_error(scim.get("/Users", headers={"Host": EVIL}), 400)


def test_the_setting_adds_names_domains_and_addresses(build):
    application = build(TRUSTED_HOSTS="usersync.corp.example, .idp.example  *.tenant.example,10.0.0.5 ::5")
    scim = scim_client(application)
    for host in ("usersync.corp.example", "idp.example", "a.idp.example", "x.tenant.example", "10.0.0.5:8090",
                 "[::5]:8090", "localhost"):
        assert scim.get("/Users", headers={"Host": host}).status_code == 200, host
    for host in ("corp.example", "other.corp.example", "evilidp.example", "10.0.0.6"):
        assert_scim_error(scim.get("/Users", headers={"Host": host}), 400)


def test_the_setting_is_read_from_the_environment():
    settings = Config.from_env({"USERSYNC_TRUSTED_HOSTS": "usersync.example.com,.corp.example"})
    assert settings["TRUSTED_HOSTS"] == "usersync.example.com,.corp.example"
    assert Config.from_env({})["TRUSTED_HOSTS"] is None


def test_any_host_with_a_star_for_a_proxy_that_checks_host_itself(build):
    application = build(TRUSTED_HOSTS="*")
    scim = scim_client(application)
    created = scim.post("/Users", json=USER, headers={"Host": "usersync.example.com"})
    assert created.headers["Location"].startswith(f"http://usersync.example.com{SCIM}/Users/")
    admin = signed_in(application, "usersync.example.com")
    page = admin.client.get(ADMIN + "/", headers={"Host": "usersync.example.com"}).get_data(as_text=True)
    assert f"<code id=\"scim-base-url\">http://usersync.example.com{SCIM}</code>" in page
    assert 'data-origin="request"' in page and "From this request's address: USERSYNC_PUBLIC_URL is" in page


def test_health_probes_answer_any_host(app):
    """A load balancer or Kubernetes names the backend by its own address; a probe's answer holds no URL."""
    client = app.test_client()
    assert client.get("/health", headers={"Host": "10.1.2.3:8090"}).status_code == 200
    assert client.get("/ready", headers={"Host": "10.1.2.3:8090"}).status_code == 200
    assert_refused_page(client.get(ADMIN + "/login", headers={"Host": "10.1.2.3:8090"}), "10.1.2.3:8090")


def test_a_host_not_worth_repeating_is_not_repeated(app):
    response = app.test_client().get(ADMIN + "/login", headers={"Host": "<b>evil</b>.example"})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "this request&#39;s host" in body and "<b>" not in body


@pytest.mark.parametrize("public_url, origin, said", [
    (None, "request", "From this request's address: USERSYNC_PUBLIC_URL is"),
    ("https://usersync.example.com", "configured", "From USERSYNC_PUBLIC_URL, as configured."),
])
def test_the_wizard_result_and_setup_pages_say_where_the_base_url_came_from(build, public_url, origin, said):
    application = build(**({"PUBLIC_URL": public_url} if public_url else {}))
    admin = signed_in(application)
    admin.get(WIZARD + "/")
    result = admin.post(WIZARD + "/save", data={"provider": "okta", "method": "scim", "name": "Okta",
                                                "directory": ""}, follow_redirects=True)
    setup = admin.get(ADMIN + "/apps/1/setup")
    listed = admin.get(ADMIN + "/")
    for page in (result, setup, listed):
        body = page.get_data(as_text=True)
        assert page.status_code == 200 and f'id="scim-base-url-origin" data-origin="{origin}"' in body
        assert said in " ".join(body.split())
