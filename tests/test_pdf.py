"""PDF output: the safe URL fetcher, metadata, determinism and the text a reader sees."""

from __future__ import annotations

import io
import subprocess

import pytest

from conftest import EXAMPLES
from generator.build import produce
from generator.facts import load
from generator.render import TEMPLATES_DIR


@pytest.fixture(scope="module")
def fetcher():
    from generator.pdf import safe_fetcher_class

    return safe_fetcher_class()()


@pytest.mark.parametrize("url", [
    "http://127.0.0.1:9/x.css",
    "https://example.com/font.woff",
    "file:///etc/passwd",
    (TEMPLATES_DIR / ".." / "pyproject.toml").as_uri(),
    "ftp://example.com/x",
])
def test_fetcher_refuses_everything_outside_templates(fetcher, url):
    from weasyprint.urls import URLFetchingError

    with pytest.raises(URLFetchingError):
        fetcher.fetch(url)


def test_fetcher_serves_template_assets(fetcher):
    response = fetcher.fetch((TEMPLATES_DIR / "assets" / "policy.css").as_uri())
    assert b"@page" in response.read()


def test_blocked_resource_in_html_is_not_fetched(no_weasyprint_warnings):
    from generator.pdf import html_to_pdf

    pdf = html_to_pdf('<html><body><img src="file:///etc/hostname"><p>x</p></body></html>')
    assert pdf.startswith(b"%PDF")
    messages = " ".join(r.getMessage() for r in no_weasyprint_warnings.records)
    assert "outside the templates folder" in messages
    no_weasyprint_warnings.records.clear()  # the warning was the point of this test


@pytest.fixture(scope="module")
def built():
    import logging

    from conftest import _FailOnLog

    handler = _FailOnLog()
    logging.getLogger("weasyprint").addHandler(handler)
    try:
        facts = load(EXAMPLES / "1024mining.yaml")
        first = produce(facts, ("html", "pdf"))
        second = produce(facts, ("html", "pdf"))
    finally:
        logging.getLogger("weasyprint").removeHandler(handler)
    # The autouse fixture only sees a test's own logs; this build runs once for the module.
    assert not handler.records, [r.getMessage() for r in handler.records]
    return facts, first, second


def test_pdf_bytes_are_deterministic(built):
    _, first, second = built
    assert first.files["pdf"] == second.files["pdf"]
    assert first.files["html"] == second.files["html"]


def test_pdf_metadata(built):
    from pypdf import PdfReader

    facts, first, _ = built
    reader = PdfReader(io.BytesIO(first.files["pdf"]))
    info = reader.metadata
    assert info.title == "Privacy Policy of 1024Mining"
    assert info.author == "1024MINING INC."
    assert info["/CreationDate"].startswith("D:20250401")
    assert info["/ModDate"].startswith("D:20250401")
    assert reader.trailer["/Root"]["/Lang"] == "en"
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    # One page through pypdf as well as pdftotext below: both read the same facts.
    first_pages = " ".join(" ".join(page.extract_text().split()) for page in reader.pages[:2])
    for fact in ("1024Mining", "Privacy Policy", "1 April 2025", "1024MINING INC.", "dpo@1024mining.com"):
        assert fact in first_pages, fact


def test_pdf_text_contains_the_facts(built, tmp_path):
    _, first, _ = built
    pdf_path = tmp_path / "p.pdf"
    pdf_path.write_bytes(first.files["pdf"])
    text = subprocess.run(["pdftotext", "-layout", str(pdf_path), "-"], capture_output=True, text=True,
                          check=True).stdout
    folded = " ".join(text.split())
    for fact in ("1024MINING INC.", "support@1024mining.com", "dpo@1024mining.com", "5 years after account closure",
                 "Sum and Substance Ltd", "Google Analytics", "Meta Pixel", "Last updated: 1 April 2025"):
        assert fact in folded, fact
    assert "Page 1 of" in folded
