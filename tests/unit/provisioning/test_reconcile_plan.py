"""A reconcile's counts and the status rule, without a store."""

from types import SimpleNamespace

import pytest

from provisioning.reconcile import Change, Counts
from provisioning.reconcile.users import _status
from rules.options import Options


def test_counts_add_each_kind_and_per_host_group():
    counts = Counts(users=2)
    for change in (Change("rename", "a@x", "a@x", "a"), Change("join", "a@x", None, "jira"),
                   Change("join", "b@x", None, "jira"), Change("leave", "a@x", "old", None),
                   Change("create-group", "jira", None, "jira", resource_type="Group"),
                   Change("activate", "a@x", "inactive", "active"), Change("deactivate", "b@x", "active", "inactive"),
                   Change("move", "a@x", "A", "B"), Change("move", "Eng", "A", "B", resource_type="Group"),
                   Change("conflict", "b@x", "b@x", "b", "held", about="rename")):
        counts.add(change)
    assert counts.as_dict() == {"users": 2, "renamed": 1, "joins": {"jira": 2}, "leaves": {"old": 1},
                                "groups_created": 1, "activated": 1, "deactivated": 1, "moved": 1,
                                "groups_moved": 1, "conflicts": 1, "changes": 9}


@pytest.mark.parametrize(("host", "idp", "enable", "disable", "wanted"), [
    (True, False, True, True, False), (True, False, True, False, None),
    (False, True, True, True, True), (False, True, False, True, None),
    (None, False, True, True, False),  # an unassigned host status counts as active
    (True, None, True, True, None),  # the IdP never said: nothing to follow
    (True, True, True, True, None), (False, False, True, True, None),
])
def test_the_status_follows_the_idps_last_word_as_far_as_the_options_let_it(host, idp, enable, disable, wanted):
    row = SimpleNamespace(active=host, idp_active=idp)
    assert _status(Options(enable_users=enable, disable_users=disable), row) is wanted
