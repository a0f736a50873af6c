"""store.trail.counts: audit events counted per hour and per day by the database, per series and per app."""

from datetime import datetime, timedelta

import pytest

from models.audit import AuditEvent
from store.tenancy import apps
from store.trail import counts

pytestmark = pytest.mark.usefixtures("store_db")

NOW = datetime(2026, 12, 6, 23, 54, 1)
HOURLY, DAILY = counts.SPANS["24h"], counts.SPANS["30d"]


@pytest.fixture
def oracle():
    return apps.create("Oracle IDCS", "oracle")[0]


@pytest.fixture
def okta():
    return apps.create("Okta", "okta")[0]


def event(app, operation, outcome, ago, number=1):
    """number audit events stamped ago before NOW."""
    for _ in range(number):
        AuditEvent.create(app=app.id if app else None, app_name=app.name if app else None, operation=operation,
                          outcome=outcome, at=NOW - ago)


def test_the_buckets_end_with_the_current_hour_and_day():
    hourly = counts.blank(HOURLY, NOW)
    assert (len(hourly.starts), hourly.starts[0], hourly.starts[-1]) == (
        24, datetime(2026, 12, 6, 0, 0), datetime(2026, 12, 6, 23, 0))
    daily = counts.blank(DAILY, NOW)
    assert (len(daily.starts), daily.starts[0], daily.starts[-1]) == (
        30, datetime(2026, 11, 7), datetime(2026, 12, 6))
    assert daily.empty and hourly.series == {name: [0] * 24 for name in counts.SERIES}


def test_each_series_counts_what_its_legend_says(oracle):
    event(oracle, "create-user", "applied", timedelta(minutes=5), 3)
    event(oracle, "create-user", "refused", timedelta(minutes=5), 2)
    event(oracle, "update-user", "ignored", timedelta(minutes=5), 4)  # notes beside a write, not writes
    event(oracle, "host-membership", "applied", timedelta(minutes=5), 7)  # a change, not a write
    event(oracle, "pull-sync", "failed", timedelta(minutes=5))  # a refusal, neither a write nor a change
    event(oracle, "settings", "applied", timedelta(minutes=5))  # an admin's, none of the three
    last = {name: values[-1] for name, values in counts.over_time(HOURLY, now=NOW).series.items()}
    assert last == {"writes": 5, "applied": 10, "refused": 3}


def test_events_land_in_their_hour_and_day_and_outside_the_window_are_left_out(oracle):
    event(oracle, "create-user", "applied", timedelta(minutes=53))  # 23:01, this hour
    event(oracle, "create-user", "applied", timedelta(minutes=55), 2)  # 22:59, the hour before
    event(oracle, "create-user", "applied", timedelta(hours=23, minutes=54))  # 00:00:01, the first hour
    event(oracle, "create-user", "applied", timedelta(hours=24))  # yesterday 23:54: out of the 24 hours
    event(oracle, "create-user", "applied", timedelta(days=29, hours=23))  # 2026-11-07 00:54, the first day
    event(oracle, "create-user", "applied", timedelta(days=30))  # 2026-11-06: out of the 30 days
    event(oracle, "create-user", "applied", timedelta(minutes=-30))  # stamped ahead of the clock
    hourly = counts.over_time(HOURLY, now=NOW).series["writes"]
    assert (hourly[-1], hourly[-2], hourly[0], sum(hourly)) == (1, 2, 1, 4)
    daily = counts.over_time(DAILY, now=NOW).series["writes"]
    assert (daily[-1], daily[-2], daily[0], sum(daily)) == (4, 1, 1, 6)


def test_one_app_by_name_even_once_deleted_or_every_app(oracle, okta):
    event(oracle, "create-user", "applied", timedelta(hours=2), 2)
    event(okta, "create-user", "applied", timedelta(hours=2), 3)
    event(None, "create-user", "applied", timedelta(hours=2))  # the command line's
    assert counts.over_time(HOURLY, "Oracle IDCS", NOW).total("writes") == 2
    assert counts.over_time(HOURLY, now=NOW).total("writes") == 6
    apps.delete("Okta")
    assert counts.over_time(HOURLY, "Okta", NOW).total("writes") == 3
    assert counts.over_time(HOURLY, "No such app", NOW).empty


def test_per_app_counts_every_app_in_one_go(oracle, okta):
    event(oracle, "create-group", "applied", timedelta(days=3))
    event(oracle, "update-group", "refused", timedelta(days=1))
    event(okta, "delete-user", "applied", timedelta(hours=1), 2)
    found = counts.per_app(DAILY, NOW)
    assert set(found) == {oracle.id, okta.id}
    assert found[oracle.id].series["writes"][-4:] == [1, 0, 1, 0]
    assert found[oracle.id].series["refused"][-2] == 1
    assert found[okta.id].total("applied") == 2 and found[okta.id].starts == found[oracle.id].starts
    assert counts.per_app(HOURLY, NOW) == {okta.id: counts.per_app(HOURLY, NOW)[okta.id]}


def test_the_database_groups_the_events(oracle):
    event(oracle, "create-user", "applied", timedelta(minutes=5), 300)
    rows = counts._grouped(HOURLY, counts.blank(HOURLY, NOW).starts[0], {"2026-12-06 23": 23}, ())
    assert rows == [(None, "2026-12-06 23", "create-user", "applied", 300)]  # one row, not 300 events


def test_an_apps_chart_keeps_its_events_from_before_a_rename_and_ignores_case(oracle):
    event(oracle, "create-user", "applied", timedelta(hours=2), 2)
    apps.rename("Oracle IDCS", "Oracle production")
    renamed = apps.by_name("Oracle production")
    event(renamed, "create-user", "applied", timedelta(hours=1))
    for name in ("Oracle production", "ORACLE PRODUCTION"):
        assert counts.over_time(HOURLY, name, NOW).total("writes") == 3
