"""Headless Chromium (Debian's `chromium`) driven by Playwright, and axe-core from tests/browser/.

`make test` installs both (scripts/system-deps.sh, npm ci). They are never skipped: a machine
without them fails with a message that says what to install.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

AXE = Path(__file__).resolve().parent / "browser" / "node_modules" / "axe-core" / "axe.min.js"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def chromium_path() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if not found:
        pytest.fail("headless Chromium is needed: install Debian's `chromium` package (make test does, as root)")
    return found


# Per module, not per session: Playwright's sync API keeps an asyncio loop running while it is
# open, and other tests (the interview's prompt_toolkit) start loops of their own.
@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("playwright is needed: pip install -e '.[test]' (make test does)")
    with sync_playwright() as playwright:
        # Playwright gives every launch a fresh temporary profile (its own --user-data-dir).
        launched = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=FLAGS)
        try:
            yield launched
        finally:
            launched.close()


def axe_source() -> str:
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at {AXE}: run `npm ci --prefix tests/browser` (make test does)")
    return AXE.read_text(encoding="utf-8")


def offline_page(browser, width: int = 1280, height: int = 900, dark: bool = False):
    """A page that may load nothing from the network; every request it tries is recorded."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  color_scheme="dark" if dark else "light")
    page = context.new_page()
    page.requests = []

    def refuse(route):
        page.requests.append(route.request.url)
        route.abort()

    page.route("**/*", refuse)
    return page


# Rules the brief names (contrast, landmarks, heading order, link names, table headers): they
# count at any impact, not only when axe rates them serious or critical.
NAMED_RULES = {"color-contrast", "heading-order", "page-has-heading-one", "empty-heading", "link-name", "region",
               "landmark-one-main", "landmark-unique", "landmark-no-duplicate-main", "landmark-no-duplicate-banner",
               "landmark-no-duplicate-contentinfo", "landmark-banner-is-top-level", "landmark-main-is-top-level",
               "landmark-contentinfo-is-top-level", "landmark-complementary-is-top-level",
               "th-has-data-cells", "td-headers-attr", "td-has-header", "empty-table-header", "scope-attr-valid",
               "table-duplicate-name", "scrollable-region-focusable"}


def run_axe(page) -> list[dict]:
    """axe-core's violations on the page (WCAG 2.x A/AA and best practices) that fail a test:
    every serious or critical one, and any of NAMED_RULES."""
    page.add_script_tag(content=axe_source())
    result = page.evaluate("""async () => {
        const r = await axe.run(document, {resultTypes: ['violations']});
        return r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                                       nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary)}));
    }""")
    return [v for v in result if v["impact"] in ("serious", "critical") or v["id"] in NAMED_RULES]
