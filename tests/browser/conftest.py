"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live
server. Skipped when /usr/bin/chromium is missing (CI installs it; see .ci/run).

Screenshots go to $SCREENSHOT_DIR (default artifacts/screenshots), which CI keeps.
"""

import importlib
import os
from pathlib import Path

import pytest
from django.apps import apps
from django.contrib.auth.models import Group
from django.db import connections

CHROMIUM = Path("/usr/bin/chromium")
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(
    os.environ.get("SCREENSHOT_DIR", Path(__file__).resolve().parents[2] / "artifacts/screenshots")
)

pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian chromium not installed")


@pytest.fixture
def browser(monkeypatch):
    # Playwright's sync API runs an event loop in this thread; Django then refuses ORM calls
    # made from the test itself unless told it is safe (it is: nothing here is async).
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
        # ORM calls made inside Playwright's context got their own connections; close them,
        # or PostgreSQL refuses to drop the test database at the end of the run.
        connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


@pytest.fixture
def shoot():
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def _shoot(page, name: str) -> Path:
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return _shoot


@pytest.fixture
def roles(transactional_db):
    """The role groups from migration 0003 (transactional tests flush data between tests)."""
    if not Group.objects.filter(name="Editor").exists():
        importlib.import_module("incidents.migrations.0003_roles").create_roles(apps, None)
    return {g.name: g for g in Group.objects.all()}
