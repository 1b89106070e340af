"""Markdown output: the same policy, safe to render, with its cross-references still working.

The Markdown is checked as a reader sees it: rendered by markdown-it-py (CommonMark with
GitHub's table and strikethrough extensions) and compared with the policy's own HTML.
"""

from __future__ import annotations

import copy
import re
from urllib.parse import unquote

import pytest
import yaml
from lxml import etree
from markdown_it import MarkdownIt

from conftest import EXAMPLES, render_html
from generator.markdown import html_to_markdown

ANCHOR_TAG = re.compile(r'<a id="[a-z0-9-]+">\Z|</a>\Z')
HOSTILE_URL = "https://evil.example/a)b](javascript:alert(1))%20x*y_|z`?q=(1)&amp;lt;"
HOSTILE = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[x](javascript:alert(1))",
    "# heading",
    "| a | b |",
    "*bold* and __under__ ~~gone~~",
    "``code`` and `tick",
    "<!-- open comment",
    "1. not a list",
    "- not an item",
    "&lt;b&gt; entity &amp; \\ backslash!",
]


def commonmark() -> MarkdownIt:
    return MarkdownIt("commonmark").enable(["table", "strikethrough"])


def tree(html: str):
    return etree.fromstring(html, etree.HTMLParser())


def text_of(element) -> str:
    return " ".join("".join(element.itertext()).split())


def outside_nav(root, xpath: str) -> list:
    """The policy's elements the Markdown keeps: the table of contents is left out."""
    return root.xpath(f"//body//{xpath}[not(ancestor::nav)]")


def rendered(markdown: str):
    """(tokens, HTML) as a CommonMark/GFM renderer makes them."""
    md = commonmark()
    tokens = md.parse(markdown)
    return tokens, md.render(markdown)


def all_tokens(tokens):
    for token in tokens:
        yield token
        yield from all_tokens(token.children or [])


