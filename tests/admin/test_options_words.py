"""The options page speaks the plugin's words, explains each option in an admin's, and suggests known IdP groups."""

import re

import pytest

from models import Directory, Group, db
from store.tenancy import apps

from .pages import ADMIN, text

PLUGIN_LABELS = {
    "import_users": "Enable Import Users", "username_regex": "Regex on Username",
    "update_users": "Enable Update Users", "import_groups": "Enable Import User's IDP Groups",
    "enable_users": "Enable Users", "disable_users": "Disable Users", "default_groups": "Default groups",
}


@pytest.fixture
def options_page(app):
    """An Oracle app in the default directory, with SCIM groups there and in another directory; its page URL."""
    with db.connection_context():
        record, _ = apps.create("Oracle IDCS", "oracle")
        default = Directory.default()
        other = Directory.create(name="Elsewhere", position=5)
        for directory, name in ((default, "Engineering"), (default, "ops & on-call"), (other, "Not here")):
            Group.create(directory=directory, display_name=name, display_name_lower=name.lower())
    return f"{ADMIN}/apps/{record.id}/options"


def test_each_option_has_the_plugins_label_and_its_key_in_small_print(admin, options_page):
    html = admin.get(options_page).get_data(as_text=True)
    for key, label in PLUGIN_LABELS.items():
        control = re.search(rf'<label[^>]*for="{key}"[^>]*>(.*?)</label>', html, re.S).group(1)
        assert label.replace("'", "&#39;") in control, key
        help_line = re.search(rf'<p class="help" id="{key}-help">(.*?)</p>', html, re.S).group(1)
        assert f'<small class="option-key">Command line: <code>{key}</code></small>' in help_line
        assert not help_line.startswith("<code>"), key  # the admin's words come first, the key after
    page = text(admin.get(options_page))
    assert "<legend>Directory</legend>" in page and "<legend>Manual Group Mapping</legend>" in page
    assert '<label for="directory">Directory Selection</label>' in page


def test_help_speaks_of_what_happens_not_of_true_and_false(admin, options_page):
    page = text(admin.get(options_page))
    assert "Create the user here when the IdP assigns someone to this app." in page
    assert "true: a SCIM POST" not in page


def test_the_mapping_editor_suggests_the_idp_groups_of_the_apps_directory(admin, options_page):
    html = admin.get(options_page).get_data(as_text=True)
    datalist = re.search(r'<datalist id="idp-group-names">(.*?)</datalist>', html, re.S).group(1)
    assert re.findall(r'<option value="([^"]*)">', datalist) == ["Engineering", "ops &amp; on-call"]
    idp_inputs = re.findall(r'<input[^>]*id="mapping-\w+-idp"[^>]*>', html)
    assert idp_inputs and all('list="idp-group-names"' in each for each in idp_inputs)  # the template row too
    assert re.search(r'<input[^>]*id="group_sample"[^>]*list="idp-group-names"', html)
