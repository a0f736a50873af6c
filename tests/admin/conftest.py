"""Fixtures of the admin page tests."""

import pytest

from app import create_app
from tests.conftest import separate_database_url


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory):
    """A client with no session, on an app and a store of its own for the module (redirects need no data)."""
    path = tmp_path_factory.mktemp("anonymous")
    application = create_app({"TESTING": True, "DATABASE_URL": separate_database_url(path)})
    application.instance_path = str(path)
    return application.test_client()
