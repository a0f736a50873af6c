"""Lists an admin scans: dates to the minute on one line (the second on hover), long names cut with the whole
name on hover, one shared directory named once, one breadcrumb style."""

import re

from models import db
from store.tenancy import directories

from .pages import ADMIN, provision, row

LONG = "a" * 119 + "z"


def test_dates_show_the_minute_and_give_the_second_on_hover(admin, scim):
    provision(scim, "bjensen")
    line = row(admin.get(ADMIN + "/users").get_data(as_text=True), "bjensen")
    stamp = re.search(r'<time class="when" datetime="(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)" '
                      r'title="(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC">(\d{4}-\d\d-\d\d \d\d:\d\d)</time>', line)
    assert stamp and stamp.group(2).startswith(stamp.group(3)) and stamp.group(1).startswith(
        stamp.group(3).replace(" ", "T"))


def test_a_long_name_is_cut_with_the_whole_of_it_on_hover(admin, scim):
    provision(scim, LONG, displayName=LONG)
    line = row(admin.get(ADMIN + "/users").get_data(as_text=True), LONG)
    assert re.search(rf'<a class="cut" dir="auto" href="{ADMIN}/users/[^"]+" title="{LONG}">{LONG}</a>', line)
    assert f'<span class="cut" dir="auto" title="{LONG}">{LONG}</span>' in line
    css = admin.client.get("/static/admin.css")
    rules = css.get_data(as_text=True)
    css.close()
    assert re.search(r"\.cut \{[^}]*text-overflow: ellipsis;[^}]*white-space: nowrap;", rules)
    assert ".when, time { white-space: nowrap; }" in rules


def test_the_directory_is_named_once_when_every_row_shares_it_and_per_row_otherwise(admin, scim):
    provision(scim, "bjensen")
    html = admin.get(ADMIN + "/users").get_data(as_text=True)
    assert "<th scope=\"col\">Directory</th>" not in html and "; all in" in html
    with db.connection_context():
        remote = directories.create("Remote Directory")
    html = admin.get(ADMIN + "/users").get_data(as_text=True)
    assert "<th scope=\"col\">Directory</th>" in html and "; all in" not in html
    assert ">Confluence Internal Directory</span></td>" in row(html, "bjensen")
    filtered = admin.get(f"{ADMIN}/users?directory={remote.id}").get_data(as_text=True)
    assert "<th scope=\"col\">Directory</th>" not in filtered  # the filter names it already


def test_every_page_with_breadcrumbs_uses_one_style(admin, scim, idp_app):
    user_id = provision(scim, "bjensen")
    pages = [f"/users/{user_id}", f"/apps/{idp_app[0].id}/options", f"/apps/{idp_app[0].id}/traffic",
             f"/apps/{idp_app[0].id}/delete", f"/apps/{idp_app[0].id}/rotate"]
    for path in pages:
        html = admin.get(ADMIN + path).get_data(as_text=True)
        crumbs = re.search(r'<nav class="breadcrumbs" aria-label="Breadcrumb">\s*<ol>(.*?)</ol>', html, re.S)
        assert crumbs, path
        assert re.fullmatch(r'(<li><a href="[^"]+"[^>]*>[^<]+</a></li>)+', crumbs.group(1)), path
        panel = html.index('class="panel')
        assert panel < html.index('class="breadcrumbs"') < html.index("<h1"), path  # first inside the panel
