"""store.trail.redaction: secrets found by key (and by PATCH path) at any depth, in JSON, text and query strings."""

import json

import pytest

from store.trail import redaction

TOKEN = "tok-3q2Xb9vKpL0mN8rT7sY6uW5zA4cD1eF2gH3iJ4kL5m"
PASSWORD = "Sup3r$ecret!"


@pytest.mark.parametrize("key", ["password", "Password", "PASSWORD", "secret", "client_secret", "clientSecret",
                                 "token", "access_token", "refresh_token", "Authorization", "apikey", "api_key",
                                 "apiKey", "passwordProfile",
                                 "urn:ietf:params:scim:schemas:core:2.0:User:password"])
def test_secret_keys_are_recognised_whatever_their_case(key):
    assert redaction.is_secret_key(key)


@pytest.mark.parametrize("key", ["userName", "displayName", "emails", "value", "path", "op", "externalId",
                                 "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", None, 3])
def test_ordinary_keys_are_not_secret(key):
    assert not redaction.is_secret_key(key)


def test_redact_replaces_secret_values_at_any_depth_and_collects_them():
    found = set()
    body = {"userName": "bjensen", "password": PASSWORD,
            "Operations": [{"op": "replace", "value": {"password": "inner-pass", "title": "CEO"}},
                           {"op": "add", "path": "urn:ietf:params:scim:schemas:core:2.0:User:password",
                            "value": "by-path-pass"},
                           {"op": "Replace", "path": "PASSWORD", "value": "upper-path"},
                           {"op": "replace", "path": "title", "value": "kept"}],
            "x": {"deep": [{"Client_Secret": {"a": "nested-secret"}}]}}
    result = redaction.redact(body, found)
    text = json.dumps(result)
    for secret in (PASSWORD, "inner-pass", "by-path-pass", "upper-path", "nested-secret"):
        assert secret not in text
    assert found == {PASSWORD, "inner-pass", "by-path-pass", "upper-path", "nested-secret"}
    assert result["userName"] == "bjensen" and result["password"] == "[redacted]"
    assert result["Operations"][0]["value"] == {"password": "[redacted]", "title": "CEO"}
    assert result["Operations"][3]["value"] == "kept"
    assert body["password"] == PASSWORD  # the input is not modified


def test_redact_reaches_into_bulk_operations():
    bulk = {"Operations": [{"method": "POST", "path": "/Users", "bulkId": "q1",
                            "data": {"userName": "alice", "password": PASSWORD}},
                           {"method": "PATCH", "path": "/Users/u1",
                            "data": {"Operations": [{"op": "replace", "path": "password", "value": PASSWORD}]}}]}
    text = json.dumps(redaction.redact(bulk))
    assert PASSWORD not in text and text.count("[redacted]") == 2 and '"alice"' in text


def test_text_that_is_not_json_still_loses_quoted_secret_pairs():
    broken = '{"userName": "bob", "password": "%s", "token" : "a\\"b-quoted",}' % PASSWORD
    found = set()
    result = redaction.redact_text(broken, found)
    assert PASSWORD not in result and 'a\\"b-quoted' not in result
    assert '"userName": "bob"' in result and result.count("[redacted]") == 2


def test_query_and_form_strings_keep_their_shape_and_lose_secret_values():
    query = 'filter=userName%20eq%20%22bjensen%22&access_token=abcd1234&Password=x%21yz1&count=10'
    found = set()
    assert redaction.redact_query(query, found) == (
        'filter=userName%20eq%20%22bjensen%22&access_token=[redacted]&Password=[redacted]&count=10')
    assert {"abcd1234", "x!yz1", "x%21yz1"} <= found


def test_scrub_removes_each_secret_wherever_it_was_echoed():
    assert redaction.scrub(f"bad value {PASSWORD} for {TOKEN}", {PASSWORD, TOKEN, "ab"}) == (
        "bad value [redacted] for [redacted]")
    assert redaction.scrub(None, {PASSWORD}) is None


@pytest.mark.parametrize("key", ["pwd", "userPwd", "PW", "pw", "pass", "Pass"])
def test_short_password_keys_are_secret(key):
    assert redaction.is_secret_key(key)


@pytest.mark.parametrize("key", ["typewriter", "passport", "compass", "pword"])
def test_words_that_merely_contain_pw_or_pass_are_not(key):
    assert not redaction.is_secret_key(key)


def test_assignments_in_text_that_is_not_json_lose_their_secret_values():
    found = set()
    result = redaction.redact_text(f"login user=bob pw={PASSWORD} note=ok password={PASSWORD}x", found)
    assert result == "login user=bob pw=[redacted] note=ok password=[redacted]"
    assert {PASSWORD, PASSWORD + "x"} <= found


def test_pwd_keys_in_json_are_redacted():
    assert json.loads(redaction.redact_text(json.dumps({"pwd": PASSWORD, "user": "bob"}))) == {
        "pwd": "[redacted]", "user": "bob"}


def test_token_shaped_path_segments_are_the_candidates():
    path = f"/plugins/servlet/usersync/scim/Users/{'a' * 43}/{'b' * 42}"
    assert redaction.token_candidates(path) == {"a" * 43}
