"""generator/explain.py and `policygen explain`, on the real templates and the example facts."""

from __future__ import annotations

import copy
import json
import re
from collections import Counter
from html.parser import HTMLParser

import pytest

from conftest import EXAMPLES, write_facts
from generator.clauses import applicable_laws, folded_law, regional_laws
from generator.explain import _recorded_as_built, explain, fact_values, html_blocks
from generator.facts import load, validate
from generator.render import render, render_recorded
from generator.yamlio import LineMap
from test_generated import varied_facts

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
COUNTED = {"p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption"}


class _BlockCounter(HTMLParser):
    """The text of every block-level text element of a page, found with the standard library's parser
    (independently of explain's own tokenizer): p, li, tr, headings, dt/dd, captions, and any other
    element with text of its own (a callout)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack: list[list] = []  # [tag, text parts, has own text]
        self.blocks: list[str] = []
        self.skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("style", "script", "head"):
            self.skip += 1
            return
        if tag in ("br", "meta", "link", "img", "col", "hr"):
            return
        if tag in ("a", "strong", "em", "span", "time", "code", "b", "i", "small", "sup", "sub"):
            return  # inline: its text runs on
        for entry in self.stack:
            entry[1].append(" ")
        if tag not in ("td", "th"):
            self.stack.append([tag, [], False])

    def handle_endtag(self, tag):
        if tag in ("style", "script", "head"):
            self.skip -= 1
            return
        if not self.stack or self.stack[-1][0] != tag:
            return
        name, parts, own = self.stack.pop()
        text = re.sub(r"\s+", " ", "".join(parts)).strip()
        if text and (name in COUNTED or own):
            self.blocks.append(text)

    def handle_data(self, data):
        if self.skip:
            return
        for entry in self.stack:
            entry[1].append(data)
        if data.strip() and self.stack:
            self.stack[-1][2] = True


def counted_blocks(html: str) -> list[str]:
    body = html[html.index("<body"):]
    counter = _BlockCounter()
    counter.feed(body)
    return counter.blocks


def _facts(data: dict):
    return validate(copy.deepcopy(data), "<test>", LineMap(None))


def _built_html(facts) -> str:
    """The HTML `build` writes for these facts (with its Draft marker, if any)."""
    from generator.build import produce

    return produce(facts, ("html",)).files["html"].decode("utf-8")


def _coverage(facts) -> float:
    html = _built_html(facts)
    wanted = Counter(counted_blocks(html))
    have = Counter(b.text for b in explain(facts))
    covered = sum(min(n, have[text]) for text, n in wanted.items())
    return covered / sum(wanted.values())


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_explain_accounts_for_the_blocks_of_each_example(path):
    assert _coverage(load(path)) >= 0.95


@pytest.mark.parametrize("seed", range(0, 40, 5))
def test_explain_accounts_for_the_blocks_of_generated_facts(seed):
    assert _coverage(_facts(varied_facts(seed))) >= 0.95


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_the_recorded_render_is_the_policy_that_build_writes(path):
    facts = load(path)
    recorded = render_recorded(facts)
    assert recorded.policy.html == render(facts).html
    assert _recorded_as_built(facts).policy.html == _built_html(facts)
    assert recorded.segments[0].start == 0 and recorded.segments[-1].end == len(recorded.policy.html)
    assert all(a.end == b.start for a, b in zip(recorded.segments, recorded.segments[1:]))


@pytest.mark.parametrize("seed", range(1, 40, 3))
def test_no_block_names_a_law_that_does_not_apply(seed):
    facts = _facts(varied_facts(seed))
    laws = set(applicable_laws(facts))
    for block in explain(facts):
        assert set(block.laws) <= laws, block


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_every_block_of_a_regional_section_serves_its_law(path):
    facts = load(path)
    rendered = render(facts)
    regional = {item.section.id: item.section.law for item in rendered.sections if item.section.law}
    blocks = explain(facts)
    folded = folded_law(facts)
    if folded:
        # An EEA company whose only law is the GDPR has no GDPR section: the general sections carry
        # the law, and the blocks that state it (such as the legal bases) serve it.
        assert regional == {} and regional_laws(facts) == []
        assert any(folded in b.laws and b.section == "how-we-use" for b in blocks)
        assert any(folded in b.laws and b.section == "your-rights" for b in blocks)
        return
    assert regional, "each example with no folded law has at least one regional section"
    for block in blocks:
        if block.section in regional:
            assert regional[block.section] in block.laws, block
    assert {b.section for b in blocks} >= set(regional)


def test_a_block_that_names_the_kyc_vendor_states_kyc_vendor():
    facts = load(EXAMPLES / "1024mining.yaml")
    vendor = [b for b in explain(facts, section="identity-verification") if "Sumsub" in b.text]
    assert vendor
    assert all("kyc.vendor" in b.facts for b in vendor)


def test_the_draft_marker_is_explained_like_any_block(minimal_facts):
    facts = _facts(minimal_facts)
    html = _built_html(facts)
    assert "draft-marker" in html, "the minimal facts miss required disclosures"
    marker = [b for b in explain(facts) if b.text.startswith("Draft: not ready to publish.")]
    assert len(marker) == 1 and marker[0].section == "doc-header"


def test_blocks_come_in_reading_order_and_section_filters():
    facts = load(EXAMPLES / "itsminer.yaml")  # aziminer's GDPR text is folded into the general sections
    blocks = explain(facts)
    order = [s.section.id for s in render(facts).sections]
    seen = [b.section for b in blocks if b.section in order]
    assert seen == sorted(seen, key=order.index)
    only = explain(facts, section="gdpr")
    assert only and {b.section for b in only} == {"gdpr"}
    assert [b.text for b in only] == [b.text for b in blocks if b.section == "gdpr"]
    # The heading comes first (regional sections fold their h2 into a <details> summary).
    assert only[0].tag in ("h2", "summary") and "GDPR" in only[0].text
    assert any(b.tag == "h2" and "GDPR" in b.text for b in only[:2])


def test_a_block_that_names_an_applying_law_serves_it():
    from generator.explain import _named_laws, law_names

    names = law_names(["gdpr", "uk_gdpr", "ccpa"])
    assert _named_laws("Our legitimate interest (Art. 6(1)(f) GDPR).", names) == {"gdpr"}
    assert _named_laws("Art. 6(1)(f) UK GDPR applies.", names) == {"uk_gdpr"}
    assert _named_laws("Under the GDPR and the UK GDPR.", names) == {"gdpr", "uk_gdpr"}
    assert _named_laws("Under the PIPL.", names) == set()  # a law that does not apply is never reported
    assert _named_laws("CCPAX is not a law.", names) == set()


def test_values_of_the_facts_are_recognised_in_the_text(minimal_facts):
    facts = load(EXAMPLES / "1024mining.yaml")
    values = dict(fact_values(facts))
    assert values["Sumsub"] == "kyc.vendor"
    assert values[facts.contact.email] == "contact.email"
    assert values["90 days"] == "retention.logs"
    # Ids and choices are ordinary words, not statements of a fact.
    assert not {"none", "consent", "opt_out", "ignore", "honour", "cloud_hashrate"} & set(values)
    minimal_facts["kyc"] = {"vendor": {"name": "Checkr Ltd", "website": "https://checkr.example", "country": "gb"},
                            "documents": ["government_id"]}
    custom = dict(fact_values(_facts(minimal_facts)))
    assert custom["Checkr Ltd"] == "kyc.vendor" and custom["https://checkr.example"] == "kyc.vendor"
    by_text = {b.text: b for b in explain(facts, section="contact")}
    assert any("contact.email" in b.facts for b in by_text.values())


def test_html_blocks_cuts_a_page_into_blocks():
    html = ('<body><header class="top"><p>Brand &amp; Co</p></header>'
            '<section id="one"><h2><span>1.</span> One</h2><p>Text with <a href="#x">a link</a>.</p>'
            '<ul><li>Item <strong>one</strong><ul><li>Nested</li></ul></li></ul>'
            '<table><tr><th>A</th><th>B</th></tr><tr><td>x</td><td>y</td></tr></table>'
            '<div class="callout">Own text<p>Inner</p></div><style>p > a {}</style></section>'
            '<footer><p>End</p></footer></body>')
    got = [(section, tag, text) for section, tag, text, _ in html_blocks(html)]
    assert got == [
        ("top", "p", "Brand & Co"),
        ("one", "h2", "1. One"),
        ("one", "p", "Text with a link."),
        ("one", "li", "Item one Nested"),
        ("one", "li", "Nested"),
        ("one", "tr", "A B"),
        ("one", "tr", "x y"),
        ("one", "div", "Own text Inner"),
        ("one", "p", "Inner"),
        ("footer", "p", "End"),
    ]


# -- the command

def test_explain_json_prints_the_documented_keys(cli):
    code, stdout, stderr = cli("explain", EXAMPLES / "itsminer.yaml", "--json")
    assert (code, stderr) == (0, "")
    blocks = json.loads(stdout)
    assert blocks and all(set(b) - {"citation"} == {"section", "text", "laws", "facts"} for b in blocks)
    assert all(isinstance(b["laws"], list) and isinstance(b["facts"], list) and b["text"] for b in blocks)


def test_explain_text_lists_each_block(cli):
    code, stdout, stderr = cli("explain", EXAMPLES / "itsminer.yaml", "--section", "gdpr")
    assert (code, stderr) == (0, "")
    lines = stdout.splitlines()
    assert re.match(r"\[gdpr\] (h2|summary): .*GDPR", lines[0]) and lines[1] == "    laws: gdpr"
    assert sum(1 for line in lines if line.startswith("[gdpr] ")) == len(explain(load(EXAMPLES / "itsminer.yaml"), "gdpr"))
    # A folded law has no section to ask for.
    code, stdout, stderr = cli("explain", EXAMPLES / "aziminer.yaml", "--section", "gdpr")
    assert code == 2 and stdout == "" and "got 'gdpr'" in stderr


def test_explain_an_unknown_section_names_the_valid_ones(cli):
    code, stdout, stderr = cli("explain", EXAMPLES / "aziminer.yaml", "--section", "nope")
    assert code == 2 and stdout == ""
    assert "--section: expected one of introduction, controller," in stderr and "got 'nope'" in stderr
    assert "Traceback" not in stderr


def test_explain_bad_facts_exit_2_like_build(cli, minimal_facts, tmp_path):
    minimal_facts["audience"]["minimum_age"] = "eighteen"
    code, stdout, stderr = cli("explain", write_facts(tmp_path, minimal_facts))
    assert code == 2 and stdout == ""
    assert stderr.strip().endswith('audience.minimum_age: must be an integer between 13 and 21, got "eighteen"')
