"""Markdown from the policy's HTML, so both say exactly the same thing.

The HTML is the policy's own, so the converter only needs the elements the templates
use, whatever their wording: sections and other containers, headings, paragraphs, lists,
tables, definition lists, links, emphasis and code. It is parsed with lxml (libxml2), and
the output uses only syntax that CommonMark and GitHub both render.

Facts text reaches the policy as text nodes, and every text node is escaped here, so no
facts value can become Markdown syntax or raw HTML: the only raw HTML written is
`<a id="…"></a>` for the ids of the policy's own elements (checked against `_ID`), which
its cross-references link to because Markdown renderers name headings their own way.
Links are kept only for http(s):, mailto: and in-page targets that exist.
"""

from __future__ import annotations

import re
from urllib.parse import quote

_ID = re.compile(r"[a-z0-9-]+\Z")
_SCHEME = re.compile(r"(?:https?|mailto):", re.I)
# A text node's characters as Markdown: backslash before each that can start syntax
# anywhere in a line ("!" only before "[", handled in _escape; "(" and ")" only after "]",
# which is always escaped), HTML's white space as a space (a browser folds runs of it into
# one; a no-break space is text), and no control characters (SEP and PIPE are among them).
_TEXT = str.maketrans({
    **{c: "\\" + c for c in "\\`*_[]<>#|~&"},
    **{c: " " for c in " \t\n\r\f\v"},
    **{chr(c): None for c in [*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f]},
})
# At the start of a block's line these begin a list, a thematic break or a setext underline.
_BLOCK_START = re.compile(r"^([-+=])|^(\d{1,9})([.)])(?= |$)", re.M)
_CODE = str.maketrans({**{c: " " for c in " \t\n\r\f\v"}, "|": "\x01",
                       **{chr(c): None for c in [*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f]}})
_SPACES = re.compile(r" {2,}")
_BACKTICKS = re.compile(r"`+")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Percent-encoded in link targets: space, ( ) < > " \ ` | { } ^ and everything not ASCII.
_URL_SAFE = "!#$%&'*+,/:;=?@[]~"

SEP = "\x00"     # between blocks flattened into one line (a list inside a table cell)
PIPE = "\x01"    # a "|" inside a code span: escaped in table cells, literal elsewhere
BREAK = "\n"     # a <br>

# Not part of the text: page furniture (Markdown viewers make their own outline from the
# headings, so the table of contents is left out) and anything that is not text.
SKIPPED = frozenset({"head", "script", "style", "template", "noscript", "nav", "colgroup", "col", "img",
                     "picture", "svg", "math", "iframe", "object", "embed", "video", "audio", "canvas",
                     "input", "button", "select", "textarea", "meta", "link"})
BLOCKS = frozenset({"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "dl", "dt", "dd", "li", "table",
                    "blockquote", "pre", "hr", "section", "main", "header", "footer", "aside", "div",
                    "article", "details", "summary", "address", "figure", "figcaption", "caption",
                    "form", "fieldset", "body", "thead", "tbody", "tfoot", "tr", "td", "th"})
HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
BOLD_BLOCKS = frozenset({"dt", "summary", "caption", "figcaption"})


def html_to_markdown(html: str) -> str:
    from lxml import etree  # noqa: PLC0415 - only needed for .md output

    # Plain etree elements: lxml.html's element classes cost a Python call per element.
    root = etree.fromstring(html, etree.HTMLParser(remove_comments=True, remove_pis=True, no_network=True))
    body = root.find("body") if root is not None else None
    if body is None:
        return "\n"
    skipped = " or ".join(f"ancestor-or-self::{tag}" for tag in sorted(SKIPPED))
    ids = {i for i in body.xpath(f".//*[@id][not({skipped})]/@id") if _ID.match(i)}
    converter = _Converter(ids)
    text = converter.document(body)
    if converter.linked - converter.anchored:  # an id the walk never wrote: link only to those it did
        converter = _Converter(converter.anchored)
        text = converter.document(body)
    return text


def _escape(text: str) -> str:
    """A text node as Markdown that shows exactly that text."""
    text = text.translate(_TEXT)
    # A "!" right before a link of ours would turn it into an image.
    return text[:-1] + "\\!" if text.endswith("!") else text


def _protect_line_starts(text: str) -> str:
    return _BLOCK_START.sub(lambda m: f"\\{m[1]}" if m[1] else f"{m[2]}\\{m[3]}", text)


