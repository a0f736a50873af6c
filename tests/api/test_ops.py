"""/health and /ready: public, uncached, nothing but a status; /ready follows the store."""

import logging

import peewee
import pytest

from models import db, init_db


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def store_down(app, tmp_path):
    """The store bound to a path SQLite cannot open (a directory; a chmod would not stop root), then restored."""
    unreachable = tmp_path / "gone"
    unreachable.mkdir()
    init_db(f"sqlite:///{unreachable}")
    yield unreachable
    init_db(app.config["DATABASE_URL"])


def test_health_is_public_uncached_and_says_only_ok(client):
    response = client.get("/health")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok"}
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["X-Request-Id"]


def test_ready_when_the_store_answers(client):
    response = client.get("/ready")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ready"}
    assert response.headers["Cache-Control"] == "no-store"


def test_ready_is_503_when_the_database_cannot_be_opened_and_health_stays_up(client, store_down, caplog):
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.get_json() == {"status": "unavailable", "reason": "database unreachable"}
    assert response.headers["Cache-Control"] == "no-store"
    assert str(store_down) not in response.get_data(as_text=True)  # the reason is short; details go to the log
    assert "not ready: the database did not answer" in caplog.text
    assert client.get("/health").status_code == 200  # liveness never waits on the store


def test_ready_recovers_when_the_store_is_back(app, client, store_down):
    assert client.get("/ready").status_code == 503
    init_db(app.config["DATABASE_URL"])
    assert client.get("/ready").status_code == 200


def test_ready_is_503_when_the_query_fails(client, monkeypatch):
    def locked(*_args, **_kwargs):
        raise peewee.OperationalError("database is locked")

    monkeypatch.setattr(db.obj, "execute_sql", locked)
    response = client.get("/ready")
    assert response.status_code == 503
    assert response.get_json()["reason"] == "database unreachable"


def test_ready_leaves_no_connection_open(client):
    client.get("/ready")
    assert db.is_closed()


@pytest.mark.parametrize("path", ["/health", "/ready"])
def test_probes_reveal_no_version_or_config(app, client, path, caplog):
    caplog.set_level(logging.DEBUG)
    response = client.get(path)
    text = response.get_data(as_text=True)
    assert set(response.get_json()) == {"status"}
    for secret in (app.config["SECRET_KEY"], app.config["DATABASE_URL"], "0.1.0", "waitress", "flask"):
        assert secret not in text
