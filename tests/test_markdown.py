"""Markdown output: the same policy, with its cross-references still working."""

from __future__ import annotations

import re

from conftest import EXAMPLES
from generator.facts import load
from generator.markdown import html_to_markdown
from generator.render import render


def test_markdown_keeps_sections_and_links():
    facts = load(EXAMPLES / "itsminer.yaml")
    html = render(facts).html
    markdown = html_to_markdown(html)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', markdown))
    links = set(re.findall(r"\]\(#([^)]+)\)", markdown))
    assert links and links <= anchors
    assert set(re.findall(r'<section id="([^"]+)"', html)) <= anchors
    assert "# Privacy Policy" in markdown and "## 1. About this policy" in markdown
    assert "POLICYGEN-ANCHOR" not in markdown and "<section" not in markdown
    assert "privacy@itsminer.com" in markdown


def test_markdown_escapes_nothing_it_should_not(minimal_facts):
    from conftest import render_html

    minimal_facts["company"]["legal_name"] = "Under_score *Star* Mining"
    markdown = html_to_markdown(render_html(minimal_facts))
    assert "Under\\_score \\*Star\\* Mining" in markdown  # literal text, not emphasis
