"""The Activity chart (server-drawn SVG; its legend says what each series counts) and the sparklines of
Configured IDPs, both counted from the audit trail."""

import re

import pytest

from models import db
from store.tenancy import apps
from tests.conftest import ScimClient

from .pages import ADMIN, USER, provision

GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"


def html_of(admin, path):
    response = admin.get(ADMIN + path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return response.get_data(as_text=True)


def chart_totals(html):
    """{series: total} from the numbers' table under the chart."""
    totals = {"writes": 0, "applied": 0, "refused": 0}
    for series, value in re.findall(r'<td data-series="(\w+)">(\d+)</td>', html):
        totals[series] += int(value)
    return totals


@pytest.fixture
def okta(app):
    """A second app, Okta, and a SCIM client speaking as it."""
    with db.connection_context():
        _, token = apps.create("Okta", "okta")
    return ScimClient(app.test_client(), token)


def test_the_chart_counts_writes_changes_and_refusals_of_the_last_24_hours(admin, scim, idp_app):
    with db.connection_context():
        apps.set_options(idp_app[0].name, {"default_groups": ["staff"]})
    provision(scim, "bjensen")  # a write; changes: the user, the host group made, its membership
    assert scim.post("/Users", json={"schemas": [USER], "userName": "bjensen"}).status_code == 409  # refused
    html = html_of(admin, "/activity")
    assert chart_totals(html) == {"writes": 2, "applied": 3, "refused": 1}
    svg = re.search(r'<svg class="chart".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in svg and "<title id=\"chart-title\">Provisioning of every app, the last 24 hours" in svg
    assert "2 writes, 3 changes applied, 1 refusal." in svg  # its description, for a screen reader
    assert len(re.findall(r'<rect class="chart-hover"', svg)) == 24  # each hour's numbers on hover
    assert re.search(r"<title>\d{4}-\d\d-\d\d \d\d:00 UTC: 2 writes, 3 changes applied, 1 refusal</title>", svg)
    assert len(re.findall(r'<rect class="chart-bar chart-writes"', svg)) == 1  # writes as bars, one hour had some
    assert len(re.findall(r'<polyline class="chart-line chart-(applied|refused)"', svg)) == 2
    assert "style=" not in svg and "<script>" not in html  # the CSP allows neither inline


def test_the_legend_says_what_each_series_counts(admin):
    legend = re.search(r'<ul class="chart-legend" id="chart-legend">(.*?)</ul>', html_of(admin, "/activity"),
                       re.S).group(1)
    assert "<strong>Writes</strong>" in legend and "reads and writes that changed nothing leave no record" in legend
    assert "<strong>Changes applied</strong>" in legend and "host group memberships" in legend
    assert "<strong>Refusals</strong>" in legend and "refused (4xx) or failed (5xx)" in legend


def test_the_chart_follows_the_app_filter_and_switches_to_30_days(admin, scim, okta, idp_app):
    provision(scim, "bjensen")
    provision(okta, "asmith")
    provision(okta, "jdoe")
    assert chart_totals(html_of(admin, "/activity?app=Okta"))["writes"] == 2
    assert chart_totals(html_of(admin, f"/activity?app={idp_app[0].name}"))["writes"] == 1
    assert chart_totals(html_of(admin, "/activity"))["writes"] == 3
    monthly = html_of(admin, "/activity?app=Okta&chart=30d")
    assert len(re.findall(r'<tr data-bucket="\d{4}-\d\d-\d\d">', monthly)) == 30
    assert chart_totals(monthly)["writes"] == 2 and "Over time: <span class=\"cut\" dir=\"auto\">Okta</span>" in monthly
    assert 'href="/plugins/servlet/usersync/admin/activity?app=Okta&amp;chart=24h#activity-chart"' in monthly


def test_an_unknown_period_is_named_and_the_last_24_hours_shown(admin):
    html = html_of(admin, "/activity?chart=week")
    assert re.search(r'id="activity-chart-error">There is no chart &#39;week&#39;', html)
    assert len(re.findall(r'<tr data-bucket=', html)) == 24


def test_each_app_has_a_sparkline_of_its_last_24_hours(admin, scim, okta, idp_app):
    provision(okta, "asmith")
    assert okta.post("/Users", json={"schemas": [USER], "userName": "asmith"}).status_code == 409
    html = html_of(admin, "/")
    okta_row = re.search(r'<tr id="app-\d+" data-app-name="Okta">.*?</tr>', html, re.S).group(0)
    spark = re.search(r'<svg class="sparkline".*?</svg>', okta_row, re.S).group(0)
    assert "<title>Okta, the last 24 hours, per hour: 2 writes; 1 change applied; 1 refusal</title>" in spark
    assert '<circle class="chart-refused"' in spark  # the refusal marked in red
    assert 'href="/plugins/servlet/usersync/admin/activity?app=Okta#activity-chart"' in okta_row
    quiet = re.search(rf'data-app-name="{idp_app[0].name}">.*?</tr>', html, re.S).group(0)
    assert "per hour: 0 writes; 0 changes applied; 0 refusals" in quiet and "chart-refused" not in quiet
