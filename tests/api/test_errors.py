"""Every failure under the SCIM prefix is an RFC 7644 §3.12 Error; no 5xx for client mistakes."""

from tests.conftest import SCIM, assert_scim_error


def test_missing_token_is_401_with_www_authenticate(app, idp_app):
    response = app.test_client().get(SCIM + "/Users")
    assert_scim_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


def test_wrong_token_is_401(app, idp_app):
    response = app.test_client().get(SCIM + "/ServiceProviderConfig", headers={"Authorization": "Bearer nope"})
    assert_scim_error(response, 401)


def test_routing_404_and_405_are_scim_errors(scim):
    assert_scim_error(scim.get("/Nope"), 404)
    assert_scim_error(scim.get("/Users/does-not-exist"), 404)
    response = scim.delete("/Users")
    assert_scim_error(response, 405)
    assert "GET" in response.headers["Allow"]


def test_malformed_json_is_invalid_syntax(scim):
    response = scim.request("POST", "/Users", data=b'{"userName": ', headers={"Content-Type": "application/scim+json"})
    assert_scim_error(response, 400, "invalidSyntax")
    response = scim.request("POST", "/Users", data=b'\xff\xfe', headers={"Content-Type": "application/json"})
    assert_scim_error(response, 400, "invalidSyntax")
    response = scim.request("POST", "/Users", data=b'{"userName": NaN}', headers={"Content-Type": "application/json"})
    assert_scim_error(response, 400, "invalidSyntax")


def test_unsupported_media_type_is_415(scim):
    response = scim.request("POST", "/Users", data=b"userName=x", headers={"Content-Type": "text/plain"})
    assert_scim_error(response, 415)


def test_json_with_charset_is_accepted(scim):
    response = scim.request("POST", "/Users", data=b'{"userName": "a"}',
                            headers={"Content-Type": "application/json; charset=utf-8"})
    assert response.status_code == 201


def test_deep_nesting_is_refused(scim):
    deep = "[" * 100 + "]" * 100
    response = scim.request("POST", "/Users", data=('{"userName": "a", "x": %s}' % deep).encode(),
                            headers={"Content-Type": "application/json"})
    assert_scim_error(response, 400, "invalidSyntax")


def test_oversized_body_is_413(app, scim):
    app.config["MAX_CONTENT_LENGTH"] = 1000
    response = scim.request("POST", "/Users", data=b'{"userName": "' + b"a" * 2000 + b'"}',
                            headers={"Content-Type": "application/json"})
    assert_scim_error(response, 413)


def test_trailing_slash_and_double_slash_are_forgiven(scim):
    assert scim.get("/Users/").status_code == 200
    assert scim.get("//Users").status_code == 200