def _finish(raw: str, sep: str = "; ", br: str = "\\\n", pipe: str = "|") -> str:
    """Inline Markdown with its markers resolved: blocks joined by `sep`, <br> as `br`."""
    if SEP not in raw and BREAK not in raw:  # the common case, kept fast
        text = _SPACES.sub(" ", raw).strip(" ") if "  " in raw else raw.strip(" ")
        return text.replace(PIPE, pipe) if PIPE in text else text
    parts = []
    for part in raw.split(SEP):
        lines = [line for line in (_SPACES.sub(" ", line).strip(" ") for line in part.split(BREAK)) if line]
        if lines:
            parts.append(br.join(lines))
    return sep.join(parts).replace(PIPE, pipe)


def _code(text: str) -> str:
    """A code span; its content is literal, so it is fenced by more backticks than it holds."""
    text = _SPACES.sub(" ", text.translate(_CODE))
    if not text.strip(" "):
        return text
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _wrap(inner: str, marker: str) -> str:
    """Emphasis around inline Markdown, with its outer spaces kept outside the markers."""
    core = inner.strip()
    if not core or SEP in core or BREAK in core:
        return inner
    lead = " " if inner[:1].isspace() else ""
    trail = " " if inner[-1:].isspace() else ""
    return f"{lead}{marker}{core}{marker}{trail}"


def _join(blocks: list[tuple[str, str]], in_item: bool = False) -> str:
    """Blocks one after another with a blank line between them; in a list item, a nested
    list that can interrupt a paragraph follows it directly, so that the item stays tight."""
    out = []
    for index, (kind, text) in enumerate(blocks):
        if index:
            tight = in_item and blocks[index - 1][0] == "p" and (
                kind in ("list--", "list-*") or text.startswith(("1.", "1)")))
            out.append("\n" if tight else "\n\n")
        out.append(text)
    return "".join(out)


