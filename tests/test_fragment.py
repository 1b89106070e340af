"""The paste-in fragment: no document tags, CSS scoped under .policygen, ids prefixed, nothing loaded;
and, in Chromium, a hostile host page changes none of the policy's computed styles or in-page links."""

from __future__ import annotations

import re

import pytest

from chromium import offline_page
from conftest import EXAMPLES
from generator.build import produce
from generator.facts import load
from generator.fragment import FragmentError, html_to_fragment, scope_stylesheet

HOSTILE_HOSTS = {
    "aggressive": """<style>:root { --brand: red; --accent: red; --ink: red; --page: red; } * { color: red; } h2 { font-size: 5em; } p, li { margin: 3em; letter-spacing: 4px; }
        a { color: lime !important; } #contact { display: none; } table, td, th { border: 5px solid blue; }</style>
        <main><h1>Host page</h1><p id="contact">The host's own contact block</p>""",
    "root-and-inherited": """<style>html { font-size: 10px; } body { font: italic 30px/3 serif; text-align: right;
        text-transform: uppercase; word-spacing: 1em; } div, section, article { padding: 40px; display: flex; }
        ::before { content: "»"; } .toc, .num, .summary { display: none; } ul { list-style: square; }</style>
        <main><h2 id="toc-title">Host's own contents</h2>""",
}


@pytest.fixture(scope="module")
def policy():
    produced = produce(load(EXAMPLES / "aziminer.yaml"), ("html", "fragment"))
    return produced.files["html"].decode(), produced.files["fragment"].decode()


def test_fragment_has_no_document_tags_and_loads_nothing(policy):
    _, fragment = policy
    assert fragment.startswith('<article class="policygen" lang="en">')
    for tag in ("<html", "<head>", "<head ", "<body", "</body>", "<main", "<link", "<script", "<iframe", "@import", "src=\"http"):
        assert tag not in fragment, tag
    assert re.findall(r"url\(", fragment) == []


def test_every_id_and_local_link_is_prefixed(policy):
    page, fragment = policy
    ids = re.findall(r'\bid="([^"]+)"', fragment)
    assert ids and all(i.startswith("pg-") for i in ids)
    assert len(ids) == len(re.findall(r'\bid="([^"]+)"', page))
    links = re.findall(r'href="#([^"]*)"', fragment)
    assert links and all(target in ids for target in links)
    assert all(i.startswith("pg-") for i in re.findall(r'aria-labelledby="([^"]+)"', fragment))


def test_every_css_rule_is_scoped(policy):
    _, fragment = policy
    css = re.search(r"<style>(.*?)</style>", fragment, re.S)[1]
    import tinycss2

    def selectors(rules):
        for rule in rules:
            if rule.type == "qualified-rule":
                yield from (s.strip() for s in tinycss2.serialize(rule.prelude).split(","))
            elif rule.type == "at-rule":
                assert rule.lower_at_keyword in ("media", "supports"), rule.lower_at_keyword
                yield from selectors(tinycss2.parse_rule_list(rule.content, skip_whitespace=True, skip_comments=True))

    found = list(selectors(tinycss2.parse_stylesheet(css, skip_whitespace=True, skip_comments=True)))
    assert len(found) > 50
    assert all(s == ".policygen" or s.startswith(".policygen ") for s in found), [s for s in found if not s.startswith(".policygen")]
    assert "rem" not in re.sub(r"@media[^{]*", "", css)   # rem is the host's root size; pixels are ours


def test_prefix_ids_rewrites_whole_attribute_names_only():
    from generator.fragment import prefix_ids

    html = ('<h2 id="a">x</h2><a href="#a">x</a><label for="f">x</label><td headers="h1 h2">x</td>'
            '<div data-id="keep" aria-labelledby="a"><a href="https://e.example/#top">x</a></div>')
    assert prefix_ids(html) == ('<h2 id="pg-a">x</h2><a href="#pg-a">x</a><label for="pg-f">x</label>'
                                '<td headers="pg-h1 pg-h2">x</td><div data-id="keep" aria-labelledby="pg-a">'
                                '<a href="https://e.example/#top">x</a></div>')


def test_scoping_rules():
    assert scope_stylesheet(":root { --x: 1 } body, h2 > a:not(.a, .b) { margin: 1rem 0.5rem; color: red }") == (
        ".policygen { --x: 1 !important; }\n"
        ".policygen, .policygen h2 > a:not(.a, .b) { margin: 16px 8px !important; color: red !important; }\n")
    assert scope_stylesheet("@page { size: A4 } p { color: red }") == ".policygen p { color: red !important; }\n"
    with pytest.raises(FragmentError, match="must not load"):
        scope_stylesheet("p { background: url(https://example.com/x.png) }")
    with pytest.raises(FragmentError, match="cannot be scoped"):
        scope_stylesheet("@import 'x.css';")


