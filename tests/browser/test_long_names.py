"""Long names in a real browser: a 120-character name without a space is cut (whole on hover) and pushes no
table's buttons off-screen; dates stay on one line. Measured on the element boxes Chromium lays out."""

import json

import pytest

from tests.browser.test_setup_flow import ADMIN, scim, sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.browser]

LONG = "x" * 60 + "-" + "Y" * 59  # 120 characters, no space: an IdP's generated name
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


@pytest.fixture(scope="module")
def long_app(server):
    """An app, a user and a SCIM group each named with 120 characters, the user in the group."""
    created = server.cli_here("apps", "create", "--name", LONG, "--provider", "oracle", "--json")
    assert created.returncode == 0, created.stderr
    token = json.loads(created.stdout)["token"]
    server.cli_here("apps", "set", LONG, "default_groups=" + LONG.lower())
    status, user = scim(server, "POST", "/Users", token, {"schemas": [USER], "userName": LONG, "displayName": LONG,
                                                          "emails": [{"value": LONG + "@example.com"}]})
    assert status == 201
    status, _ = scim(server, "POST", "/Groups", token, {"schemas": [GROUP], "displayName": LONG,
                                                        "members": [{"value": user["id"]}]})
    assert status == 201
    return user["id"]


def overflow(page, selector):
    """How far the content of the elements reaches past their own box, at most (0: nothing scrolled away)."""
    return max(page.locator(selector).evaluate_all("els => els.map(el => el.scrollWidth - el.clientWidth)"))


def within_viewport(page, locator):
    """Every matched element lies inside the viewport's width."""
    width = page.viewport_size["width"]
    boxes = [locator.nth(i).bounding_box() for i in range(locator.count())]
    return boxes and all(box and box["x"] >= 0 and box["x"] + box["width"] <= width for box in boxes)


def assert_cut_with_full_name(locator, name=LONG):
    """A long name is cut to its column (an ellipsis over hidden text) with the whole name as its title."""
    assert locator.get_attribute("title") == name
    assert locator.evaluate("el => el.scrollWidth > el.clientWidth")  # cut, not overflowing its cell
    assert locator.evaluate("el => getComputedStyle(el).textOverflow") == "ellipsis"
    assert locator.bounding_box()["width"] < 300


def assert_dates_on_one_line(page):
    """Every date on the page is laid out as one line box, however narrow its column."""
    dates = page.locator("main time")
    assert dates.count() > 0
    lines = dates.evaluate_all("els => els.map(el => el.getClientRects().length)")
    assert set(lines) == {1}, lines
    heights = dates.evaluate_all("els => els.map(el => el.getBoundingClientRect().height"
                                 " / parseFloat(getComputedStyle(el).lineHeight))")
    assert max(heights) < 1.5, heights


def test_a_long_app_name_leaves_the_buttons_on_screen(page, server, long_app):
    sign_in(page, server)
    page.goto(server.url + ADMIN + "/")
    row = page.locator(f'tr[data-app-name="{LONG}"]')
    assert_cut_with_full_name(row.locator("[role=rowheader] .cut"))
    buttons = row.locator(".actions .button")
    assert buttons.count() >= 5 and within_viewport(page, buttons)
    assert overflow(page, ".table-wrap") <= 1  # nothing scrolled out of reach
    assert_dates_on_one_line(page)


@pytest.mark.parametrize("path, selector, name", [
    ("/users", f'tr[data-username="{LONG}"] td:first-child .cut', LONG),
    ("/groups", f'tr[data-group="{LONG.lower()}"] td:first-child .cut', LONG.lower()),  # the default group
    ("/groups/scim", f'tr[data-scim-group="{LONG}"] td:first-child .cut', LONG),
    ("/activity", f'#activity-table td .cut[title="{LONG}"]', LONG),
])
def test_long_names_in_lists_are_cut_with_the_name_on_hover(page, server, long_app, path, selector, name):
    sign_in(page, server)
    page.goto(server.url + ADMIN + path)
    assert_cut_with_full_name(page.locator(selector).first, name)
    assert overflow(page, "main .table-wrap") <= 1
    assert page.locator("main").evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert_dates_on_one_line(page)


def test_a_long_name_on_its_own_page_wraps_inside_the_panel(page, server, long_app):
    sign_in(page, server)
    page.goto(server.url + ADMIN + f"/users/{long_app}")
    heading = page.locator("#user-heading")
    panel = page.locator("section.panel").first.bounding_box()
    box = heading.bounding_box()
    assert box["x"] + box["width"] <= panel["x"] + panel["width"]  # wrapped, inside the panel
    assert heading.evaluate("el => el.scrollWidth <= el.clientWidth + 1")
    assert overflow(page, "main .table-wrap") <= 1
    assert_dates_on_one_line(page)
