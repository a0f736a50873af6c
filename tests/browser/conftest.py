"""A real headless Chromium (Debian's package, driven by Playwright) against a real `usersync serve`."""

import os
import shutil
from pathlib import Path

import pytest

from tests.e2e.conftest import Server

REPO = Path(__file__).resolve().parents[2]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def chromium_path():
    """Debian's chromium; .ci/run installs it. Without it a developer's run skips, CI's fails."""
    found = os.environ.get("USERSYNC_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    message = "headless Chromium not found: apt-get install chromium (or set USERSYNC_CHROMIUM)"
    if os.environ.get("CI"):
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    running = Server(tmp_path_factory.mktemp("browser")).start(app_name="seed")
    yield running
    running.stop()


@pytest.fixture(scope="session")
def browser():
    """One Chromium for the session (each launch costs about a second); every test gets a fresh context."""
    executable = chromium_path()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    yield opened
    context.close()


@pytest.fixture(scope="session")
def screenshots(tmp_path_factory):
    """Where screenshots go: USERSYNC_SCREENSHOTS=docs/screenshots refreshes the README's; else a temp folder."""
    chosen = os.environ.get("USERSYNC_SCREENSHOTS")
    folder = (REPO / chosen) if chosen else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@pytest.fixture
def screenshot(screenshots):
    """screenshot(page, name): a full-page PNG of what the browser shows."""
    def take(page, name):
        page.screenshot(path=str(screenshots / f"{name}.png"), full_page=True)
    return take
