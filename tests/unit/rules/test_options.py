"""rules.options: one schema with the plugin's defaults; changes validated as a whole, unknown keys refused."""

import pytest

from rules import options
from rules.options import Options, OptionsError


def test_defaults_are_the_plugins_out_of_the_box_behaviour():
    loaded = options.load("")
    assert loaded == Options()
    assert loaded.import_users and loaded.update_users and loaded.on_delete == "deactivate"


def test_merged_applies_changes_over_the_current_options():
    merged = options.merged(Options(), {"username_regex": "(.*)@.*", "username_replacement": "$1"})
    assert (merged.username_regex, merged.username_replacement, merged.import_users) == ("(.*)@.*", "$1", True)


@pytest.mark.parametrize("changes, key", [
    ({"no_such_option": True}, "no_such_option"),
    ({"username_regex": "(unclosed"}, "username_regex"),
    ({"username_regex": "(.*)@.*", "username_replacement": "$2"}, "username_regex"),
    ({"on_delete": "archive"}, "on_delete"),
])
def test_a_bad_change_is_refused_naming_its_key(changes, key):
    with pytest.raises(OptionsError) as refused:
        options.merged(Options(), changes)
    assert key in refused.value.messages and str(refused.value).startswith(f"{key}: ")


def test_stored_text_round_trips():
    chosen = options.merged(Options(), {"group_mapping": {"Eng": ["jira-developers"]}, "default_groups": ["x"]})
    assert options.load(options.dumps(chosen)) == chosen
