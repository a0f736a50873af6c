"""Fixtures: a fresh app on a temp SQLite file (or on USERSYNC_TEST_DATABASE_URL, see tests/postgres.py), and a SCIM
client."""

import uuid

import pytest
from jinja2 import BytecodeCache

from app import create_app
from tests.idp_source import idp_source as idp  # noqa: F401  (the fixture: a running test IdP to pull from)
from tests.postgres import DATABASES
from tests.store_templates import StoreTemplates

SCIM = "/plugins/servlet/usersync/scim"
SCIM_JSON = "application/scim+json"


def fresh_database(tmp_path):
    """(url, database) of an empty store, bound: a new SQLite file, or the PostgreSQL test database emptied."""
    from models import init_db

    url = DATABASES.url if DATABASES else f"sqlite:///{tmp_path / 'usersync.db'}"
    database = init_db(url)
    if DATABASES:
        DATABASES.empty(database)
    return url, database


def separate_database_url(tmp_path, name="usersync.db"):
    """The URL of an empty store of its own, beside the tests' one (a server of its own, a restore's
    target): tmp_path/name on SQLite, a new database on PostgreSQL (dropped when the session ends)."""
    return DATABASES.new() if DATABASES else f"sqlite:///{tmp_path / name}"


@pytest.fixture(scope="session", autouse=True)
def _drop_separate_databases():
    yield
    if DATABASES:
        DATABASES.drop_created()


@pytest.fixture(scope="session")
def store_templates(tmp_path_factory):
    return StoreTemplates(tmp_path_factory.mktemp("store-templates"))


def _migrated(url):
    from models import db, init_db, migrate

    init_db(url)
    with db.connection_context():
        migrate()


@pytest.fixture
def store_db(tmp_path, store_templates):
    """A fresh, migrated store without the Flask app (store and provisioning unit tests)."""
    from models import db

    store_templates.copy("migrated", _migrated, tmp_path)
    yield db.obj
    db.obj.close()


class _CompiledTemplates(BytecodeCache):
    """Jinja bytecode kept in memory across tests: every test builds a new app, and compiling its
    templates again each time would cost more than the test itself."""

    def __init__(self):
        self.compiled = {}

    def load_bytecode(self, bucket):
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket):
        self.compiled[bucket.key] = bucket.bytecode_to_string()


TEMPLATES = _CompiledTemplates()


def _testing_app(url):
    return create_app({"TESTING": True, "DATABASE_URL": url})


@pytest.fixture
def app(tmp_path, store_templates):
    url = store_templates.copy("app", _testing_app, tmp_path)
    application = _testing_app(url)
    application.instance_path = str(tmp_path)
    application.jinja_env.bytecode_cache = TEMPLATES
    yield application


@pytest.fixture
def idp_app(app):
    """An Oracle IDCS app and its bearer token."""
    from models import db
    from store.tenancy import apps

    with db.connection_context():
        record, token = apps.create(f"Oracle {uuid.uuid4().hex[:6]}", "oracle")
    return record, token


class ScimClient:
    """The Flask test client with the bearer token and SCIM paths filled in."""

    def __init__(self, client, token):
        self.client = client
        self.token = token

    def request(self, method, path, json=None, headers=None, **kwargs):
        all_headers = {"Authorization": f"Bearer {self.token}", **(headers or {})}
        if json is not None:
            kwargs["data"] = __import__("json").dumps(json)
            all_headers.setdefault("Content-Type", SCIM_JSON)
        return self.client.open(SCIM + path, method=method, headers=all_headers, **kwargs)

    def get(self, path, **kwargs):
        return self.request("GET", path, **kwargs)

    def post(self, path, json=None, **kwargs):
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path, json=None, **kwargs):
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path, json=None, **kwargs):
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path, **kwargs):
        return self.request("DELETE", path, **kwargs)


@pytest.fixture
def scim(app, idp_app):
    """A SCIM client authenticated as the Oracle app."""
    return ScimClient(app.test_client(), idp_app[1])


def assert_scim_error(response, status, scim_type=None):
    """The response is an RFC 7644 §3.12 Error with this status (and scimType)."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.headers["Content-Type"].startswith(SCIM_JSON)
    body = response.get_json(force=True)
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    assert body.get("scimType") == scim_type
    assert "Traceback" not in body.get("detail", "")
    return body


class AdminClient:
    """A test client signed in to the admin pages, which adds the CSRF token to every form post."""

    PASSWORD = "testing-admin-password"

    def __init__(self, client):
        self.client = client
        self.token = None

    def sign_in(self):
        self.get("/plugins/servlet/usersync/admin/login")
        response = self.post("/plugins/servlet/usersync/admin/login",
                             data={"username": "admin", "password": self.PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)
        self.get("/plugins/servlet/usersync/admin/")  # signing in issues a new CSRF token
        return self

    def get(self, path, **kwargs):
        response = self.client.get(path, **kwargs)
        self._remember_token(response)
        return response

    def post(self, path, data=None, **kwargs):
        if self.token is None:
            self.get("/plugins/servlet/usersync/admin/login")
        response = self.client.post(path, data={"csrf_token": self.token, **(data or {})}, **kwargs)
        self._remember_token(response)
        return response

    def _remember_token(self, response):
        import re

        found = re.search(r'name="csrf_token" value="([^"]+)"', response.get_data(as_text=True))
        if found:
            self.token = found.group(1)


@pytest.fixture
def admin(app):
    """The admin, signed in."""
    return AdminClient(app.test_client()).sign_in()
