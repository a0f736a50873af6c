"""Every route in app.url_map, anonymous: SCIM needs a bearer token, admin pages a session, and only an
allow-list answers anyone. A route added without protection fails here."""

from urllib.parse import urlsplit

import pytest
from werkzeug.routing import IntegerConverter

from tests.conftest import SCIM, ScimClient, assert_scim_error

from .provisioning import create_group, create_user, group_doc, make_app, patch_body, user_doc

ADMIN_PREFIXES = ("/plugins/servlet/usersync/admin", "/plugins/servlet/usersync/configure")
LOGIN = "/plugins/servlet/usersync/admin/login"
# What a load balancer, a browser before sign-in, or anyone at all may reach.
PUBLIC = {"/", "/favicon.ico", "/static/<path:filename>", "/health", "/ready"}
VALUES = {"urn": "urn:x", "name": "User", "filename": "admin.css"}  # others: 1 for <int:…> and <id:…>, else "x"
BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def routes(app):
    """(rule, method, path) for every rule and method but HEAD and OPTIONS, path variables filled in."""
    for rule in sorted(app.url_map.iter_rules(), key=lambda each: each.rule):
        values = {name: VALUES.get(name, 1 if isinstance(rule._converters[name], IntegerConverter) else "x")
                  for name in rule.arguments}
        path = rule.build(values, append_unknown=False)[1]
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.rule, method, path


def anonymous(app, headers=None):
    """{(rule, method): response} with no session and these headers."""
    client = app.test_client()
    return {(rule, method): client.open(path, method=method, headers=headers or {}, buffered=True)
            for rule, method, path in routes(app)}


def refused(rule, response):
    """Whether the response keeps an anonymous caller out: 401 under SCIM, a redirect to sign-in elsewhere."""
    if response.status_code == 401:
        return True
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == LOGIN


def test_every_route_is_under_a_protected_prefix_or_on_the_public_allow_list(app):
    unclassified = {rule for rule, _, _ in routes(app)
                    if not rule.startswith((SCIM, *ADMIN_PREFIXES)) and rule not in PUBLIC}
    assert unclassified == set()


def test_only_the_allow_list_and_the_sign_in_page_answer_anyone(app):
    answered = {rule for (rule, _), response in anonymous(app).items() if not refused(rule, response)}
    assert answered == PUBLIC | {LOGIN}


def test_public_routes_answer(app):
    responses = anonymous(app)
    assert responses[("/health", "GET")].status_code == 200
    assert responses[("/ready", "GET")].status_code == 200
    assert responses[("/static/<path:filename>", "GET")].status_code == 200
    assert urlsplit(responses[("/", "GET")].headers["Location"]).path == "/plugins/servlet/usersync/admin/"


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Bearer ", "Basic YWRtaW46YWRtaW4=",
                                           "not-a-token"])
def test_every_scim_route_is_401_without_a_valid_bearer_token(app, authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    wrong = []
    for (rule, method), response in anonymous(app, headers).items():
        if not rule.startswith(SCIM):
            continue
        body = response.get_json(force=True, silent=True) or {}
        if (response.status_code, body.get("status"), response.headers.get("WWW-Authenticate")) != (
                401, "401", 'Bearer realm="usersync"') or response.mimetype != "application/scim+json":
            wrong.append((method, rule, response.status_code))
    assert wrong == []
    assert_scim_error(app.test_client().get(SCIM + "/Users", headers=headers), 401)


@pytest.mark.parametrize("authorization", [None, "Bearer not-a-token", "Basic YWRtaW46YWRtaW4="])
def test_options_on_every_scim_route_needs_the_bearer_token_too(app, authorization):
    """Flask answers OPTIONS by itself, and Flask-HTTPAuth lets it through for CORS preflights: without a token
    it would tell anyone which SCIM paths and methods exist."""
    client = app.test_client()
    headers = {"Authorization": authorization} if authorization is not None else {}
    paths = {path for rule, _, path in routes(app) if rule.startswith(SCIM)}
    for path in sorted(paths):
        response = client.options(path, headers=headers)
        assert_scim_error(response, 401)
        assert response.headers["WWW-Authenticate"] == 'Bearer realm="usersync"' and "Allow" not in response.headers


def test_options_with_the_token_answers_which_methods_a_path_takes(app, idp_app):
    scim = ScimClient(app.test_client(), idp_app[1])
    response = scim.request("OPTIONS", "/Users")
    assert response.status_code == 200
    assert set(response.headers["Allow"].split(", ")) == {"GET", "HEAD", "POST", "OPTIONS"}
    assert {"GET", "PUT", "PATCH", "DELETE"} <= set(scim.request("OPTIONS", "/Users/x").headers["Allow"].split(", "))


def test_a_disabled_or_rotated_apps_token_is_401(app):
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        apps.create("Disabled", "okta")
        _, disabled = apps.create("Disabled later", "okta")
        apps.set_enabled("Disabled later", False)
        _, old = apps.create("Rotated", "okta")
        apps.rotate("Rotated")
    for token in (disabled, old):
        assert_scim_error(ScimClient(app.test_client(), token).get("/Users"), 401)


def test_every_admin_and_wizard_route_redirects_anonymous_callers_to_sign_in(app):
    wrong = [(method, rule, response.status_code) for (rule, method), response in anonymous(app).items()
             if rule.startswith(ADMIN_PREFIXES) and rule != LOGIN and not refused(rule, response)]
    assert wrong == []


def test_an_app_on_another_directory_gets_404_for_its_users_and_groups(app):
    """Not 403 (which would confirm the id exists), and never the resource."""
    mine = make_app(app, "Oracle IDCS")
    theirs = make_app(app, "Okta", provider="okta", directory="Jira Internal Directory")
    bob = create_user(theirs, "bob")
    team = create_group(theirs, "Engineering", bob["id"])
    for path, doc in ((f"/Users/{bob['id']}", user_doc("bob", displayName="Mallory's")),
                      (f"/Groups/{team['id']}", group_doc("Mallory's"))):
        responses = [mine.get(path), mine.put(path, json=doc), mine.delete(path),
                     mine.patch(path, json=patch_body({"op": "replace", "path": "displayName", "value": "M"}))]
        for response in responses:
            assert_scim_error(response, 404)
            assert "bob" not in response.get_data(as_text=True) and "Engineering" not in response.get_data(as_text=True)
    bulk = mine.post("/Bulk", json={"schemas": [BULK], "Operations": [
        {"method": "DELETE", "path": f"/Users/{bob['id']}"}, {"method": "DELETE", "path": f"/Groups/{team['id']}"}]})
    assert [op["status"] for op in bulk.get_json()["Operations"]] == ["404", "404"]
    assert mine.get(f'/Users?filter=id eq "{bob["id"]}"').get_json()["totalResults"] == 0
    assert theirs.get(f"/Users/{bob['id']}").get_json()["meta"] == bob["meta"]  # untouched
    assert theirs.get(f"/Groups/{team['id']}").get_json()["displayName"] == "Engineering"
