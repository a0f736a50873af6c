"""A client secret or a token never shows: not in reprs, error messages, tracebacks or logs."""

import logging
import traceback

import pytest

from sync.client import ScimClient
from sync.diagnose import test_connection as diagnose
from sync.errors import SourceError


def secrets_of(idp):
    """The client secret, the static token and every token the IdP issued."""
    return [idp.client_secret, idp.static_token, *idp.issued]


def assert_hidden(text, idp):
    for secret in secrets_of(idp):
        assert secret not in text


def test_reprs_hide_secrets(idp_source):
    for source in (idp_source.oracle_source(), idp_source.scim_source(), idp_source.scim_source(auth="bearer")):
        with ScimClient(source) as scim:
            scim.check()
            assert_hidden(repr(source) + repr(scim.credentials) + repr(source.to_dict()), idp_source)


@pytest.mark.parametrize("fault", ["token", "api401", "api403", "html", "echo"])
def test_errors_and_tracebacks_hide_secrets(idp_source, fault):
    if fault == "token":
        idp_source.fail_token(400, body={"error": "invalid_request",
                                         "error_description": f"no such secret {idp_source.client_secret}"})
    elif fault == "echo":  # a server quoting the Authorization header back
        idp_source.fail_api(400, times=None, body={"detail": f"bad header Bearer {idp_source.static_token}"})
    else:
        status, kind = {"api401": (401, None), "api403": (403, None), "html": (200, "text/html")}[fault]
        idp_source.fail_api(status, times=None, content_type=kind,
                            body=f"<html>{idp_source.client_secret}</html>" if kind else None)
    source = idp_source.scim_source(auth="bearer") if fault == "echo" else idp_source.oracle_source()
    with ScimClient(source, retries=0) as scim, pytest.raises(SourceError) as failed:
        scim.check()
    shown = "".join(traceback.format_exception(failed.value)) + str(failed.value.detail)
    assert_hidden(shown, idp_source)
    assert_hidden(repr(diagnose(source)), idp_source)


def test_logs_hide_secrets(idp_source, caplog, sleeps):
    idp_source.add_users(4)
    idp_source.fail_api(429, headers={"Retry-After": "1"})
    with caplog.at_level(logging.DEBUG):
        with ScimClient(idp_source.oracle_source(), page_size=2, sleep=sleeps) as scim:
            list(scim.iter_users())
            idp_source.expire_tokens()
            list(scim.iter_groups())
        diagnose(idp_source.oracle_source(client_secret="wrong-" + idp_source.client_secret))
    assert caplog.records and len(idp_source.issued) == 2  # httpx, httpcore and our retries did log
    assert_hidden(caplog.text, idp_source)
