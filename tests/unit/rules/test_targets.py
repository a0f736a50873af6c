"""rules.targets: the host groups an IdP group maps to, or a coded reason it maps to none."""

import pytest

from rules.options import Options
from rules.targets import NoTarget, mapped_to, targets_of


def test_an_unmapped_group_becomes_a_host_group_of_its_own_name():
    assert targets_of(Options(), "Engineering") == (["Engineering"], None)


def test_the_mapping_wins_and_is_read_regardless_of_case():
    options = Options(group_mapping={"engineering": ["jira-developers", "confluence-users"]})
    assert targets_of(options, "ENGINEERING") == (["jira-developers", "confluence-users"], None)
    assert mapped_to(options.group_mapping, "Sales") is None


@pytest.mark.parametrize("options, code, pattern, text", [
    (Options(import_groups=False), "import-off", "", "group import is off"),
    (Options(group_include="^acme-"), "not-included", "^acme-",
     "group filtered out: it does not match group_include '^acme-'"),
    (Options(group_exclude="Sales"), "excluded", "Sales", "group filtered out: it matches group_exclude 'Sales'"),
    (Options(unmapped_groups="ignore"), "unmapped-ignored", "",
     "group is not in the group mapping and unmapped groups are ignored"),
])
def test_a_group_that_maps_to_nothing_says_why_as_a_code(options, code, pattern, text):
    names, why = targets_of(options, "Sales")
    assert names == [] and why == NoTarget(code, pattern)
    assert why.text == text
    assert why.filtered == (code in ("not-included", "excluded"))


def test_the_filters_come_before_the_mapping():
    options = Options(group_exclude="^Sales$", group_mapping={"Sales": ["jira-users"]})
    assert targets_of(options, "Sales")[1].code == "excluded"
    assert targets_of(options, "Sales team") == (["Sales team"], None)
