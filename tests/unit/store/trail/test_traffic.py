"""store.trail.traffic: exchanges stored without secrets (store.trail.redaction), cut to size, trimmed per app."""

import json

import pytest

from models.audit import TrafficEntry
from store.tenancy import apps
from store.trail import traffic

TOKEN = "tok-3q2Xb9vKpL0mN8rT7sY6uW5zA4cD1eF2gH3iJ4kL5m"
PASSWORD = "Sup3r$ecret!"


pytestmark = pytest.mark.usefixtures("store_db")


@pytest.fixture
def oracle():
    return apps.create("Oracle IDCS", "oracle")[0]


def log(app, request_body=None, response_body=None, path="/scim/Users", max_body=16384, max_entries=500,
        request_id="r-1", **kwargs):
    return traffic.record(app, request_id, "POST", path, 201, 12.345, request_body, response_body,
                          max_body, max_entries, **kwargs)


def test_record_stores_the_exchange_redacted_and_never_the_token(oracle):
    request = json.dumps({"userName": "bjensen", "password": PASSWORD, "note": f"echo {TOKEN}"})
    response = json.dumps({"detail": f"password {PASSWORD} is too weak"})
    entry = log(oracle, request.encode(), response, path=f"/scim/Users?token={TOKEN}&count=1", secrets=[TOKEN])
    stored = TrafficEntry.get_by_id(entry.id)
    for column in ("path", "request_body", "response_body"):
        text = getattr(stored, column)
        assert PASSWORD not in text and TOKEN not in text, column
    assert json.loads(stored.request_body) == {"userName": "bjensen", "password": "[redacted]",
                                               "note": "echo [redacted]"}
    assert stored.path == "/scim/Users?token=[redacted]&count=1"
    assert traffic.as_dict(stored) == {
        "at": stored.at.isoformat(timespec="milliseconds") + "Z", "request_id": "r-1", "method": "POST",
        "path": stored.path, "status": 201, "latency_ms": 12.3, "request_body": stored.request_body,
        "response_body": stored.response_body}


def test_bodies_that_are_not_json_are_kept_as_text_and_empty_ones_as_null(oracle):
    entry = log(oracle, b"userName=bob&password=hunter22", b"\xff not utf-8")
    assert entry.request_body == "userName=bob&password=[redacted]"
    assert entry.response_body == "\ufffd not utf-8"
    assert log(oracle, b"", None).request_body is None


def test_long_bodies_are_cut_with_a_marker_counting_the_bytes_dropped(oracle):
    entry = log(oracle, "é" * 30, "x" * 10, max_body=20)
    assert entry.request_body == "é" * 20 + "…[truncated 20 bytes]"
    assert entry.response_body == "x" * 10


def test_only_the_newest_entries_of_each_app_are_kept(oracle):
    okta = apps.create("Okta", "okta")[0]
    log(okta, request_id="okta")
    for number in range(5):
        log(oracle, request_id=f"r{number}", max_entries=3)
    assert [e.request_id for e in traffic.recent(oracle)] == ["r4", "r3", "r2"]
    assert [e.request_id for e in traffic.recent(oracle, limit=1, offset=1)] == ["r3"]
    assert [e.request_id for e in traffic.recent(okta)] == ["okta"]
    assert traffic.clear(oracle) == 3
    assert traffic.recent(oracle) == [] and len(traffic.recent(okta)) == 1


def test_deleting_an_app_deletes_its_traffic(oracle):
    log(oracle)
    apps.delete("Oracle IDCS")
    assert TrafficEntry.select().count() == 0
