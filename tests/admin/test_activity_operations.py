"""The Activity page's Operation filter offers every operation the code records, from one list."""

import re

from store.trail import operations

from .pages import ADMIN


def offered(html):
    select = re.search(r'<select id="activity-operation".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]+)"', select)


def test_the_operation_filter_lists_every_recorded_operation(admin):
    choices = offered(admin.get(ADMIN + "/activity").get_data(as_text=True))
    assert choices == list(operations.OPERATIONS)
    assert {"pull-sync", "sync-source", "sync-schedule", "connect", "link-user", "host-membership"} <= set(choices)


def test_an_operation_outside_the_list_is_still_offered_when_asked_for(admin):
    html = admin.get(ADMIN + "/activity?operation=retired-op").get_data(as_text=True)
    assert offered(html)[-1] == "retired-op"
    assert '<option value="retired-op" selected>' in html
