"""`policygen explain`: each block of the rendered policy, in reading order, with the laws and facts behind it.

The record comes from the render itself (generator/render.py `render_recorded`): which view attributes,
law profiles and law tests each stretch of HTML read. This module cuts the HTML into blocks (paragraphs,
list items, table rows, headings, dt/dd, captions, and any other element with text of its own, such as
a callout) and gives each block the union of what the stretches under its text read. Then:

- a regional section's blocks all serve its law, and a block that names a law that applies
  ("Art. 6(1)(f) GDPR") serves it;
- a facts value that appears literally in a block's text (the brand, an email, a URL, a vendor's or
  region's name, a retention period) states its facts key, even where no attribute read recorded it;
- only laws that apply to the policy are reported (the view offers no other law to record).
"""

from __future__ import annotations

import bisect
import datetime as dt
import html as htmlmod
import json
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

from pydantic import BaseModel

from generator import catalog
from generator.clauses import PlannedSection, applicable_laws
from generator.errors import UsageError
from generator.facts import Facts
from generator.view import long_date

# Elements that are a block whenever they have text.
HEADING_TAGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
BLOCK_TAGS = frozenset({"p", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "caption",
                        "blockquote", "figcaption", "pre", "address", "summary", "legend", "label"})
# Elements whose text belongs to the block around them.
INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "br", "cite", "code", "data", "dfn", "em", "i", "kbd",
                         "mark", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "time", "u", "var",
                         "wbr", "td", "th", "img", "col", "colgroup"})
VOID_TAGS = frozenset({"br", "img", "col", "hr", "meta", "link", "input", "wbr", "area", "base", "source"})
SKIP_TAGS = frozenset({"head", "style", "script", "template"})
# Parts of the page outside the numbered sections, named after their element.
LANDMARK_TAGS = frozenset({"header", "footer", "nav", "aside"})

_TOKEN = re.compile(r"<!--.*?-->|<!\w[^>]*>|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:\"[^\"]*\"|'[^']*'|[^'\">])*)>", re.S)
_ATTR = re.compile(r"([a-zA-Z_:][-a-zA-Z0-9_:.]*)\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s>]+))")
_SPACE = re.compile(r"\s+")


@dataclass
class Block:
    section: str
    text: str
    laws: list[str]
    facts: list[str]
    citation: str | None = None
    tag: str = ""

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"section": self.section, "text": self.text, "laws": self.laws, "facts": self.facts}
        if self.citation:
            out["citation"] = self.citation
        return out


@dataclass
class _Open:
    tag: str
    start: int
    section: str
    text: list[str] = field(default_factory=list)
    spans: list[tuple[int, int]] = field(default_factory=list)
    own_text: bool = False


def html_blocks(html: str) -> list[tuple[str, str, str, list[tuple[int, int]]]]:
    """(section, tag, text, text spans) for each block of an HTML page, in reading order."""
    found: list[tuple[int, str, str, str, list[tuple[int, int]]]] = []
    stack: list[_Open] = []
    sections: list[tuple[str, str]] = []  # (tag, name) of the enclosing sections and landmarks
    pos = 0
    skip_until: str | None = None

    def text_run(start: int, end: int) -> None:
        raw = html[start:end]
        if not raw:
            return
        text = htmlmod.unescape(raw)
        for element in stack:
            element.text.append(text)
            element.spans.append((start, end))
        if text.strip():
            owner = next((e for e in reversed(stack) if e.tag not in INLINE_TAGS), None)
            if owner is not None:
                owner.own_text = True

    def close(element: _Open) -> None:
        # A law section's <summary> holds its heading: the heading is the block, not the summary again.
        if element.tag == "summary" and found and found[-1][0] > element.start and found[-1][2] in HEADING_TAGS:
            return
        if element.tag in BLOCK_TAGS or element.own_text:
            text = _SPACE.sub(" ", "".join(element.text)).strip()
            if text:
                found.append((element.start, element.section, element.tag, text, element.spans))

    for match in _TOKEN.finditer(html):
        if skip_until is not None:
            if match.group(2) and match.group(1) and match.group(2).lower() == skip_until:
                skip_until = None
            pos = match.end()
            continue
        text_run(pos, match.start())
        pos = match.end()
        if not match.group(2):
            continue  # comment or doctype
        closing, tag, rest = match.group(1), match.group(2).lower(), match.group(3) or ""
        if closing:
            if tag in INLINE_TAGS and tag not in ("td", "th"):
                continue
            # Close up to the matching element (tolerating omitted end tags such as </li>).
            if any(e.tag == tag for e in stack):
                while stack:
                    element = stack.pop()
                    close(element)
                    if element.tag == tag:
                        break
            if sections and sections[-1][0] == tag:
                sections.pop()
            continue
        if tag in SKIP_TAGS:
            if not rest.rstrip().endswith("/"):
                skip_until = tag
            continue
        if tag in VOID_TAGS or rest.rstrip().endswith("/"):
            if tag == "br":
                for element in stack:
                    element.text.append(" ")
            continue
        attrs = {m.group(1).lower(): htmlmod.unescape(m.group(2) or m.group(3) or m.group(4) or "")
                 for m in _ATTR.finditer(rest)}
        if tag == "section" and attrs.get("id"):
            sections.append((tag, attrs["id"]))
        elif tag in LANDMARK_TAGS and not any(t == "section" for t, _ in sections):
            name = attrs.get("id") or (attrs.get("class", "").split() or [tag])[0]
            sections.append((tag, name))
        if tag in INLINE_TAGS:
            if tag in ("td", "th"):  # cells of a row read as separate words
                for element in stack:
                    element.text.append(" ")
            continue
        # Block-level elements break the text of the blocks around them.
        for element in stack:
            element.text.append(" ")
        stack.append(_Open(tag, match.start(), sections[-1][1] if sections else "document"))
    text_run(pos, len(html))
    while stack:
        close(stack.pop())
    found.sort(key=lambda f: f[0])
    return [(section, tag, text, spans) for _, section, tag, text, spans in found]


