"""The test IdP, and a REST API app pulling from it."""

import pytest

from tests.fakes.google import fake_google, google_account  # noqa: F401  (the fake Google Workspace)
from tests.idp_source import idp_source  # noqa: F401  (the fixture, for every test here)

from . import Puller


@pytest.fixture
def puller(app, idp_source):  # noqa: F811
    """make(**options) -> a Puller: a new REST API app with these options, its source the test IdP."""
    return lambda **options: Puller(app, idp_source, **options)
