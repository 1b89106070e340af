"""Markdown from the policy's HTML, so both say exactly the same thing."""

from __future__ import annotations

import re


def html_to_markdown(html: str) -> str:
    from markdownify import markdownify  # noqa: PLC0415 - only needed for .md output

    body = html.split("<body>", 1)[-1].split("</body>", 1)[0]
    body = re.sub(r"<nav class=\"toc\".*?</nav>", "", body, flags=re.S)
    body = re.sub(r"<footer.*?</footer>", "", body, flags=re.S)
    text = markdownify(body, heading_style="ATX", bullets="-", strip=["span", "time"])
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n"
