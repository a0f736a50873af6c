"""Test Connection: one distinct outcome, in admin words, for each way a source can fail, and OK."""

import contextlib
import socket
import ssl

import pytest

from sync.diagnose import test_connection as diagnose
from sync.sources import OracleSource, ScimSource

QUICK = {"timeout": 2.0}


def test_ok_reports_the_counts(idp_source):
    idp_source.add_group("Admins", idp_source.add_users(3))
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert result.ok and result.code == "ok" and (result.users, result.groups) == (3, 1)
    assert result.message == f"Connected to {idp_source.scim_base}: the source reports 3 users and 1 group."


def test_dns_name_not_found():
    result = diagnose(OracleSource("https://idcs-nosuchdomain.invalid", "c", "s"), **QUICK)
    assert (result.ok, result.stage, result.code) == (False, "dns", "dns")
    assert result.message.startswith("The host name idcs-nosuchdomain.invalid was not found (DNS)")


def test_connection_refused(closed_port):
    result = diagnose(ScimSource(f"http://127.0.0.1:{closed_port}/scim/v2", bearer_token="t"), **QUICK)
    assert (result.stage, result.code) == ("connect", "refused")
    assert f"refused the connection on port {closed_port}" in result.message


def test_no_answer_in_time(silent_port):
    result = diagnose(OracleSource(f"http://127.0.0.1:{silent_port}", "c", "s"), timeout=0.3)
    assert (result.stage, result.code) == ("token", "timeout")  # connected, then silence from the token endpoint
    assert "did not answer in time" in result.message


def test_self_signed_certificate(tls_server):
    server = tls_server("self_signed")
    result = diagnose(ScimSource(f"https://127.0.0.1:{server.port}/scim/v2", bearer_token="t"), **QUICK)
    assert (result.stage, result.code) == ("tls", "tls")
    assert "The TLS certificate of 127.0.0.1 was not accepted: self-signed certificate" in result.message
    assert "self-signed" in result.detail


def test_certificate_for_another_host(tls_server, certificates):
    server = tls_server("other_host")
    trusting = ssl.create_default_context(cafile=str(certificates["other_host"][0]))
    result = diagnose(ScimSource(f"https://127.0.0.1:{server.port}/scim/v2", bearer_token="t"),
                      verify=trusting, **QUICK)
    assert (result.stage, result.code) == ("tls", "tls")
    assert "mismatch" in result.message and "127.0.0.1" in result.message
    assert "another host name" in result.detail


def test_token_endpoint_refuses_the_client(idp_source):
    result = diagnose(idp_source.oracle_source(client_secret="not-the-secret"), **QUICK)
    assert (result.stage, result.code) == ("token", "token_refused")
    assert "invalid_client" in result.message and "activated" in result.detail


def test_token_endpoint_not_there(idp_source):
    source = idp_source.scim_source(token_url=idp_source.url + "/oauth/token")
    result = diagnose(source, **QUICK)
    assert (result.stage, result.code) == ("token", "token_not_found")
    assert f"no OAuth2 token endpoint at {idp_source.url}/oauth/token (404)" in result.message


def test_api_refuses_the_token(idp_source):
    idp_source.fail_api(401, times=None)
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert (result.stage, result.code) == ("api", "unauthorized")
    assert "refused the token (401)" in result.message


def test_bearer_token_refused(idp_source):
    result = diagnose(idp_source.scim_source(auth="bearer", bearer_token="stale"), **QUICK)
    assert (result.stage, result.code) == ("api", "unauthorized")


def test_token_lacks_the_role(idp_source):
    idp_source.fail_api(403, times=None)
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert (result.stage, result.code) == ("api", "forbidden")
    assert "'User Administrator' app role" in result.detail


def test_groups_forbidden_while_users_are_readable(idp_source):
    idp_source.fail_api(403, times=None, path="/Groups")
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert result.code == "forbidden" and "/admin/v1/Groups" in result.message


def test_wrong_path(idp_source):
    result = diagnose(ScimSource(idp_source.url + "/scim/v2", bearer_token=idp_source.static_token), **QUICK)
    assert (result.stage, result.code) == ("api", "not_found")
    assert f"no SCIM endpoint at {idp_source.url}/scim/v2/Users (404)" in result.message


