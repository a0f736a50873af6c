"""Fixtures of the admin page tests."""

import pytest

from app import create_app


@pytest.fixture(scope="module")
def anonymous(tmp_path_factory):
    """A client with no session, on an app of its own for the module (redirects need no data)."""
    path = tmp_path_factory.mktemp("anonymous")
    application = create_app({"TESTING": True, "DATABASE_URL": f"sqlite:///{path / 'usersync.db'}"})
    application.instance_path = str(path)
    return application.test_client()
