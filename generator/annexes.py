"""`--annexes separate`: each law's section on a page of its own, linked from a shorter main policy.

The main page keeps every section's heading in place, so the contents and the numbering stay the
same; a regional section's body becomes one link to its page `<stem>.<section id>.html`. Links
between the pages are rewritten so each still lands on its section.
"""

from __future__ import annotations

import re
from html import escape

_SECTION = re.compile(r'<section id="(?P<id>[a-z0-9-]+)" class="clause regional">(?P<body>.*?)</section>', re.S)
_HREF = re.compile(r'href="#(?P<id>[A-Za-z0-9_-]+)"')
_HEADING = re.compile(r"<h2>(?P<heading>.*?)</h2>", re.S)


def split(html: str, stem: str) -> tuple[str, dict[str, str]]:
    """(main page, {section id: its own page}) from the policy's one-page HTML."""
    annexes = {m["id"]: m for m in _SECTION.finditer(html)}
    if not annexes:
        return html, {}
    page_of = {sid: f"{stem}.{sid}.html" for sid in annexes}
    head = re.search(r"<head>.*?</head>", html, re.S)[0]
    company = re.search(r'<p class="doc-company">(.*?)</p>', html, re.S)[1]
    title = re.search(r"<title>(.*?)</title>", html, re.S)[1]

    def stub(match: re.Match) -> str:
        heading = _HEADING.search(match["body"])[0]
        link = f'<a href="{escape(page_of[match["id"]])}">{_text(heading)}</a>'
        return (f'<section id="{match["id"]}" class="clause regional">\n{heading}\n'
                f"<p>This section is on a page of its own: {link}.</p>\n</section>")

    main = _SECTION.sub(stub, html)
    main = _HREF.sub(lambda m: f'href="{escape(page_of[m["id"]])}#{m["id"]}"' if m["id"] in page_of else m[0], main)
    pages = {}
    for sid, match in annexes.items():
        body = match[0]
        inside = set(re.findall(r'\sid="([^"]+)"', body))
        body = _HREF.sub(lambda m: m[0] if m["id"] in inside else f'href="{escape(stem)}.html#{m["id"]}"', body)
        heading = _text(_HEADING.search(match["body"])[0])
        body = body.replace('<details class="law">', '<details class="law" open>')
        page_head = head.replace(f"<title>{title}</title>", f"<title>{title}: {heading}</title>")
        pages[sid] = (f'<!DOCTYPE html>\n<html lang="en">\n{page_head}\n<body>\n<header class="doc-header">\n'
                      f'  <p class="doc-company">{company}</p>\n  <h1>Privacy Policy</h1>\n'
                      f'  <p>Part of our <a href="{escape(stem)}.html">privacy policy</a>, which applies with it.</p>\n'
                      f"</header>\n<main>\n{body}\n"
                      f"</main>\n</body>\n</html>\n")
    return main, pages


def _text(fragment: str) -> str:
    return re.sub(r"<[^>]+>", "", fragment).strip()
