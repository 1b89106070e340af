"""The redline page of `policygen diff --html`: the new policy's text with insertions and deletions marked."""

from __future__ import annotations

import difflib
import re

from jinja2 import DictLoader, Environment, StrictUndefined

# Our own page layout, not user text: every fact and sentence reaches it as an autoescaped value.
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Changes: {{ old }} → {{ new }}</title>
<style>
body { font: 16px/1.5 system-ui, sans-serif; max-width: 50rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
ins { background: #d7f5dd; color: #0b4d1c; text-decoration: none; }
del { background: #fbdcdc; color: #7a1010; }
.status { font-size: .8rem; text-transform: uppercase; letter-spacing: .05em; padding: .1rem .4rem; border-radius: .2rem; background: #eee; }
.added .status { background: #d7f5dd; } .removed .status { background: #fbdcdc; } .changed .status { background: #fdf0c4; }
section.unchanged { color: #666; }
p.line { margin: .3rem 0; }
table.facts td { padding: .2rem .6rem; vertical-align: top; }
</style>
</head>
<body>
<h1>Privacy policy changes</h1>
<p>From <code>{{ old }}</code> to <code>{{ new }}</code>.</p>
<h2>Facts</h2>
{% if facts %}
<table class="facts">
{% for change in facts %}
<tr><td><code>{{ change.key }}</code></td><td><del>{{ show(change.old) }}</del></td><td><ins>{{ show(change.new) }}</ins></td></tr>
{% endfor %}
</table>
{% else %}
<p>No fact changed.</p>
{% endif %}
<h2>Sections</h2>
{% for s in sections %}
<section class="{{ s.status }}" id="{{ s.id }}">
<h3><span class="status">{{ s.status }}</span> {{ s.number }}. {{ s.title }}</h3>
{% for line in s.lines %}
<p class="line">{% for kind, text in line %}{% if kind == "ins" %}<ins>{{ text }}</ins>{% elif kind == "del" %}<del>{{ text }}</del>{% else %}{{ text }}{% endif %}{% endfor %}</p>
{% endfor %}
</section>
{% endfor %}
</body>
</html>
"""


def _environment() -> Environment:
    env = Environment(loader=DictLoader({"redline.html": PAGE}), autoescape=True, undefined=StrictUndefined,
                      trim_blocks=True, lstrip_blocks=True)
    return env


def _words(line: str) -> list[str]:
    return re.findall(r"\s+|\S+", line)


def marked_line(old: str, new: str) -> list[tuple[str, str]]:
    """One line as segments ('', 'ins', 'del'), word by word."""
    a, b = _words(old), _words(new)
    segments: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            segments.append(("", "".join(a[i1:i2])))
            continue
        if i2 > i1:
            segments.append(("del", "".join(a[i1:i2])))
        if j2 > j1:
            segments.append(("ins", "".join(b[j1:j2])))
    return segments


def marked_lines(old: list[str], new: list[str]) -> list[list[tuple[str, str]]]:
    """The lines of a section, each one plain, inserted, deleted or marked word by word."""
    lines: list[list[tuple[str, str]]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if op == "equal":
            lines += [[("", line)] for line in new[j1:j2]]
        elif op == "delete":
            lines += [[("del", line)] for line in old[i1:i2]]
        elif op == "insert":
            lines += [[("ins", line)] for line in new[j1:j2]]
        else:
            for k in range(max(i2 - i1, j2 - j1)):
                a = old[i1 + k] if i1 + k < i2 else None
                b = new[j1 + k] if j1 + k < j2 else None
                if a is None:
                    lines.append([("ins", b)])
                elif b is None:
                    lines.append([("del", a)])
                elif difflib.SequenceMatcher(None, _words(a), _words(b), autojunk=False).ratio() >= 0.5:
                    lines.append(marked_line(a, b))
                else:
                    lines += [[("del", a)], [("ins", b)]]
    return lines


def redline_page(old: str, new: str, facts, sections) -> str:
    from generator.diff import show  # noqa: PLC0415

    shown = [dict(status=s.status, id=s.id, title=s.title, number=s.new_number or s.old_number,
                  lines=marked_lines(s.old_lines, s.new_lines)) for s in sections]
    return _environment().get_template("redline.html").render(old=old, new=new, facts=facts, sections=shown, show=show)
