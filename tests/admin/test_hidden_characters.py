"""Names that lie about themselves: an IdP's names are isolated on the pages (a right-to-left override cannot reorder
the text around them) and marked "hidden characters", written out on hover, when they hold any."""

import html
import re

import pytest

from .pages import ADMIN, GROUP, provision

OVERRIDE = "alice\u202egnp.exe"  # shows as "aliceexe.png"
ZERO_WIDTH = "bob\u200b"  # looks like "bob"
ISOLATE = "Team\u2066X"
BADGE = re.compile(r'<span class="lozenge removed hidden-characters" title="Written out: ([^"]*)">hidden characters</span>')


@pytest.fixture
def seeded(scim):
    """Users and a group whose names hide characters, beside plain ones; ids by name."""
    ids = {name: provision(scim, name) for name in (OVERRIDE, ZERO_WIDTH, "carol")}
    response = scim.post("/Groups", json={"schemas": [GROUP], "displayName": ISOLATE,
                                          "members": [{"value": ids[OVERRIDE]}, {"value": ids["carol"]}]})
    assert response.status_code == 201, response.get_data(as_text=True)
    ids[ISOLATE] = response.get_json()["id"]
    return ids


def _page(admin, path):
    response = admin.get(ADMIN + path)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return response.get_data(as_text=True)


def _badges(page):
    return sorted(html.unescape(each) for each in BADGE.findall(page))


def test_the_users_list_marks_only_the_names_hiding_characters(admin, seeded):
    page = _page(admin, "/users")
    assert _badges(page) == ["alice\\u202egnp.exe", "bob\\u200b"]
    row = re.search(r'<tr data-username="carol".*?</tr>', page, re.S).group(0)
    assert "hidden characters" not in row and 'class="cut" dir="auto"' in row


def test_a_users_page_isolates_the_name_in_its_heading_title_and_links(admin, seeded):
    page = _page(admin, f"/users/{seeded[OVERRIDE]}")
    assert f'<h1 id="user-heading"><bdi>{OVERRIDE}</bdi> <span class="lozenge removed hidden-characters"' in page
    assert f"<title>\u2068{OVERRIDE}\u2069 — Users" in page
    assert f"All activity for <bdi>{OVERRIDE}</bdi>" in page
    assert "alice\\u202egnp.exe" in _badges(page)


def test_a_plain_name_has_no_badge_beside_a_group_that_has(admin, seeded):
    page = _page(admin, f"/users/{seeded['carol']}")
    assert '<h1 id="user-heading"><bdi>carol</bdi></h1>' in page
    assert set(_badges(page)) == {"Team\\u2066X"}  # her host group and SCIM group


def test_scim_group_pages_mark_the_group_and_its_members(admin, seeded):
    assert _badges(_page(admin, "/groups/scim")) == ["Team\\u2066X"]
    page = _page(admin, f"/groups/scim/{seeded[ISOLATE]}")
    assert f'<h1 id="scim-group-heading"><bdi>{ISOLATE}</bdi>' in page
    assert set(_badges(page)) == {"Team\\u2066X", "alice\\u202egnp.exe"}  # heading and history link, a member


def test_host_group_pages_mark_the_host_group_made_from_it(admin, seeded):
    listed = _page(admin, "/groups")
    assert "Team\\u2066X" in _badges(listed)
    group_id = re.search(r'<tr data-group="Team\u2066X">.*?/admin/groups/(\d+)"', listed, re.S).group(1)
    page = _page(admin, f"/groups/{group_id}")
    assert f'<h1 id="group-heading"><bdi>{ISOLATE}</bdi>' in page
    assert "alice\\u202egnp.exe" in _badges(page)


def test_activity_marks_the_subjects(admin, seeded):
    badges = _badges(_page(admin, "/activity"))
    assert {"alice\\u202egnp.exe", "bob\\u200b", "Team\\u2066X"} <= set(badges)
    assert not any("carol" in badge for badge in badges)
