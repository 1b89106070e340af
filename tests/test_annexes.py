"""Layers: each law's section folds on screen, opens on paper, and can live on a page of its own."""

from __future__ import annotations

import re

from conftest import EXAMPLES, write_facts
from generator.annexes import split
from generator.facts import load
from generator.pdf import opened
from generator.render import render


def test_each_law_section_folds_in_the_html_and_opens_for_print():
    html = render(load(EXAMPLES / "itsminer.yaml")).html
    laws = re.findall(r'<section id="([a-z-]+)" class="clause regional">\s*<details class="law">\s*<summary><h2>', html)
    assert laws == ["gdpr", "ccpa", "pipl", "pdpo"]
    assert '<details class="law" open>' not in html
    assert opened(html).count('<details class="law" open>') == len(laws)
    assert 'addEventListener("beforeprint"' in html


def test_a_policy_with_no_regional_section_has_no_fold():
    html = render(load(EXAMPLES / "aziminer.yaml")).html  # a German company for EEA users: GDPR text is the core
    assert "<details" not in html


def test_separate_annexes_link_both_ways_and_every_link_lands():
    html = render(load(EXAMPLES / "itsminer.yaml")).html
    main, pages = split(html, "itsminer")
    assert sorted(pages) == ["ccpa", "gdpr", "pdpo", "pipl"]
    files = {"itsminer.html": main} | {f"itsminer.{sid}.html": page for sid, page in pages.items()}
    ids = {name: set(re.findall(r'\sid="([^"]+)"', text)) for name, text in files.items()}
    for name, text in files.items():
        for href in re.findall(r'href="([^"#:]*)#([^"]+)"', text):
            target = href[0] or name
            assert target in files and href[1] in ids[target], (name, href)
    assert "Cal. Civ. Code" not in main and "Cal. Civ. Code" in pages["ccpa"]
    assert 'href="itsminer.ccpa.html"' in main and 'href="itsminer.html"' in pages["ccpa"]
    assert '<details class="law" open>' in pages["pipl"]


def test_build_writes_the_annex_pages(cli, tmp_path):
    facts = write_facts(tmp_path, (EXAMPLES / "itsminer.yaml").read_text(encoding="utf-8"), "itsminer.yaml")
    code, out, _ = cli("build", str(facts), "-o", str(tmp_path / "out"), "--format", "html,md", "--annexes", "separate")
    assert code == 0
    written = sorted(p.name for p in (tmp_path / "out").glob("itsminer*"))
    assert written == ["itsminer.ccpa.html", "itsminer.gdpr.html", "itsminer.html", "itsminer.md",
                       "itsminer.pdpo.html", "itsminer.pipl.html"]
    assert "Cal. Civ. Code" in (tmp_path / "out" / "itsminer.md").read_text(encoding="utf-8")  # Markdown stays whole