def test_html_instead_of_scim(idp_source):
    idp_source.fail_api(200, times=None, body="<html><title>Sign in</title></html>", content_type="text/html")
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert (result.stage, result.code) == ("api", "not_scim")
    assert "answered with text/html, not a SCIM response" in result.message and "Sign in" in result.detail


def test_json_that_is_not_a_list_response(idp_source):
    idp_source.fail_api(200, times=None, body={"status": "ok"})
    assert diagnose(idp_source.oracle_source(), **QUICK).code == "not_scim"


def test_redirect(idp_source):
    idp_source.fail_api(301, times=None, body="", headers={"Location": "https://elsewhere.example/scim"})
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert result.code == "redirect" and "https://elsewhere.example/scim" in result.message


def test_server_error_is_not_retried_in_a_diagnosis(idp_source):
    idp_source.fail_api(500, times=1)
    result = diagnose(idp_source.oracle_source(), **QUICK)
    assert (result.code, len(idp_source.api_calls())) == ("server_error", 1)


@pytest.mark.parametrize("kind", ["http.server", "waits", "at once"])
def test_an_https_url_served_by_plain_http_says_so_not_timeout(plain_http_server, kind):
    server = plain_http_server(kind)
    # The whole timeout is long: a plain-HTTP server that waits for the rest of a request would have it run out.
    result = diagnose(ScimSource(server.https_url + "/scim/v2", bearer_token="t"), timeout=10.0)
    assert (result.ok, result.stage, result.code) == (False, "tls", "plain_http")
    assert result.message == "TLS handshake failed: the server answered plain HTTP — use http://"
    assert f"use http://127.0.0.1:{server.port}/scim/v2" in result.detail


def test_a_plain_http_token_endpoint_is_found_first(plain_http_server, idp_source):
    server = plain_http_server("waits")
    source = idp_source.scim_source(auth="oauth", token_url=server.https_url + "/oauth/token")
    result = diagnose(source, timeout=10.0)
    assert (result.stage, result.code) == ("tls", "plain_http")
    assert idp_source.api_calls() == []


def test_a_pull_tells_plain_http_once_the_handshake_fails(plain_http_server):
    from sync.client import ScimClient
    from sync.errors import Unreachable

    server = plain_http_server("waits")
    with ScimClient(ScimSource(server.https_url + "/scim/v2", bearer_token="t"), timeout=0.5, retries=0) as client:
        with pytest.raises(Unreachable) as caught:
            client.check()
    assert (caught.value.stage, caught.value.code) == ("tls", "plain_http")


def test_a_silent_https_port_is_still_a_timeout_known_from_the_probes_alone():
    """Silent to a TLS handshake and to plain HTTP: a timeout, said without a third and fourth wait (the request,
    then probing again), so the test takes about twice the caller's timeout, not the probes' own waits on top."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        port = listener.getsockname()[1]
        result = diagnose(ScimSource(f"https://127.0.0.1:{port}/scim/v2", bearer_token="t"), timeout=0.5)
        listener.setblocking(False)
        attempts = 0
        with contextlib.suppress(BlockingIOError):
            while True:
                listener.accept()[0].close()
                attempts += 1
    assert (result.stage, result.code) == ("connect", "timeout")
    assert attempts == 2  # the handshake's connection and the plain-HTTP probe's


def test_a_refused_certificate_is_not_taken_for_plain_http(tls_server):
    from sync.client import ScimClient
    from sync.errors import Unreachable

    server = tls_server("self_signed")
    with ScimClient(ScimSource(f"https://127.0.0.1:{server.port}/scim/v2", bearer_token="t"), timeout=2.0,
                    retries=0) as client:
        with pytest.raises(Unreachable) as caught:
            client.check()
    assert caught.value.code == "tls" and "self-signed certificate" in str(caught.value)


def test_a_tls_port_answering_plain_http_in_words_is_not_taken_for_plain_http(plain_http_server):
    server = plain_http_server("nginx's TLS port")
    result = diagnose(ScimSource(server.https_url + "/scim/v2", bearer_token="t"), timeout=2.0)
    assert (result.stage, result.code) == ("tls", "tls")
    assert result.message.startswith("The TLS handshake with 127.0.0.1 failed")
