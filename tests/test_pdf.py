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


def _struct_types(node, found=None) -> list[str]:
    """The structure tree's element types in reading order (depth first)."""
    found = [] if found is None else found
    node = node.get_object()
    if "/S" in node:
        found.append(str(node["/S"]))
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if hasattr(kid, "keys") and "/S" in kid:
            _struct_types(kid, found)
    return found


def test_pdf_is_tagged_pdf_ua_by_default(built):
    from pypdf import PdfReader

    _, first, _ = built
    root = PdfReader(io.BytesIO(first.files["pdf"])).trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    assert root["/Lang"] == "en"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert b"pdfuaid:part" in root["/Metadata"].get_data()  # PDF/UA-1 identification in the XMP
    assert "/StructTreeRoot" in root


def test_structure_tree_has_the_html_headings_lists_and_table_headers(built):
    import re

    from pypdf import PdfReader

    _, first, _ = built
    html = first.files["html"].decode()
    types = _struct_types(PdfReader(io.BytesIO(first.files["pdf"])).trailer["/Root"]["/StructTreeRoot"])
    headings = [t for t in types if re.fullmatch(r"/H[1-6]", t)]
    assert headings == ["/" + h.upper() for h in re.findall(r"<(h[1-6])\b", html)]
    # A list or table that runs over a page break is tagged once per page, so at least as many.
    lists = len(re.findall(r"<(?:ul|ol|dl)\b", html))
    assert lists <= types.count("/L")
    assert len(re.findall(r"<li\b|<dt\b|<dd\b", html)) <= types.count("/LI")
    tables = len(re.findall(r"<table\b", html))
    assert 0 < tables <= types.count("/Table")
    assert len(re.findall(r"<th\b", html)) <= types.count("/TH")


@pytest.mark.parametrize("variant, marker", [("a3b", b'pdfaid:part="3"'), ("none", None)])
def test_other_variants(variant, marker):
    from pypdf import PdfReader

    from generator.pdf import html_to_pdf

    html = '<html lang="en"><head><title>T</title></head><body><h1>T</h1><ul><li>x</li></ul></body></html>'
    pdf = html_to_pdf(html, variant)
    assert pdf == html_to_pdf(html, variant)
    root = PdfReader(io.BytesIO(pdf)).trailer["/Root"]
    if marker is None:
        assert "/StructTreeRoot" not in root and "/MarkInfo" not in root
    else:
        assert marker in root["/Metadata"].get_data()
        assert bool(root["/MarkInfo"]["/Marked"]) and "/StructTreeRoot" in root


def test_cli_variant_names_are_the_pdf_modules():
    from generator.cli import PDF_VARIANT_CHOICES
    from generator.pdf import DEFAULT_PDF_VARIANT, PDF_VARIANTS

    assert PDF_VARIANT_CHOICES == tuple(PDF_VARIANTS) and DEFAULT_PDF_VARIANT in PDF_VARIANTS


def test_build_pdf_variant_option(cli, tmp_path):
    from pypdf import PdfReader

    code, _, err = cli("build", EXAMPLES / "smart-mining.yaml", "-o", tmp_path, "--format", "pdf", "--pdf-variant", "none")
    assert code == 0, err
    assert "/StructTreeRoot" not in PdfReader(tmp_path / "smart-mining.pdf").trailer["/Root"]
    code, _, err = cli("build", EXAMPLES / "smart-mining.yaml", "-o", tmp_path, "--pdf-variant", "pdfx")
    assert code == 2 and "invalid choice" in err


def test_outline_has_every_numbered_section(built):
    from pypdf import PdfReader

    _, first, _ = built
    reader = PdfReader(io.BytesIO(first.files["pdf"]))
    titles = []

    def walk(items):
        for item in items:
            walk(item) if isinstance(item, list) else titles.append(" ".join(item.title.split()))

    walk(reader.outline)
    for item in first.rendered.sections:
        assert f"{item.section.number}. {item.section.title}" in titles


def test_contents_list_keeps_page_numbers(built, tmp_path):
    _, first, _ = built
    pdf_path = tmp_path / "p.pdf"
    pdf_path.write_bytes(first.files["pdf"])
    text = subprocess.run(["pdftotext", "-f", "1", "-l", "2", "-layout", str(pdf_path), "-"], capture_output=True,
                          text=True, check=True).stdout
    import re

    assert re.search(r"1\. .+\s(\d+)\s*$", text, re.M), text[:2000]
    numbers = [int(m[1]) for m in re.finditer(r"^\s*\d+\. .*?\s(\d+)\s*$", text, re.M)]
    assert len(numbers) >= len(first.rendered.sections) and numbers == sorted(numbers)


def test_batch_rebuilds_a_pdf_of_another_variant(cli, tmp_path):
    from pypdf import PdfReader

    source = tmp_path / "in"
    source.mkdir()
    (source / "smart-mining.yaml").write_bytes((EXAMPLES / "smart-mining.yaml").read_bytes())
    out = tmp_path / "out"
    def batch(*extra):
        code, out_text, err = cli("batch", source, "-o", out, "--format", "pdf", "--jobs", "1", *extra)
        assert code == 0, err
        return out_text + err

    assert "1 built, 0 unchanged" in batch()
    assert "0 built, 1 unchanged" in batch()
    assert "1 built, 0 unchanged" in batch("--pdf-variant", "none")
    assert "0 built, 1 unchanged" in batch("--pdf-variant", "none")
    assert "/StructTreeRoot" not in PdfReader(out / "smart-mining.pdf").trailer["/Root"]
