"""Headless Chromium (Debian's package) driven by Playwright, with axe-core on every page.

Without /usr/bin/chromium these tests skip with a message, unless MUTUALAID_REQUIRE_BROWSER=1
(CI), which turns the skip into a failure.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("MUTUALAID_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

# Playwright's sync API runs an event loop in this thread; the Django ORM calls the tests make
# between page actions are ordinary blocking calls, so allow them.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def chromium():
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install Debian's chromium to run the browser tests"
        if os.environ.get("MUTUALAID_REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Open a fresh browser context (its own cookies) and page; closes them afterwards."""
    contexts = []

    def open_page(viewport=None):
        context = chromium.new_context(viewport=viewport or {"width": 412, "height": 915})
        contexts.append(context)
        return context.new_page()

    yield open_page
    for context in contexts:
        context.close()


@pytest.fixture
def axe_check():
    """Run axe-core on the page; fail on serious or critical violations."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    checked = []

    def check(page):
        results = axe.run(page)
        bad = [
            v for v in results.response["violations"] if v.get("impact") in {"serious", "critical"}
        ]
        checked.append(page.url)
        assert not bad, f"axe violations on {page.url}: " + "; ".join(
            f"{v['id']}: {v['help']} ({[n['target'] for n in v['nodes']][:3]})" for v in bad
        )

    check.checked = checked
    return check