class _Converter:
    def __init__(self, ids: set[str]):
        self.ids = ids                  # the ids an in-page link may point to
        self.anchored: set[str] = set()  # the ids written as anchors
        self.linked: set[str] = set()    # the ids linked to

    def document(self, body) -> str:
        text = _join(self.blocks(body))
        return text.strip() + "\n"

    def anchor(self, element) -> str:
        ident = element.get("id")
        if ident is None or ident not in self.ids:
            return ""
        self.anchored.add(ident)
        return f'<a id="{ident}"></a>'

    # -- inline content: one line of Markdown, with SEP, PIPE and BREAK markers ------------

    def inline(self, element) -> str:
        parts = [_escape(element.text)] if element.text else []
        for child in element:
            tag = child.tag
            if isinstance(tag, str) and tag not in SKIPPED:
                parts.append(self.anchor(child))
                parts.append(self.inline_element(child, tag))
            if child.tail:
                parts.append(_escape(child.tail))
        return "".join(parts)

    def inline_element(self, element, tag: str) -> str:
        if tag in ("strong", "b"):
            return _wrap(self.inline(element), "**")
        if tag in ("em", "i", "cite", "dfn"):
            return _wrap(self.inline(element), "*")
        if tag in ("code", "kbd", "samp", "tt"):
            return _code("".join(element.itertext()))
        if tag == "a":
            return self.link(element)
        if tag == "br":
            return BREAK
        if tag in BLOCKS:  # a block where only a line fits (a list in a table cell)
            return SEP + self.inline(element) + SEP
        return self.inline(element)

    def link(self, element) -> str:
        label = _finish(self.inline(element), sep=" ", br=" ", pipe=PIPE)  # the cell, if any, escapes "|"
        target = self.target((element.get("href") or "").strip())
        if target is None or not label:
            return label
        return f"[{label}]({target})"

    def target(self, href: str) -> str | None:
        if href.startswith("#"):
            if href[1:] not in self.ids:
                return None
            self.linked.add(href[1:])
            return href
        if not _SCHEME.match(href):
            return None  # javascript:, data:, relative paths… are shown as text only
        return _ENTITY_LIKE.sub(r"\\&", quote(href, safe=_URL_SAFE))

    # -- blocks: (kind, Markdown) pairs, kind "p", "heading", "table", "list-" + marker… ----

    def blocks(self, element) -> list[tuple[str, str]]:
        out: list[tuple[str, str]] = []
        run = [_escape(element.text)] if element.text else []
        for child in element:
            tag = child.tag
            if not isinstance(tag, str) or tag in SKIPPED:
                pass
            elif tag in BLOCKS:
                self.paragraph(out, "".join(run))
                run = []
                anchor = self.anchor(child)
                if anchor:
                    out.append(("p", anchor))
                self.block(out, child, tag)
            else:
                run.append(self.anchor(child))
                run.append(self.inline_element(child, tag))
            if child.tail:
                run.append(_escape(child.tail))
        self.paragraph(out, "".join(run))
        return out

    @staticmethod
    def paragraph(out: list, raw: str) -> None:
        text = _finish(raw, sep="\n\n")
        if text:
            out.append(("p", _protect_line_starts(text)))

    def block(self, out: list, element, tag: str) -> None:
        if tag in HEADINGS:
            text = _finish(self.inline(element), sep=" ", br=" ")
            if text:
                out.append(("heading", "#" * HEADINGS[tag] + " " + text))
        elif tag == "p":
            self.paragraph(out, self.inline(element))
        elif tag in BOLD_BLOCKS:
            text = _finish(self.inline(element), sep=" ", br=" ")
            if text:  # a term already in bold (or partly) keeps its own emphasis
                out.append(("p", _protect_line_starts(text if "**" in text else _wrap(text, "**"))))
        elif tag in ("ul", "ol"):
            self.list(out, element, ordered=tag == "ol")
        elif tag == "table":
            self.table(out, element)
        elif tag == "blockquote":
            inner = _join(self.blocks(element))
            if inner:
                out.append(("quote", "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))))
        elif tag == "pre":
            self.pre(out, element)
        elif tag == "hr":
            out.append(("hr", "* * *"))
        else:  # section, div, aside, dl, dd, details…: their content, block by block
            out.extend(self.blocks(element))

    def list(self, out: list, element, ordered: bool) -> None:
        # Two lists in a row with the same marker would merge into one: alternate the marker.
        previous = out[-1][0] if out else ""
        if ordered:
            delimiter = ")" if previous == "list-." else "."
            try:
                start = max(0, min(int(element.get("start", "1")), 999_999_999))
            except ValueError:
                start = 1
        else:
            bullet = "*" if previous == "list--" else "-"
        items = []
        number = start if ordered else 0
        for item in element:
            if not isinstance(item.tag, str) or item.tag in SKIPPED:
                continue
            marker = f"{number}{delimiter} " if ordered else f"{bullet} "
            number += 1
            anchor = self.anchor(item)
            blocks = self.blocks(item) if item.tag == "li" or item.tag in BLOCKS else []
            if item.tag not in BLOCKS:  # not an item: an inline element straight in the list
                blocks = [("p", _finish(self.inline_element(item, item.tag)))]
            if anchor:
                blocks.insert(0, ("p", anchor))
            body = _join(blocks, in_item=True)
            indent = " " * len(marker)
            lines = body.split("\n")
            items.append(marker + lines[0] + "".join(f"\n{indent}{line}" if line else "\n" for line in lines[1:]))
        if items:
            out.append((f"list-{delimiter if ordered else bullet}", "\n".join(i.rstrip() for i in items)))

    def table(self, out: list, element) -> None:
        rows: list[list[str]] = []
        for part in element:
            tag = part.tag
            if not isinstance(tag, str) or tag in SKIPPED:
                continue
            if tag == "caption":
                anchor = self.anchor(part)
                if anchor:
                    out.append(("p", anchor))
                self.block(out, part, tag)
            elif tag == "tr":
                rows.append(self.row(part))
            elif tag in ("thead", "tbody", "tfoot"):
                anchor = self.anchor(part)
                if anchor:
                    out.append(("p", anchor))
                rows.extend(self.row(tr) for tr in part if tr.tag == "tr")
        if not rows:
            return
        width = max(len(row) for row in rows)
        rows = [row + [""] * (width - len(row)) for row in rows]
        lines = ["| " + " | ".join(row) + " |" for row in rows]
        lines.insert(1, "|" + " --- |" * width)
        out.append(("table", "\n".join(lines)))

    def row(self, tr) -> list[str]:
        cells = []
        row_anchor = self.anchor(tr)
        for cell in tr:
            if cell.tag not in ("td", "th"):
                continue
            text = _finish(self.anchor(cell) + self.inline(cell), sep="; ", br="; ", pipe="\\|")
            if not cells and row_anchor:
                text = row_anchor + text
            try:
                span = max(1, min(int(cell.get("colspan", "1")), 100))
            except ValueError:
                span = 1
            cells += [text] + [""] * (span - 1)
        return cells

    @staticmethod
    def pre(out: list, element) -> None:
        text = "".join(element.itertext()).strip("\n")
        fence = "`" * max(3, max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
        out.append(("pre", f"{fence}\n{text}\n{fence}"))