def hostile_facts() -> dict:
    data = yaml.safe_load((EXAMPLES / "itsminer.yaml").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data["company"]["brand"] = HOSTILE[0]
    data["company"]["description"] = HOSTILE[1]
    data["company"]["address"] = " ".join(HOSTILE[2:5])
    data["retention"] = {"default": HOSTILE[5], "account": HOSTILE[6], "logs": HOSTILE[7]}
    data["kyc"] = {"vendor": {"name": HOSTILE[8], "website": HOSTILE_URL, "country": "us", "purpose": HOSTILE[9]},
                   "documents": ["government_id"], "storage_region": "hk"}
    data["retention"]["kyc"] = HOSTILE[10]
    data["analytics"] = ["google_analytics", {"name": HOSTILE[4], "website": HOSTILE_URL, "country": "us",
                                              "purpose": HOSTILE[2], "privacy_url": HOSTILE_URL + "#frag"}]
    return data


def check_markdown(html: str, markdown: str) -> str:
    """Every safety and structure property; returns the rendered HTML for further checks."""
    tokens, out = rendered(markdown)
    flat = list(all_tokens(tokens))
    assert not [t.content for t in flat if t.type == "html_block"]
    raw = [t.content for t in flat if t.type == "html_inline"]
    assert raw and all(ANCHOR_TAG.match(r) for r in raw), [r for r in raw if not ANCHOR_TAG.match(r)]
    assert "<script" not in out and "<img" not in out and "javascript:" not in re.findall(r'href="([^"]*)"', out)
    hrefs = [t.attrGet("href") for t in flat if t.type == "link_open"]
    assert hrefs and all(re.match(r"(https?:|mailto:|#[a-z0-9-]+\Z)", h) for h in hrefs), hrefs
    anchors = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', markdown))
    assert {h[1:] for h in hrefs if h.startswith("#")} <= anchors
    # Each web and mail link goes exactly where the policy's does: no ")" or space broke out of it.
    source_hrefs = [h for h in outside_nav(tree(html), "a/@href") if re.match("https?:|mailto:", h)]
    assert sorted(map(unquote, source_hrefs)) == sorted(unquote(h) for h in hrefs if not h.startswith("#"))

    source, result = tree(html), tree(out)
    assert len(result.xpath("//h1|//h2|//h3|//h4|//h5|//h6")) == \
        len(outside_nav(source, "*[self::h1 or self::h2 or self::h3 or self::h4 or self::h5 or self::h6]"))
    # Tables keep their shape (no "|" in a value breaks a row), lists their items.
    shape = [[len(tr.xpath("td|th")) for tr in table.xpath(".//tr")] for table in outside_nav(source, "table")]
    assert shape == [[len(tr.xpath("td|th")) for tr in table.xpath(".//tr")] for table in result.xpath("//table")]
    assert len(outside_nav(source, "li[not(ancestor::table)]")) == len(result.xpath("//li"))
    return out


def test_markdown_keeps_sections_and_links():
    from generator.facts import load
    from generator.render import render

    html = render(load(EXAMPLES / "itsminer.yaml")).html
    markdown = html_to_markdown(html)
    anchors = set(re.findall(r'<a id="([^"]+)"></a>', markdown))
    assert set(re.findall(r'<section id="([^"]+)"', html)) <= anchors
    assert "# Privacy Policy" in markdown and "## 1. About this policy" in markdown
    assert "privacy@itsminer.com" in markdown
    check_markdown(html, markdown)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_example_renders_safely_with_the_same_structure(path):
    from generator.facts import load
    from generator.render import render

    html = render(load(path)).html
    markdown = html_to_markdown(html)
    check_markdown(html, markdown)
    assert markdown == html_to_markdown(html)  # deterministic
    assert "****" not in markdown and "\\x0" not in repr(markdown)  # no doubled bold, no marker left


def test_hostile_facts_text_stays_text():
    html = render_html(hostile_facts())
    markdown = html_to_markdown(html)
    out = check_markdown(html, markdown)
    source, result = text_of(tree(html).find("body")), text_of(tree(out))
    for value in HOSTILE:
        shown = " ".join(value.split())
        if shown in source:
            assert shown in result, value
    assert HOSTILE[0] in source and HOSTILE[0] in result  # the brand, as text
    assert any("evil.example" in h for h in tree(html).xpath("//a/@href"))  # checked in check_markdown


def test_markdown_escapes_nothing_it_should_not(minimal_facts):
    minimal_facts["company"]["legal_name"] = "Under_score *Star* Mining"
    markdown = html_to_markdown(render_html(minimal_facts))
    assert "Under\\_score \\*Star\\* Mining" in markdown  # literal text, not emphasis
    assert "Under_score *Star* Mining" in text_of(tree(commonmark().render(markdown)))


PAGE = """<!DOCTYPE html><html><head><title>t</title><style>p{}</style></head><body>
<nav class="toc"><h2>Contents</h2><ol><li><a href="#one">One</a></li></ol></nav>
<section id="one"><h2><span class="num">1.</span> One</h2>
<p>Intro with <strong>bold</strong>, <em>em</em>, <code>a`b|c</code> and a<br>break.</p>
<ul><li>first<ul><li>nested <a href="#two">two</a></li></ul></li><li><p>para one</p><p>para two</p></li></ul>
<ul><li>a second list</li></ul>
<ol start="3"><li>three</li><li>four</li></ol>
<dl><dt>Term</dt><dt><strong>Bold term</strong></dt><dd>Definition <a href="javascript:alert(1)">bad link</a> <a href="#nowhere">dangling</a></dd></dl>
<table><caption>Caption</caption><thead><tr><th>A</th><th>B</th></tr></thead>
<tbody><tr><td><ul><li>x</li><li>y</li></ul></td><td><p>p1</p><p>p2</p></td></tr>
<tr><td colspan="2">wide | cell</td></tr></tbody></table>
<details><summary>More</summary><p>Hidden <a href="https://x.example/a b(c)">link</a></p></details>
<div id="Bad_ID"><p>bad id</p></div><aside><p>aside</p></aside>
</section><section id="two"><h3>Two</h3><blockquote><p>quoted</p></blockquote><pre>code ``` here</pre></section>
<footer><p>footer</p></footer><script>alert(1)</script></body></html>"""


def test_each_element_of_a_page_becomes_its_markdown():
    markdown = html_to_markdown(PAGE)
    tokens, out = rendered(markdown)
    result = tree(out)
    assert "Contents" not in markdown and "alert" not in markdown
    assert [h.tag for h in result.xpath("//h2|//h3")] == ["h2", "h3"]
    assert "## 1. One" in markdown
    paragraph = result.xpath("//p[starts-with(., 'Intro')]")[0]
    assert paragraph.find("strong").text == "bold" and paragraph.find("em").text == "em"
    assert paragraph.find("code").text == "a`b|c" and paragraph.find("br") is not None
    lists = result.xpath("//ul[not(ancestor::li)]")
    assert len(lists) == 2  # two lists in a row stay two lists
    assert [text_of(li) for li in lists[0].xpath("./li/ul/li")] == ["nested two"]
    assert lists[0].xpath("./li/ul/li/a")[0].get("href") == "#two"
    assert len(lists[0].xpath("./li[2]/p")) == 2
    ordered = result.xpath("//ol")[0]
    assert ordered.get("start") == "3" and [text_of(li) for li in ordered] == ["three", "four"]
    assert [s.text for s in result.xpath("//p/strong")][1:3] == ["Term", "Bold term"] and "****" not in markdown
    assert "bad link" in out and "dangling" in out and "#nowhere" not in out and "javascript" not in out
    rows = [[text_of(c) for c in tr] for tr in result.xpath("//table//tr")]
    assert rows == [["A", "B"], ["x; y", "p1; p2"], ["wide | cell", ""]]
    assert result.xpath('//a[text()="link"]')[0].get("href") == "https://x.example/a%20b%28c%29"
    assert '<a id="one"></a>' in markdown and '<a id="two"></a>' in markdown and "Bad_ID" not in markdown
    assert result.xpath("//blockquote/p")[0].text == "quoted"
    assert result.xpath("//pre/code")[0].text == "code ``` here\n"
    assert "footer" in out and "aside" in out and "**More**" in markdown


@pytest.mark.parametrize("text, expected", [
    ("1. one", "1\\. one"), ("- dash", "\\- dash"), ("+ plus", "\\+ plus"), ("= eq", "\\= eq"),
    ("> quote", "\\> quote"), ("# hash", "\\# hash"), ("    code", "code"), ("Hi!", "Hi\\!"),
    ("\u00a0- nbsp", "\u00a0\\- nbsp"), ("\u20281. line separator", "1\\. line separator"),
    ("a<br>- b<br>\u00a0", "a\\\n\\- b"),
])
def test_a_paragraph_that_looks_like_syntax_stays_a_paragraph(text, expected):
    markdown = html_to_markdown(f"<body><p>{text}</p></body>")
    assert markdown == expected + "\n"
    tokens = commonmark().parse(markdown)
    assert [t.type for t in tokens] == ["paragraph_open", "inline", "paragraph_close"]


@pytest.mark.parametrize("html, shown", [
    ("a <strong>(x)</strong> b", "a <strong>(x)</strong> b"),
    ("a<strong>(x)</strong>b", "a(x)b"),  # "**" there would not be read as bold, and would show
    ("x<em>y</em>z <strong>a <em>b</em></strong>", "x<em>y</em>z <strong>a <em>b</em></strong>"),
    ("<strong> spaced </strong>end", " <strong>spaced</strong> end"),
])
def test_emphasis_is_written_only_where_it_reads_as_emphasis(html, shown):
    out = commonmark().render(html_to_markdown(f"<body><p>{html}</p></body>"))
    assert out == f"<p>{shown.strip()}</p>\n"