def _accesses_for(html: str, spans: list[tuple[int, int]], segments, starts: list[int]) -> dict:
    """The union of what the segments under these text spans read (segments are sorted and contiguous).

    Whitespace between tags says nothing, so it takes nothing from the segment it sits in.
    """
    out: dict = {}
    for start, end in spans:
        if not html[start:end].strip():
            continue
        i = max(bisect.bisect_right(starts, start) - 1, 0)
        while i < len(segments) and segments[i].start < end:
            if segments[i].end > start:
                out.update(dict.fromkeys(segments[i].accesses))
            i += 1
    return out


@dataclass(frozen=True)
class RawBlock:
    section: str
    tag: str
    text: str
    accesses: dict


def attributed_blocks(html: str, segments) -> list[RawBlock]:
    """Each block of the HTML with the union of what the segments under its text read."""
    starts = [s.start for s in segments]
    return [RawBlock(section, tag, text, _accesses_for(html, spans, segments, starts))
            for section, tag, text, spans in html_blocks(html)]


def _flatten(prefix: str, value: Any) -> Iterable[tuple[str, Any]]:
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _flatten(f"{prefix}.{name}" if prefix else name, getattr(value, name))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _flatten(prefix, item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _flatten(prefix, item)
    else:
        yield prefix, value


def fact_values(facts: Facts) -> list[tuple[str, str]]:
    """(text, facts key) for each facts value distinctive enough to be recognised in a sentence.

    Catalog ids stand for their names: a KYC vendor id for the vendor's name, a region id for the
    region's name, a tool id for the tool's name.
    """
    cat = catalog.load()
    values: list[tuple[str, str]] = []

    def add(text: Any, key: str) -> None:
        if isinstance(text, str) and len(text.strip()) >= 4 and (text, key) not in values:
            values.append((text.strip(), key))

    for key, value in _flatten("", facts):
        if isinstance(value, bool) or value is None:
            continue
        if isinstance(value, dt.date):
            add(long_date(value), key)
            add(value.isoformat(), key)
            continue
        top = key.split(".")[0]
        if isinstance(value, str):
            if key in ("kyc.vendor",) and value in cat.kyc_vendors:
                entry = cat.kyc_vendors[value]
                add(entry["name"], key)
                add(entry["legal_name"], key)
            elif top == "analytics" and value in cat.trackers:
                add(cat.trackers[value]["name"], "analytics")
                add(cat.trackers[value]["legal_name"], "analytics")
            elif key in ("company.country", "audience.regions", "data_regions", "kyc.storage_region",
                         "kyc.vendor.country", "analytics.country"):
                add(cat.region_name(value), key)
            elif key == "kyc.documents" and value in cat.kyc_documents:
                add(cat.kyc_documents[value]["name"], key)
            elif key == "data_collected" and value in cat.data_categories:
                add(cat.data_categories[value]["name"], key)
            elif not _IDENTIFIER.match(value):
                # Ids and choices (`none`, `consent`, `hosting`) are words any sentence may use.
                add(value, key)
    return [(text, _shortest_key(key)) for text, key in values]


_IDENTIFIER = re.compile(r"^[a-z0-9_\-]+$")


def _shortest_key(key: str) -> str:
    """`kyc.vendor.name` of a custom vendor states `kyc.vendor`, as a read of p.kyc.vendor.name does."""
    from generator.provenance import model_keys  # noqa: PLC0415

    leaves = model_keys(Facts)[0]
    parts = key.split(".")
    return next((".".join(parts[:n]) for n in range(1, len(parts) + 1) if ".".join(parts[:n]) in leaves), key)


def _matched_facts(text: str, values: list[tuple[str, str]]) -> list[str]:
    folded = text.casefold()
    keys = []
    for value, key in values:
        if key not in keys and value.casefold() in folded:
            # A value matches as a word, not inside a longer word ("Asia" in "Asian").
            pattern = r"(?<!\w)" + re.escape(value.casefold()) + r"(?!\w)"
            if re.search(pattern, folded):
                keys.append(key)
    return keys


def law_names(laws: list[str]) -> list[tuple[str, str]]:
    """(name, law id) for each applying law's short and full name in the catalog, longest first."""
    cat = catalog.load()
    names = {}
    for law in laws:
        for name in (cat.laws[law].get("short"), cat.laws[law].get("name")):
            if isinstance(name, str) and len(name) >= 4:
                names.setdefault(name, law)
    return sorted(names.items(), key=lambda item: -len(item[0]))


def _named_laws(text: str, names: list[tuple[str, str]]) -> set[str]:
    """The applying laws a block names ("Art. 6(1)(f) GDPR"); "UK GDPR" does not also name the GDPR."""
    found = set()
    for name, law in names:
        pattern = r"(?<!\w)" + re.escape(name) + r"(?!\w)"
        if re.search(pattern, text):
            found.add(law)
            text = re.sub(pattern, " ", text)
    return found


def _recorded_as_built(facts: Facts, today: dt.date | None = None):
    """The policy as `build` writes it: dated today when the facts give no date, and with the Draft
    marker when `check` finds a gap (generator/build.py `checked`)."""
    from generator.build import Draft, with_effective_date  # noqa: PLC0415
    from generator.check import evaluate  # noqa: PLC0415
    from generator.render import render_recorded  # noqa: PLC0415

    today = today or dt.date.today()
    if facts.policy.effective_date is None:
        facts = with_effective_date(facts, today)
    recorded = render_recorded(facts)
    report = evaluate(facts, recorded.policy.html, today)
    if not report.ok:
        recorded = render_recorded(facts, Draft(len(report.missing), len(report.problems)))
    return recorded


def explain(facts: Facts, section: str | None = None) -> list[Block]:
    """The blocks of the policy for these facts, in reading order (only `section`'s, if given)."""
    recorded = _recorded_as_built(facts)
    planned: dict[str, PlannedSection] = {item.section.id: item.section for item in recorded.policy.sections}
    raw = attributed_blocks(recorded.policy.html, recorded.segments)
    if section is not None:
        valid = list(planned) + [s for s in dict.fromkeys(b.section for b in raw) if s not in planned]
        if section not in valid:
            raise UsageError(f"explain: --section: expected one of {', '.join(valid)}, got {section!r}")
    laws_order = applicable_laws(facts)
    names = law_names(laws_order)
    values = fact_values(facts)
    blocks = []
    for item in raw:
        sid, tag, text, accesses = item.section, item.tag, item.text, item.accesses
        if section is not None and sid != section:
            continue
        laws = {key for kind, key in accesses if kind == "law"} | _named_laws(text, names)
        owner = planned.get(sid)
        if owner is not None and owner.law:
            laws.add(owner.law)
        facts_keys = list(dict.fromkeys(key for kind, key in accesses if kind == "fact"))
        facts_keys += [k for k in _matched_facts(text, values) if k not in facts_keys]
        citations = list(dict.fromkeys(key for kind, key in accesses if kind == "cite"))
        blocks.append(Block(section=sid, text=text, laws=[law for law in laws_order if law in laws],
                            facts=sorted(facts_keys), citation="; ".join(citations) or None, tag=tag))
    return blocks


def report_json(blocks: list[Block]) -> str:
    return json.dumps([b.as_json() for b in blocks], indent=2, ensure_ascii=False)


def report_lines(blocks: list[Block], width: int = 100) -> list[str]:
    lines = []
    for block in blocks:
        text = block.text if len(block.text) <= width else block.text[: width - 1].rstrip() + "…"
        lines.append(f"[{block.section}] {block.tag}: {text}")
        lines.append(f"    laws: {', '.join(block.laws) or '(every policy)'}")
        lines.append(f"    facts: {', '.join(block.facts) or '(none)'}")
        if block.citation:
            lines.append(f"    citation: {block.citation}")
    return lines
