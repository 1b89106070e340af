"""company.brand_color and company.logo: WCAG contrast, content-checked and sanitised logos, and their use in the page."""

from __future__ import annotations

import base64
import re

import pytest

from conftest import write_facts
from generator.branding import (DARK_TINT, LIGHT_TINT, WHITE, BrandingError, brand_color, contrast, dark_mode_variant,
                                load_logo, on_tint_variant, parse_hex, sanitised_svg)

PNG = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478da63f8cfc0f01f0005"
                    "0001ff5a0d2b7e0000000049454e44ae426082")
HOSTILE_SVG = (b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" onload="alert(1)">'
               b'<script>alert(2)</script><foreignObject><div xmlns="http://www.w3.org/1999/xhtml">x</div></foreignObject>'
               b'<style>@import url(https://evil.example/a.css);</style>'
               b'<a href="javascript:alert(3)"><rect width="10" height="10" onclick="alert(4)" fill="url(#g)"/></a>'
               b'<image xlink:href="https://evil.example/x.png"/><use href="#shape"/>'
               b'<rect style="fill: url(https://evil.example/f)" width="2" height="2"/></svg>')


def test_wcag_contrast_matches_known_values():
    assert contrast((0, 0, 0), WHITE) == pytest.approx(21)
    assert contrast(parse_hex("#777"), WHITE) == pytest.approx(4.48, abs=0.01)
    assert contrast(parse_hex("#1f5f8b"), WHITE) > 4.5


@pytest.mark.parametrize("color", ["#1f5f8b", "#000", "#0b6e4f", "#767676"])
def test_dark_and_tint_variants_keep_aa_contrast(color):
    assert contrast(parse_hex(dark_mode_variant(color)), DARK_TINT) >= 4.5
    assert contrast(parse_hex(on_tint_variant(color)), LIGHT_TINT) >= 4.5


def test_light_colour_is_rejected_with_a_darker_suggestion():
    with pytest.raises(BrandingError, match=r"4.5:1 with white.*#ffcc00 has 1.51:1.*such as #[0-9a-f]{6}") as caught:
        brand_color("#ffcc00")
    suggestion = re.search(r"such as (#[0-9a-f]{6})", str(caught.value))[1]
    assert contrast(parse_hex(suggestion), WHITE) >= 4.5


def test_facts_reject_low_contrast_and_bad_logo_with_file_line_key(cli, tmp_path, minimal_facts):
    minimal_facts["company"].update(brand_color="#ffcc00", logo="logo.gif")
    (tmp_path / "logo.gif").write_bytes(b"GIF89a" + b"\0" * 20)
    facts = write_facts(tmp_path, minimal_facts)
    code, out, err = cli("build", facts, "-o", tmp_path / "out")
    assert code == 2 and not (tmp_path / "out").exists() and out == ""
    lines = err.strip().splitlines()
    assert re.match(rf"{re.escape(str(facts))}:\d+: company.brand_color: must have a contrast of at least 4.5:1 with white", lines[0])
    assert re.match(rf"{re.escape(str(facts))}:\d+: company.logo: must be a PNG, SVG or JPEG image", lines[1])
    assert "Traceback" not in err


@pytest.mark.parametrize("name, message", [("/etc/hostname", "inside the facts file's folder"),
                                           ("../x.png", "inside the facts file's folder"),
                                           ("missing.png", "existing file")])
def test_logo_paths_stay_in_the_facts_folder(tmp_path, name, message):
    with pytest.raises(BrandingError, match=message):
        load_logo(name, tmp_path)


def test_logo_size_limit_and_content_check(tmp_path):
    (tmp_path / "big.png").write_bytes(PNG + b"\0" * 512 * 1024)
    with pytest.raises(BrandingError, match="at most 512 KB"):
        load_logo("big.png", tmp_path)
    (tmp_path / "fake.png").write_bytes(b"<html>not an image</html>")
    with pytest.raises(BrandingError, match="judged by the file's content"):
        load_logo("fake.png", tmp_path)
    (tmp_path / "real.jpg").write_bytes(PNG)    # the name lies; the content decides
    assert load_logo("real.jpg", tmp_path).data_uri.startswith("data:image/png;base64,")
    (tmp_path / "photo.bin").write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 16)
    assert load_logo("photo.bin", tmp_path).data_uri.startswith("data:image/jpeg;base64,")


def test_svg_loses_scripts_handlers_and_external_references():
    clean = sanitised_svg(HOSTILE_SVG).decode()
    for bad in ("script", "alert", "foreignObject", "evil.example", "javascript:", "onload", "onclick", "@import"):
        assert bad not in clean, bad
    assert 'href="#shape"' in clean and 'fill="url(#g)"' in clean   # references inside the image stay


@pytest.mark.parametrize("svg", [b'<?xml version="1.0"?><!DOCTYPE svg [<!ENTITY x "y">]><svg xmlns="http://www.w3.org/2000/svg">&x;</svg>',
                                 b"<svg><rect/></svg>",   # no SVG namespace
                                 b"<svg xmlns='http://www.w3.org/2000/svg'><rect></svg>"])
def test_unsafe_or_broken_svg_is_refused(svg):
    with pytest.raises(BrandingError, match="SVG"):
        sanitised_svg(svg)


def test_brand_colour_and_logo_reach_html_and_pdf(cli, tmp_path, minimal_facts):
    from pypdf import PdfReader

    (tmp_path / "logo.svg").write_bytes(HOSTILE_SVG)
    minimal_facts["company"].update(brand_color="#0B6E4F", logo="logo.svg")
    facts = write_facts(tmp_path, minimal_facts)
    code, _, err = cli("build", facts, "-o", tmp_path / "out", "--format", "html,pdf")
    assert code == 0, err
    html = (tmp_path / "out" / "facts.html").read_text()
    assert "--brand: #0b6e4f;" in html and f"--brand-dark: {dark_mode_variant('#0b6e4f')};" in html
    uri = re.search(r'<img class="doc-logo" src="data:image/svg\+xml;base64,([^"]+)" alt="Hashbox Mining Ltd">', html)
    assert uri and b"script" not in base64.b64decode(uri[1])
    drawn = PdfReader(tmp_path / "out" / "facts.pdf").pages[0].get_contents().get_data()
    assert b"0.043137 0.431373 0.309804 rg" in drawn   # #0b6e4f: the brand colour fills the company name


def test_no_branding_keeps_the_default_colours(minimal_facts):
    from conftest import render_html

    html = render_html(minimal_facts)
    assert html.count("--brand:") == 1 and "doc-logo" not in html.split("</style>")[-1]   # only the default


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_branded_page_keeps_aa_contrast_in_chromium(browser, minimal_facts, dark):
    from chromium import offline_page, run_axe
    from conftest import render_html

    minimal_facts["company"]["brand_color"] = "#0b6e4f"
    page = offline_page(browser, 1280, dark=dark)
    page.set_content(render_html(minimal_facts))
    shown = page.evaluate("getComputedStyle(document.querySelector('.doc-company')).color")
    expected = parse_hex(dark_mode_variant("#0b6e4f") if dark else "#0b6e4f")
    assert shown == "rgb({}, {}, {})".format(*expected)
    assert run_axe(page) == []
