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
import unicodedata
from urllib.parse import quote

_ID = re.compile(r"[a-z0-9-]+\Z")
_SCHEME = re.compile(r"(?:https?|mailto):", re.I)
# A text node's characters as Markdown: backslash before each that can start syntax
# anywhere in a line ("!" only before "[", handled in _escape; "(" and ")" only after "]",
# which is always escaped), HTML's white space as a space (a browser folds runs of it into
# one; a no-break space is text), and no control characters (the markers below are among them).
_TEXT = str.maketrans({
    **{c: "\\" + c for c in "\\`*_[]<>#|~&"},
    **{c: " " for c in " \t\n\r\f\v\x85\u2028\u2029"},  # and what some Markdown readers split lines at
    **{chr(c): None for c in [*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f]},
})
# At the start of a block's line these begin a list, a thematic break or a setext underline.
# (Unicode spaces before them are not indentation in CommonMark, but are in some readers.)
_BLOCK_START = re.compile(r"^(\s*)(?:([-+=])|(\d{1,9})([.)])(?=\s|$))", re.M)
_CODE = str.maketrans({**{c: " " for c in " \t\n\r\f\v\x85\u2028\u2029"}, "|": "\x01",
                       **{chr(c): None for c in [*range(0x00, 0x09), *range(0x0e, 0x20), 0x7f]}})
_SPACES = re.compile(r" {2,}")
# A list that may start right under a paragraph line: bullets, or numbers from 1, with a
# non-empty first item (an empty one would read as a setext underline or as text).
_CAN_INTERRUPT = re.compile(r"(?:[-*]|1[.)]) \S")
_BACKTICKS = re.compile(r"`+")
_ENTITY_LIKE = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
# Percent-encoded in link targets: space, ( ) < > " \ ` | { } ^ and everything not ASCII.
_URL_SAFE = "!#$%&'*+,/:;=?@[]~"
_URL_IGNORED = re.compile(r"[\t\n\r]")

SEP = "\x00"     # between blocks flattened into one line (a list inside a table cell)
PIPE = "\x01"    # a "|" inside a code span: escaped in table cells, literal elsewhere
BREAK = "\n"     # a <br>
# Emphasis is written as markers first, and as "**" or "*" once its neighbours are known.
STRONG, EM = ("\x02", "\x03"), ("\x04", "\x05")
_DELIMITERS = {STRONG[0]: "**", EM[0]: "*"}
_INNERMOST = re.compile("([\x02\x04])([^\x02-\x05]*)([\x03\x05])")

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
    return _BLOCK_START.sub(lambda m: f"{m[1]}\\{m[2]}" if m[2] else f"{m[1]}{m[3]}\\{m[4]}", text)


def _finish(raw: str, sep: str = "; ", br: str = "\\\n", pipe: str = "|") -> str:
    """Inline Markdown with its markers resolved: blocks joined by `sep`, <br> as `br`."""
    if SEP not in raw and BREAK not in raw:  # the common case, kept fast
        text = _SPACES.sub(" ", raw).strip(" ") if "  " in raw else raw.strip(" ")
        if PIPE in text:
            text = text.replace(PIPE, pipe)
        return _emphasis(text) if STRONG[0] in text or EM[0] in text else text
    parts = []
    for part in raw.split(SEP):
        # A line of no-break spaces alone would end the paragraph for some readers, like an empty one.
        lines = [line for line in (_SPACES.sub(" ", line).strip(" ") for line in part.split(BREAK)) if line.strip()]
        if lines:
            parts.append(br.join(lines))
    text = sep.join(parts).replace(PIPE, pipe)
    return _emphasis(text) if STRONG[0] in text or EM[0] in text else text


def _punctuation(char: str) -> bool:
    # An emphasis marker not yet resolved counts as the "*" it will most likely become.
    return unicodedata.category(char)[0] in "PS" or "\x02" <= char <= "\x05"


def _emphasis(text: str) -> str:
    """Emphasis markers as "**"/"*" where CommonMark will read them as emphasis, else dropped.

    A delimiter opens only when followed by a character that is not white space and, if
    that is punctuation, preceded by white space or punctuation; a closer likewise, mirrored.
    Text like "(x)" in bold after a letter would otherwise show its asterisks.
    """
    while True:
        match = _INNERMOST.search(text)
        if match is None:
            return text
        start, end = match.span()
        before = text[start - 1] if start else " "
        after = text[end] if end < len(text) else " "
        content = match[2]
        opens = bool(content) and not content[0].isspace() and (
            not _punctuation(content[0]) or before.isspace() or _punctuation(before))
        closes = bool(content) and not content[-1].isspace() and (
            not _punctuation(content[-1]) or after.isspace() or _punctuation(after))
        delimiter = _DELIMITERS[match[1]] if opens and closes and match[1] == chr(ord(match[3]) - 1) else ""
        text = f"{text[:start]}{delimiter}{content}{delimiter}{text[end:]}"


def _code(text: str) -> str:
    """A code span; its content is literal, so it is fenced by more backticks than it holds."""
    text = _SPACES.sub(" ", text.translate(_CODE))
    if not text.strip(" "):
        return text
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(text)), default=0) + 1)
    pad = " " if text[0] in "` " or text[-1] in "` " else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def _wrap(inner: str, markers: tuple[str, str]) -> str:
    """Emphasis around inline Markdown, with its outer spaces kept outside the markers."""
    core = inner.strip(" ")
    if not core or SEP in core or BREAK in core:
        return inner
    lead = " " if inner[:1] == " " else ""
    trail = " " if inner[-1:] == " " else ""
    return f"{lead}{markers[0]}{core}{markers[1]}{trail}"


def _join(blocks: list[tuple[str, str]], in_item: bool = False) -> str:
    """Blocks one after another with a blank line between them; in a list item, a nested
    list that can interrupt a paragraph follows it directly, so that the item stays tight."""
    out = []
    for index, (kind, text) in enumerate(blocks):
        if index:
            tight = (in_item and kind.startswith("list") and blocks[index - 1][0] == "p"
                     and _CAN_INTERRUPT.match(text) is not None)
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
        return text.strip("\n") + "\n"

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
            return _wrap(self.inline(element), STRONG)
        if tag in ("em", "i", "cite", "dfn"):
            return _wrap(self.inline(element), EM)
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
        # As a browser does: white space around the address and tabs and newlines in it are dropped.
        target = self.target(_URL_IGNORED.sub("", (element.get("href") or "").strip(" \t\n\r\f")))
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
            out.append(("heading", ("#" * HEADINGS[tag] + " " + text).rstrip()))
        elif tag == "p":
            self.paragraph(out, self.inline(element))
        elif tag == "summary" and any(child.tag in HEADINGS for child in element if isinstance(child.tag, str)):
            out.extend(self.blocks(element))  # a summary that holds the section's heading stays a heading
        elif tag in BOLD_BLOCKS:
            text = _finish(self.inline(element), sep=" ", br=" ")
            if text:  # a term already in bold (or partly) keeps its own emphasis
                out.append(("p", _protect_line_starts(text if "**" in text else _emphasis(_wrap(text, STRONG)))))
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
