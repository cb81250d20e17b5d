"""Browser tests (issue 13): Playwright driving Debian's Chromium (`/usr/bin/chromium`; Playwright's
own download cannot reach its host here) against the Django test server with the demo data; axe-core
through axe-playwright-python. Skipped when Chromium or Playwright is missing; `.ci/run` installs
Chromium so that they run in CI. Screenshots go to `test-output/browser/` (gitignored)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("QAMQOR_CHROMIUM", "/usr/bin/chromium")
SHOTS = Path(__file__).resolve().parents[2] / "test-output" / "browser"

try:
    import playwright.sync_api  # noqa: F401

    HAVE_PLAYWRIGHT = True
except ImportError:
    HAVE_PLAYWRIGHT = False


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    reason = None
    if not HAVE_PLAYWRIGHT:
        reason = "playwright is not installed"
    elif not os.path.exists(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    for item in items:
        if Path(item.fspath).parent == here:
            item.add_marker(pytest.mark.browser)
            if reason:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.fixture(scope="module")
def browser():
    """Chromium for one module. The tests call the ORM while Playwright's sync API keeps its event
    loop in this thread, which Django refuses unless DJANGO_ALLOW_ASYNC_UNSAFE is set: set only while
    the browser is open (a leaked value fails `check --deploy` in the processes later tests start)."""
    from playwright.sync_api import sync_playwright

    before = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    try:
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
            yield b
            b.close()
    finally:
        if before is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = before


@pytest.fixture
def site(live_server, transactional_db):
    """The test server's address, with the demo data loaded as `qamqor serve` loads it."""
    from qamqor.demo import load_demo_data

    load_demo_data()
    return live_server.url


@pytest.fixture
def open_page(browser, site):
    """`open_page(lang)`: a new page in a fresh context with that language chosen (the cookie the
    switcher sets)."""
    contexts = []

    def make(lang: str = "kk"):
        ctx = browser.new_context(base_url=site, locale={"kk": "kk-KZ", "ru": "ru-RU", "en": "en-GB"}[lang])
        ctx.add_cookies([{"name": "django_language", "value": lang, "url": site}])
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


@pytest.fixture
def shot():
    SHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = SHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take
