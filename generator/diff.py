"""`policygen diff`: which facts changed, and which sections of the policy change with them."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from generator.errors import EXIT_FAILED, EXIT_OK, FactsError
from generator.output import write_atomic

# Both versions are rendered with one date when a file leaves it out, so the date alone is no change.
UNDATED = dt.date(2000, 1, 1)

_BLOCKS = {"p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "dt", "dd", "blockquote", "pre", "div",
           "section", "table", "ul", "ol", "dl", "br", "caption", "figcaption"}


class _TextLines(HTMLParser):
    """The readable text of an HTML fragment: one line per paragraph, list item or table row."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.current: list[str] = []
        self.prefix = ""
        self.depth = 0

    def _flush(self) -> None:
        text = " ".join("".join(self.current).split())
        if text:
            self.lines.append(self.prefix + text)
        self.current, self.prefix = [], ""

    def handle_starttag(self, tag, attrs):
        if tag in _BLOCKS:
            self._flush()
        if tag in ("ul", "ol"):
            self.depth += 1
        elif tag == "li":
            self.prefix = "  " * max(self.depth - 1, 0) + "- "
        elif tag in ("td", "th") and "".join(self.current).strip():
            self.current.append(" | ")

    def handle_endtag(self, tag):
        if tag in ("ul", "ol"):
            self.depth = max(self.depth - 1, 0)
        if tag in _BLOCKS:
            self._flush()

    def handle_data(self, data):
        self.current.append(data)

    def close(self):
        super().close()
        self._flush()


def text_lines(html: str) -> list[str]:
    parser = _TextLines()
    parser.feed(html)
    parser.close()
    return parser.lines


# -- facts -------------------------------------------------------------------------

def flatten(value, prefix: str = "") -> dict[str, object]:
    """Dotted keys → leaf values; lists of plain values stay whole, lists of mappings go by index."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, child in value.items():
            out.update(flatten(child, f"{prefix}.{key}" if prefix else str(key)))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for index, child in enumerate(value):
            out.update(flatten(child, f"{prefix}[{index}]"))
        return out
    return {prefix: value}


def show(value) -> str:
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


@dataclass(frozen=True)
class FactChange:
    key: str
    old: object
    new: object

    def __str__(self) -> str:
        if isinstance(self.old, list) and isinstance(self.new, list):
            added = [v for v in self.new if v not in self.old]
            removed = [v for v in self.old if v not in self.new]
            parts = ([f"+{show(v)}" for v in added] + [f"-{show(v)}" for v in removed]) or ["order changed"]
            return f"{self.key}: {show(self.old)} → {show(self.new)} ({', '.join(parts)})"
        return f"{self.key}: {show(self.old)} → {show(self.new)}"


def fact_changes(old, new) -> list[FactChange]:
    a, b = flatten(old.model_dump(mode="json")), flatten(new.model_dump(mode="json"))
    keys = list(a) + [k for k in b if k not in a]
    return [FactChange(k, a.get(k), b.get(k)) for k in keys if a.get(k) != b.get(k)]


# -- sections ----------------------------------------------------------------------

@dataclass(frozen=True)
class SectionChange:
    status: str               # added | removed | changed | unchanged
    id: str
    title: str
    old_number: int | None
    new_number: int | None
    old_lines: list[str]
    new_lines: list[str]

    def heading(self) -> str:
        if self.old_number and self.new_number and self.old_number != self.new_number:
            number = f"{self.old_number} → {self.new_number}"
        else:
            number = str(self.new_number or self.old_number)
        return f"{self.status:<9} {number}. {self.title} [{self.id}]"


def section_changes(old_rendered, new_rendered) -> list[SectionChange]:
    old = {s.section.id: s for s in old_rendered.sections}
    new = {s.section.id: s for s in new_rendered.sections}
    order = [s.section.id for s in new_rendered.sections]
    # A removed section is listed where it stood: after the section that preceded it in the old policy.
    for index, item in enumerate(old_rendered.sections):
        if item.section.id not in new:
            before = [s.section.id for s in old_rendered.sections[:index] if s.section.id in order]
            order.insert(order.index(before[-1]) + 1 if before else 0, item.section.id)
    changes = []
    for sid in order:
        a, b = old.get(sid), new.get(sid)
        a_lines = text_lines(str(a.html)) if a else []
        b_lines = text_lines(str(b.html)) if b else []
        if a is None:
            status = "added"
        elif b is None:
            status = "removed"
        elif a_lines != b_lines or a.section.title != b.section.title:
            status = "changed"
        else:
            status = "unchanged"
        title = (b or a).section.title
        changes.append(SectionChange(status, sid, title, a.section.number if a else None,
                                     b.section.number if b else None, a_lines, b_lines))
    return changes


def _render(facts, other):
    from generator.build import with_effective_date  # noqa: PLC0415
    from generator.render import render  # noqa: PLC0415

    if facts.policy.effective_date is None:
        facts = with_effective_date(facts, other.policy.effective_date or UNDATED)
    return render(facts)


def _load_both(old_path: Path, new_path: Path):
    from generator.facts import load  # noqa: PLC0415

    loaded, problems = [], []
    for path in (old_path, new_path):
        try:
            loaded.append(load(path))
        except FactsError as exc:
            problems.extend(exc.problems)
    if problems:
        raise FactsError(problems)
    return loaded


def run(old_path: Path, new_path: Path, html_path: Path | None = None) -> int:
    old, new = _load_both(old_path, new_path)
    facts = fact_changes(old, new)
    sections = section_changes(_render(old, new), _render(new, old))
    differs = bool(facts) or any(s.status != "unchanged" for s in sections)
    print(report(old_path, new_path, facts, sections), end="")
    if html_path is not None:
        from generator.redline import redline_page  # noqa: PLC0415

        write_atomic(html_path, redline_page(str(old_path), str(new_path), facts, sections).encode("utf-8"))
    return EXIT_FAILED if differs else EXIT_OK


def report(old_path: Path, new_path: Path, facts: list[FactChange], sections: list[SectionChange]) -> str:
    out = [f"Facts: {len(facts)} changed" if facts else "Facts: no change"]
    out += [f"  {change}" for change in facts]
    counts = {status: sum(s.status == status for s in sections) for status in ("added", "removed", "changed", "unchanged")}
    out.append("")
    out.append("Sections: " + ", ".join(f"{n} {status}" for status, n in counts.items() if n))
    out += [f"  {s.heading()}" for s in sections]
    for s in sections:
        if s.status == "unchanged":
            continue
        out.append("")
        out += list(difflib.unified_diff(s.old_lines, s.new_lines, fromfile=f"{old_path} § {s.id}",
                                         tofile=f"{new_path} § {s.id}", lineterm="", n=1))
    return "\n".join(out) + "\n"
