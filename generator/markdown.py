"""Markdown from the policy's HTML, so both say exactly the same thing."""

from __future__ import annotations

import re

_ANCHOR = "POLICYGEN-ANCHOR-"


def html_to_markdown(html: str) -> str:
    from markdownify import markdownify  # noqa: PLC0415 - only needed for .md output

    body = html.split("<body>", 1)[-1].split("</body>", 1)[0]
    body = re.sub(r"<nav class=\"toc\".*?</nav>", "", body, flags=re.S)
    body = re.sub(r"<footer.*?</footer>", "", body, flags=re.S)
    # Markdown renderers make their own heading anchors, so the policy's links to
    # "#how-we-use" would break: keep each element id as an explicit anchor.
    body = re.sub(r'<(section|h3|h4|div)( [^>]*?)? id="([^"]+)"', rf'<p>{_ANCHOR}\3</p><\1\2', body)
    text = markdownify(body, heading_style="ATX", bullets="-", strip=["span", "time"])
    # markdownify may backslash-escape "_" or "-" inside the id; the anchor must carry the id as it is.
    text = re.sub(rf"{re.escape(_ANCHOR)}([A-Za-z0-9_\\-]+)",
                  lambda m: '<a id="{}"></a>'.format(m.group(1).replace("\\", "")), text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()
    return text + "\n"
