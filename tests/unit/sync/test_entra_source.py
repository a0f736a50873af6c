"""Entra ID source settings: what is derived, what is refused (naming the setting), and the round trip."""

import pytest

from sync.graph import EntraSource
from sync.settings import SourceConfigError
from sync.sources import from_dict, source_class

TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47"
CLIENT = "1b2c3d4e-0000-4000-8000-00000000abcd"


def entra(**overrides):
    return EntraSource(**{"tenant_id": TENANT, "client_id": CLIENT, "client_secret": "s3cret~value", **overrides})


def test_the_token_url_scope_and_api_follow_the_tenant_and_the_hosts():
    source = entra()
    assert source_class("entra") is EntraSource
    assert source.destination == f"https://login.microsoftonline.com/{TENANT}/oauth2/v2.0/token"
    assert source.endpoint == "https://graph.microsoft.com/v1.0"
    assert source.scope == "https://graph.microsoft.com/.default"
    assert (source.incremental, source.groups_incremental) == ("delta", True)
    assert source.describe() == f"Microsoft Entra ID tenant {TENANT} (client ID {CLIENT})"


def test_a_national_cloud_changes_both_hosts():
    source = entra(tenant_id="contoso.onmicrosoft.us", login_url="https://login.microsoftonline.us/",
                   graph_url="https://graph.microsoft.us")
    assert source.destination == "https://login.microsoftonline.us/contoso.onmicrosoft.us/oauth2/v2.0/token"
    assert source.scope == "https://graph.microsoft.us/.default"


def test_users_from_chosen_groups_are_read_whole_each_run():
    source = entra(from_groups=" Engineering, Sales ,,Engineering")
    assert source.from_groups == ("Engineering", "Sales")
    assert (source.incremental, source.groups_incremental) == (None, False)
    assert source.describe().endswith("(client ID 1b2c3d4e-0000-4000-8000-00000000abcd; users of 'Engineering', "
                                      "'Sales')")


def test_empty_advanced_urls_mean_the_public_cloud():
    source = entra(login_url="", graph_url=None, username_attribute="")
    assert (source.login_url, source.graph_url) == ("https://login.microsoftonline.com", "https://graph.microsoft.com")
    assert source.username_attribute == "userPrincipalName"


@pytest.mark.parametrize("setting, value, message", [
    ("tenant_id", "", "is required: the Directory (tenant) ID"),
    ("tenant_id", "not a tenant", "must be the Directory (tenant) ID (a GUID) or a verified domain"),
    ("tenant_id", "../evil", "must be the Directory (tenant) ID"),
    ("client_id", "my-app", "must be the Application (client) ID, a GUID"),
    ("client_secret", " ", "is required"),
    ("username_attribute", "sAMAccountName", "must be one of userPrincipalName, mail, onPremisesSamAccountName"),
    ("from_groups", 42, "must be group names, separated by commas"),
    ("login_url", "http://login.example.com", "must use https://"),
    ("graph_url", "https://graph.microsoft.com/v1.0", "is the Microsoft Graph host only"),
])
def test_bad_settings_are_refused_naming_the_setting(setting, value, message):
    with pytest.raises(SourceConfigError) as refused:
        entra(**{setting: value})
    assert refused.value.name == setting
    assert message in str(refused.value)


def test_to_dict_leaves_the_secret_out_and_from_dict_takes_it_back():
    source = entra(from_groups=["Engineering"], username_attribute="mail")
    settings = source.to_dict()
    assert settings == {"kind": "entra", "tenant_id": TENANT, "client_id": CLIENT, "username_attribute": "mail",
                        "from_groups": ["Engineering"], "login_url": "https://login.microsoftonline.com",
                        "graph_url": "https://graph.microsoft.com"}
    assert "s3cret" not in repr(source) and "s3cret" not in repr(source.credentials())
    assert from_dict(settings, source.secrets()) == source
    assert from_dict({**settings, "from_groups": "Engineering", "unknown": 1}, source.secrets()) == source


def test_from_dict_names_what_is_missing():
    with pytest.raises(SourceConfigError, match="client_secret: is missing"):
        from_dict({"kind": "entra", "tenant_id": TENANT, "client_id": CLIENT})


def test_the_form_lists_the_plugins_fields_in_order_with_the_secret_and_the_advanced_hosts():
    form = {f.name: f for f in EntraSource.form}
    assert list(form) == ["client_id", "client_secret", "tenant_id", "username_attribute", "from_groups",
                          "login_url", "graph_url"]
    assert form["client_secret"].kind == "secret" and form["from_groups"].kind == "list"
    assert [value for value, _label in form["username_attribute"].choices] == [
        "userPrincipalName", "mail", "onPremisesSamAccountName"]
    assert [f.name for f in EntraSource.form if f.advanced] == ["login_url", "graph_url"]
    assert [f.name for f in EntraSource.form if not f.required] == ["from_groups", "login_url", "graph_url"]
