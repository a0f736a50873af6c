"""Source settings: what is derived, what is refused and why, and that secrets stay out of dicts and reprs."""

import pytest

from sync.oauth import BearerToken, ClientCredentials
from sync.sources import OracleSource, ScimSource, SourceConfigError, from_dict

DOMAIN = "https://idcs-abc123.identity.oraclecloud.com"


def test_oracle_derives_the_token_url_scope_and_scim_base():
    source = OracleSource(DOMAIN + "/", "client", "s3cret")
    assert source.domain_url == DOMAIN
    assert source.token_url == DOMAIN + "/oauth2/v1/token"
    assert source.scim_base == DOMAIN + "/admin/v1"
    assert source.scope == "urn:opc:idm:__myscopes__"
    assert isinstance(source.credentials(), ClientCredentials)


def test_oracle_domain_url_has_no_path():
    with pytest.raises(SourceConfigError, match=r"domain_url: is the identity domain URL only, like "
                                                r"https://idcs-abc123\.identity\.oraclecloud\.com"):
        OracleSource(DOMAIN + "/ui/v1/adminconsole", "client", "s3cret")


@pytest.mark.parametrize("url, message", [
    ("http://idcs.example.com", "must use https:// (http:// only for localhost)"),
    ("ftp://idcs.example.com", "must be an https:// URL"),
    ("idcs.example.com", "must be an https:// URL"),
    ("https://admin:pw@idcs.example.com", "must not carry a user name or password"),
    ("https://idcs.example.com?x=1", "must not have a query or fragment"),
    ("https://idcs.example.com:99999", "has an invalid port"),
    ("", "is required"),
])
def test_bad_urls_are_refused_with_the_reason(url, message):
    with pytest.raises(SourceConfigError, match=message.replace("(", r"\(").replace(")", r"\)")) as refused:
        ScimSource(url, bearer_token="t")
    assert refused.value.name == "base_url"


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/scim/v2", "http://localhost/scim", "http://[::1]:81/s"])
def test_plain_http_is_allowed_on_this_machine(url):
    assert ScimSource(url, bearer_token="t").base_url == url


def test_scim_source_needs_exactly_one_way_to_authenticate():
    with pytest.raises(SourceConfigError, match="client_id: needed for OAuth2 client credentials"):
        ScimSource("https://idp.example.com/scim/v2", token_url="https://idp.example.com/token", client_secret="s")
    with pytest.raises(SourceConfigError, match="not both"):
        ScimSource("https://idp.example.com/scim/v2", bearer_token="t", client_id="c")
    with pytest.raises(SourceConfigError, match="token_url: must use https://"):
        ScimSource("https://idp.example.com/scim/v2", token_url="http://idp.example.com/token", client_id="c",
                   client_secret="s")


def test_scim_source_credentials():
    bearer = ScimSource("https://idp.example.com/scim/v2", bearer_token="t")
    oauth = ScimSource("https://idp.example.com/scim/v2/", token_url="https://idp.example.com/token",
                       client_id="c", client_secret="s", scope="")
    assert isinstance(bearer.credentials(), BearerToken)
    assert oauth.base_url == oauth.scim_base == "https://idp.example.com/scim/v2"
    assert oauth.credentials().scope is None  # an empty scope is not sent


@pytest.mark.parametrize("source", [
    OracleSource(DOMAIN, "client", "oracle-secret-value"),
    ScimSource("https://idp.example.com/scim/v2", bearer_token="bearer-secret-value"),
    ScimSource("https://idp.example.com/scim/v2", token_url="https://idp.example.com/token", client_id="c",
               client_secret="oauth-secret-value", scope="read"),
])
def test_to_dict_leaves_the_secrets_out_and_from_dict_takes_them_back(source):
    settings, secrets = source.to_dict(), source.secrets()
    assert "secret-value" not in repr(settings) and "secret-value" not in repr(source)
    assert "secret-value" not in repr(source.credentials())
    assert next(iter(secrets.values())).endswith("secret-value")
    assert from_dict(settings, secrets) == source


def test_from_dict_names_what_is_missing():
    with pytest.raises(SourceConfigError, match="client_secret: is missing"):
        from_dict({"kind": "oracle", "domain_url": DOMAIN, "client_id": "c"})
    with pytest.raises(SourceConfigError, match="kind: must be one of oracle, scim"):
        from_dict({"kind": "ldap"})
    # secrets in the settings mapping are ignored: they only come from the secrets mapping
    with pytest.raises(SourceConfigError, match="client_secret: is missing"):
        from_dict({"kind": "oracle", "domain_url": DOMAIN, "client_id": "c", "client_secret": "x"})