def test_cli_fragment_option_writes_beside_the_page(cli, tmp_path):
    code, out, err = cli("build", EXAMPLES / "smart-mining.yaml", "-o", tmp_path, "--format", "html", "--fragment")
    assert code == 0, err
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.startswith(".")) == [
        "smart-mining.fragment.html", "smart-mining.html"]
    code, _, err = cli("batch", EXAMPLES, "-o", tmp_path / "b", "--format", "fragment")
    assert code == 0, err
    assert len(list((tmp_path / "b").glob("*.fragment.html"))) == len(list(EXAMPLES.glob("*.yaml")))


# --- in Chromium --------------------------------------------------------------------

STYLE_PROPERTIES = ["color", "background-color", "font-family", "font-size", "font-weight", "font-style", "line-height",
                    "letter-spacing", "word-spacing", "text-align", "text-transform", "margin-top", "margin-left",
                    "padding-top", "padding-left", "border-top-width", "border-bottom-color", "display", "list-style-type",
                    "text-decoration-line", "width"]
SAMPLE = ["h1", "h2", "h3", "p", "li", "a", "th", "td", "dt", "dd", "caption", ".num", ".toc li", ".doc-company",
          ".doc-updated", ".summary", ".toc", "table", "strong", "code"]

_COMPUTED = """([root, selectors, properties]) => {
    const out = {};
    for (const selector of selectors) {
        const nodes = [...root.querySelectorAll(selector)].slice(0, 6);
        out[selector] = nodes.map(n => { const s = getComputedStyle(n); return properties.map(p => s.getPropertyValue(p)); });
    }
    return out;
}"""


def _styles(page, root_selector: str, dark: bool = False):
    root = page.query_selector(root_selector)
    return page.evaluate(_COMPUTED, [root, SAMPLE, STYLE_PROPERTIES])


def _host_page(fragment: str, host: str) -> str:
    return f"<!DOCTYPE html><html lang='en'><head><title>Host</title></head><body>{host}{fragment}</main></body></html>"


@pytest.mark.parametrize("host", sorted(HOSTILE_HOSTS))
@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_hostile_host_changes_no_computed_style(browser, policy, host, dark):
    page_html, fragment = policy
    # The standalone page's body has the width the fragment's root gets: compare like with like.
    standalone = offline_page(browser, 1280, dark=dark)
    standalone.set_content(page_html)
    expected = _styles(standalone, "body")
    hosted = offline_page(browser, 1280, dark=dark)
    hosted.set_content(_host_page(fragment, HOSTILE_HOSTS[host]))
    got = _styles(hosted, "article.policygen")
    assert sum(len(v) for v in expected.values()) > 60
    for selector in SAMPLE:
        for index, (want, have) in enumerate(zip(expected[selector], got[selector])):
            differ = {p: (w, h) for p, w, h in zip(STYLE_PROPERTIES, want, have) if w != h}
            assert not differ, f"{selector}[{index}] differs in the host page: {differ}"
        assert len(expected[selector]) == len(got[selector]), selector
    assert standalone.requests == [] and hosted.requests == []


def test_every_in_page_link_lands_on_its_section(browser, policy):
    _, fragment = policy
    page = offline_page(browser, 1280, 800)
    page.set_content(_host_page(fragment, HOSTILE_HOSTS["aggressive"]))
    hrefs = page.evaluate("[...document.querySelectorAll('article.policygen a[href^=\"#\"]')].map(a => a.getAttribute('href'))")
    assert len(hrefs) > 20
    for href in dict.fromkeys(hrefs):
        page.evaluate("window.scrollTo(0, 0)")
        page.click(f'article.policygen a[href="{href}"] >> nth=0')
        landed = page.evaluate("""(href) => {
            const target = document.getElementById(href.slice(1));
            const box = target.getBoundingClientRect();
            return {hash: location.hash, inside: target.closest('article.policygen') !== null,
                    top: box.top, height: window.innerHeight};
        }""", href)
        assert landed["hash"] == href and landed["inside"], (href, landed)
        assert -1 <= landed["top"] < landed["height"], (href, landed)   # scrolled into view (to the subpixel)
    assert page.evaluate("document.getElementById('contact').textContent") == "The host's own contact block"
    assert page.requests == []
