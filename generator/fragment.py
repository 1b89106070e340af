"""The policy as an HTML fragment to paste into an existing site or CMS.

Cut from the standalone page, so the two never drift apart:
- no <html>, <head> or <body>: one <article class="policygen"> holding the page's body;
- every CSS rule scoped under `.policygen` (tinycss2 parses the page's own stylesheets) and
  made !important, with a reset at the root, so the host's rules (`* { color: red }`,
  `h2 { font-size: 5em }`, even `a { color: lime !important }`) do not reach the policy, and
  `rem` turned into pixels so the host's root font size does not either;
- every id and in-page link prefixed with `pg-`, so an id of the host (`#contact`) cannot collide;
- nothing that loads anything: the logo is already a data: URI, and @import or url() is refused.
"""

from __future__ import annotations

import re

import tinycss2

ROOT_CLASS = "policygen"
ID_PREFIX = "pg-"
ROOT_PX = 16   # 1rem of the standalone page (html { font-size: 100% } of a default browser)

# The host's author rules lose against these: the root starts from initial values (nothing is
# inherited from the host page) and every element inside starts from the browser's own defaults.
RESET = (f".{ROOT_CLASS} {{ all: initial !important; display: block !important; }}\n"
         f".{ROOT_CLASS} *, .{ROOT_CLASS} *::before, .{ROOT_CLASS} *::after {{ all: revert !important; }}\n")

_STYLE = re.compile(r'<style(?: media="([^"]+)")?>(.*?)</style>', re.S)
_BODY = re.compile(r"<body>(.*)</body>", re.S)
# Our templates quote every attribute with " and autoescape user text, so text never matches these.
# Whole attribute names only: data-id or xlink:href are not ours to rewrite.
_ID_ATTRIBUTE = re.compile(r'(?<![\w:-])(id|for|headers|aria-labelledby|aria-describedby|aria-controls)="([^"]*)"')
_LOCAL_LINK = re.compile(r'(?<![\w:-])href="#([^"]*)"')
_REM = re.compile(r"(?<![\w.-])(\d*\.?\d+)rem\b")


class FragmentError(ValueError):
    """The page does not have the shape our layout template gives it: a bug, not bad input."""


def html_to_fragment(page: str) -> str:
    body = _BODY.search(page)
    if body is None:
        raise FragmentError("the policy page has no <body>")
    lang = re.search(r'<html lang="([^"]*)"', page)
    css = RESET + "".join(scope_stylesheet(text, media) for media, text in _STYLE.findall(page))
    # The page's one script (unfolding the law sections for printing) stays behind: a host page runs its own.
    content = prefix_ids(_landmarks_for_a_host(re.sub(r"<script>.*?</script>\n?", "", body[1], flags=re.S).strip()))
    lang_attribute = f' lang="{lang[1]}"' if lang else ""
    return (f'<article class="{ROOT_CLASS}"{lang_attribute}>\n<style>\n{css}</style>\n'
            f"{content}\n</article>\n")


def _landmarks_for_a_host(body: str) -> str:
    """The host page has its own <main>: a second one would be a duplicate landmark."""
    return body.replace("<main>", '<div class="doc-main">').replace("</main>", "</div>")


def prefix_ids(html: str) -> str:
    def ids(match: re.Match) -> str:
        names = " ".join(ID_PREFIX + name for name in match[2].split())
        return f'{match[1]}="{names}"'

    html = _ID_ATTRIBUTE.sub(ids, html)
    return _LOCAL_LINK.sub(lambda m: f'href="#{ID_PREFIX}{m[1]}"', html)


def scope_stylesheet(css: str, media: str | None = None) -> str:
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    scoped = "".join(_scope_rule(rule) for rule in rules)
    return f"@media {media} {{\n{scoped}}}\n" if media else scoped


def _scope_rule(rule) -> str:
    if rule.type == "error":
        raise FragmentError(f"policy stylesheet: {rule.message}")
    if rule.type == "at-rule":
        keyword = rule.lower_at_keyword
        if keyword == "page":       # print page boxes belong to the host page, not to us
            return ""
        if keyword in ("media", "supports") and rule.content is not None:
            inner = tinycss2.parse_rule_list(rule.content, skip_comments=True, skip_whitespace=True)
            body = "".join(_scope_rule(r) for r in inner)
            return f"@{keyword} {tinycss2.serialize(rule.prelude).strip()} {{\n{body}}}\n"
        raise FragmentError(f"policy stylesheet: @{keyword} cannot be scoped")
    selectors = ", ".join(_scope_selector(s) for s in _split_selectors(rule.prelude))
    declarations = _REM.sub(lambda m: f"{_px(m[1])}px", _important(rule.content))
    if "url(" in declarations or "@import" in declarations:
        raise FragmentError("policy stylesheet: a fragment must not load anything (url() found)")
    return f"{selectors} {{ {declarations} }}\n"


def _important(content) -> str:
    """Every declaration !important: a host's `a { color: lime !important }` must lose too.
    Among the policy's own rules, specificity and order decide as before."""
    parts = []
    for item in tinycss2.parse_declaration_list(content, skip_comments=True, skip_whitespace=True):
        if item.type != "declaration":
            raise FragmentError(f"policy stylesheet: cannot scope {tinycss2.serialize([item])!r}")
        parts.append(f"{item.name}: {tinycss2.serialize(item.value).strip()} !important;")
    return " ".join(parts)


def _px(rem: str) -> str:
    return f"{float(rem) * ROOT_PX:g}"


def _split_selectors(prelude) -> list[str]:
    """The selectors of a rule, split on commas outside any :is(…) or :not(…)."""
    parts, current = [], []
    for token in prelude:
        if token.type == "literal" and token.value == ",":
            parts.append(current)
            current = []
        else:
            current.append(token)
    parts.append(current)
    return [tinycss2.serialize(p).strip() for p in parts if tinycss2.serialize(p).strip()]


_DOCUMENT_ROOT = re.compile(r"^(?::root|html|body)\b")


def _scope_selector(selector: str) -> str:
    # The page's root and body are the fragment's root element; everything else sits inside it.
    root = f".{ROOT_CLASS}"
    if _DOCUMENT_ROOT.match(selector):
        rest = _DOCUMENT_ROOT.sub("", selector).strip()
        return f"{root} {rest}" if rest else root
    return f"{root} {selector}"
