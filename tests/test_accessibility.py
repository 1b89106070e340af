"""Each example's HTML in headless Chromium with axe-core: no serious or critical violation (and none
of contrast, landmarks, heading order, link names or table headers at any impact), on a desktop and
a 360 px phone, light and dark; and tables never widen a phone's page."""

from __future__ import annotations

import pytest

from chromium import offline_page, run_axe
from conftest import EXAMPLES
from generator.build import produce
from generator.facts import load

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
VIEWS = [(1280, False), (360, False), (1280, True), (360, True)]


@pytest.fixture(scope="module")
def pages() -> dict[str, dict[str, str]]:
    built = {}
    for path in EXAMPLE_FILES:
        files = produce(load(path), ("html", "fragment")).files
        built[path.stem] = {kind: data.decode() for kind, data in files.items()}
    return built


def _described(violations: list[dict]) -> str:
    return "\n".join(f"{v['impact']} {v['id']}: {v['help']}\n    " + "\n    ".join(v["nodes"]) for v in violations)


@pytest.mark.parametrize("width, dark", VIEWS, ids=[f"{w}px-{'dark' if d else 'light'}" for w, d in VIEWS])
@pytest.mark.parametrize("stem", [p.stem for p in EXAMPLE_FILES])
def test_axe_finds_no_serious_violation(browser, pages, stem, width, dark):
    page = offline_page(browser, width, dark=dark)
    page.set_content(pages[stem]["html"])
    violations = run_axe(page)
    assert not violations, _described(violations)
    assert page.requests == []


def test_axe_checks_what_the_brief_names(browser):
    """The rules that matter here are on and do fail: contrast, landmarks, heading order, link names, table headers."""
    page = offline_page(browser, 800)
    page.set_content("""<!DOCTYPE html><html lang="en"><head><title>Bad</title></head><body>
        <h1>Title</h1><h4>Skipped levels</h4><p style="color:#bbb;background:#fff">Faint text</p>
        <a href="#x"></a><table><tr><th></th><td>Cell</td></tr></table><main>a</main><main>b</main></body></html>""")
    page.add_script_tag(content=__import__("chromium").axe_source())
    ids = set(page.evaluate("async () => (await axe.run()).violations.map(v => v.id)"))
    assert {"color-contrast", "link-name", "heading-order", "landmark-no-duplicate-main", "empty-table-header"} <= ids


@pytest.mark.parametrize("stem", [p.stem for p in EXAMPLE_FILES])
def test_tables_fit_a_360px_phone(browser, pages, stem):
    page = offline_page(browser, 360, 740)
    page.set_content(pages[stem]["html"])
    widths = page.evaluate("""() => ({page: document.documentElement.scrollWidth, view: window.innerWidth,
        tables: [...document.querySelectorAll('table')].map(t => {
            const box = t.closest('.table-wrap') || t.parentElement;
            return [t.getBoundingClientRect().right, box.clientWidth, box.scrollWidth];
        })})""")
    assert widths["page"] <= widths["view"], widths
    assert widths["tables"]
    for right, inner, scrolled in widths["tables"]:
        assert right <= widths["view"] and scrolled <= inner + 1, widths


@pytest.mark.parametrize("stem", ["aziminer"])
def test_fragment_in_a_plain_host_has_no_serious_violation(browser, pages, stem):
    page = offline_page(browser, 1280)
    page.set_content("<!DOCTYPE html><html lang='en'><head><title>Host</title></head><body><main>"
                     f"<h1>Our company</h1>{pages[stem]['fragment']}</main></body></html>")
    violations = run_axe(page)
    assert not violations, _described(violations)
