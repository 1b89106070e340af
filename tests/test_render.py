"""The HTML policy: structure, links, absent facts, hostile text and determinism."""

from __future__ import annotations

import copy
import re

import pytest

from conftest import EXAMPLES, html_text, render_html
from generator import catalog
from generator.clauses import applicable_laws, law_section_id, plan, section_laws
from generator.facts import load

EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))
HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %} ${7*7} &amp;"


def rich_facts(minimal: dict) -> dict:
    """Facts that switch on every optional section, for the hostile-text and link tests."""
    data = copy.deepcopy(minimal)
    data["company"].update(brand="Hashbox", address="1 Queen Street, Auckland", registration_number="NZ 123",
                           description="hosting for mining machines")
    data["services"] = ["hosting", "cloud_hashrate", "pool"]
    data["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Ana Lee", phone="+64 9 555 0100",
                           request_form_url="https://hashbox.example/privacy-request",
                           complaint_form_url="https://hashbox.example/complaints")
    data["representatives"] = {
        "eu": {"name": "EU Rep GmbH", "address": "Hauptstr. 1, Berlin", "email": "eu@rep.example"},
        "uk": {"name": "UK Rep Ltd", "address": "1 High St, London", "email": "uk@rep.example"},
        "cn": {"name": "CN Rep", "address": "1 Road, Shanghai", "email": "cn@rep.example"},
    }
    data["policy"]["url"] = "https://hashbox.example/privacy"
    data["audience"]["regions"] = ["global"]
    data["data_collected"] = list(catalog.load().data_categories)
    data["kyc"] = {"vendor": {"name": "IDCheck", "website": "https://idcheck.example", "country": "fr",
                              "purpose": "checking identity documents"},
                   "documents": ["government_id", "selfie"], "storage_region": "eea", "automated_rejection": True}
    data["analytics"] = ["google_analytics", "facebook_pixel",
                         {"name": "Stats", "website": "https://stats.example", "country": "de", "purpose": "counting visits"}]
    data["cookies"] = {"marketing": True, "consent_tool_url": "https://hashbox.example/cookies"}
    data["data_regions"] = ["nz", "us"]
    data["transfer_safeguards"] = ["scc", "adequacy"]
    data["retention"].update(account="3 years after closure", kyc="5 years after the relationship ends", logs="90 days")
    data["marketing_emails"] = "consent"
    data["automated_decisions"] = "We score payout requests for fraud risk and hold high-risk payouts."
    return data


def hostile_everywhere(data: dict) -> dict:
    data = copy.deepcopy(data)
    for key in ("legal_name", "brand", "address", "description", "registration_number"):
        data["company"][key] = f"{key} {HOSTILE}"
    data["contact"]["dpo_name"] = f"dpo {HOSTILE}"
    data["contact"]["phone"] = f"phone {HOSTILE}"
    for rep in data["representatives"].values():
        rep["name"] = f"rep {HOSTILE}"
        rep["address"] = f"addr {HOSTILE}"
    data["kyc"]["vendor"]["name"] = f"vendor {HOSTILE}"
    data["kyc"]["vendor"]["purpose"] = f"purpose {HOSTILE}"
    data["analytics"][2]["name"] = f"tool {HOSTILE}"
    for key in ("default", "account", "kyc", "logs"):
        data["retention"][key] = f"{key} {HOSTILE}"
    data["automated_decisions"] = f"decisions {HOSTILE}"
    return data


@pytest.fixture
def rich(minimal_facts):
    return rich_facts(minimal_facts)


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_document_structure(path):
    facts = load(path)
    html = render_html(facts.model_dump(mode="json", exclude_none=True))
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html
    assert re.search(r"<title>Privacy Policy of [^<]+</title>", html)
    assert html.count("<h1") == 1
    assert f"Last updated: <time datetime=\"{facts.policy.effective_date.isoformat()}\">" in html
    assert f'href="mailto:{facts.contact.email}"' in html
    sections = plan(facts)
    ids = re.findall(r'<section id="([^"]+)"', html)
    assert ids == [s.id for s in sections]
    toc = re.findall(r'<li><a href="#([^"]+)"><span class="num">(\d+)\.</span>', html)
    assert toc == [(s.id, str(s.number)) for s in sections]


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.stem)
def test_no_unrendered_or_empty_values(path):
    html = render_html(load(path).model_dump(mode="json", exclude_none=True))
    text = html_text(html)
    for bad in ("None", "[]", "{{", "{%", "undefined", " ,", " .", "..", "()"):
        assert bad not in text, bad
    assert not re.search(r"\bsuch as\s*[.,;]", text)


def test_every_internal_link_resolves(rich):
    html = render_html(rich)
    ids = set(re.findall(r'\sid="([^"]+)"', html))
    targets = set(re.findall(r'href="#([^"]*)"', html))
    assert targets and targets <= ids, targets - ids


def test_external_links_are_absolute(rich):
    html = render_html(rich)
    for href in re.findall(r'href="([^"#][^"]*)"', html):
        assert re.match(r"^(https?://|mailto:)", href), href


def test_hostile_text_stays_text(rich):
    html = render_html(hostile_everywhere(rich))
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "{% if true %}x{% endif %}" in html
    assert "&amp;amp;" in html
    # Each hostile field reached the page, so escaping was tested on real output.
    for marker in ("legal_name", "address", "vendor", "tool", "decisions", "rep", "account", "logs"):
        assert f"{marker} &lt;script&gt;" in html, marker


def test_rendering_is_deterministic(rich):
    assert render_html(rich) == render_html(rich)


@pytest.mark.parametrize("law", list(catalog.load().laws))
def test_regional_section_appears_exactly_for_its_regions(minimal_facts, law):
    region = {"gdpr": "eea", "uk_gdpr": "uk", "ccpa": "us-ca", "us_states": "us", "pipl": "cn", "pdpo": "hk", "nz_privacy": "nz",
              "pdpa": "sg", "lgpd": "br", "pipeda": "ca"}[law]
    section = law_section_id(law)
    data = copy.deepcopy(minimal_facts)
    data["audience"]["regions"] = [region]
    data["data_regions"] = [region]
    data["company"]["country"] = region if region not in ("eea", "us-ca") else "us"
    if law == "ccpa":  # Californians' data stored in the US brings no other section
        data["data_regions"] = ["us-ca"]
    html = render_html(data)
    assert html.count(f'<section id="{section}"') == 1
    brought = set(catalog.load().laws_for_region(region))
    others = [law_section_id(other) for other in catalog.load().laws if other not in brought]
    for other in others:
        assert f'<section id="{other}"' not in html
    data["audience"]["regions"] = ["ch"]
    data["data_regions"] = ["ch"]
    assert f'<section id="{section}"' not in render_html(data)


def test_a_single_eea_country_brings_the_gdpr(minimal_facts):
    minimal_facts["audience"]["regions"] = ["fr"]
    minimal_facts["data_regions"] = ["fr"]
    html = render_html(minimal_facts)
    assert '<section id="gdpr"' in html


def test_global_brings_every_law(rich):
    from generator.facts import parse
    import yaml

    facts = parse(yaml.safe_dump(rich))
    assert applicable_laws(facts) == list(catalog.load().laws)
    html = render_html(rich)
    # Each law has its section, or its part (h3) of the section it shares: the UK GDPR in the GDPR's, the
    # state laws in the CCPA's.
    own = set(section_laws(facts))
    assert own == set(catalog.load().laws) - {"uk_gdpr", "us_states"}
    for law in catalog.load().laws:
        if law in own:
            assert f'<section id="{law_section_id(law)}"' in html
        else:
            assert f'<h3 id="{law_section_id(law)}">' in html and f'<section id="{law_section_id(law)}"' not in html


def test_absent_sections_leave_no_trace(minimal_facts):
    text = html_text(render_html(minimal_facts)).lower()
    for word in ("kyc", "identity verification", "selfie", "biometric data", "google", "meta pixel",
                 "newsletter", "representative", "data protection officer", "standard contractual clauses",
                 "gdpr", "ccpa", "california", "do not track", "global privacy control", "banner",
                 "money-laundering", "money laundering", "sanctions", "a company of our group", "we do not sell", "we sell",
                 "encrypted", "penetration", "within 30 days"):
        assert word not in text, word
    html = render_html(minimal_facts)
    for section in ("identity-verification", "marketing", "gdpr", "ccpa", "us-states"):
        assert f'id="{section}"' not in html
    contact = html.split('<section id="contact"', 1)[1].split("</section>", 1)[0]
    assert "phone" not in contact.lower()


def test_facts_present_appear(rich):
    rich["security_measures"] = ["tls", "backups"]
    rich["group_companies"] = [{"name": "Hashbox Labs Pty Ltd", "country": "au", "role": "processor"}]
    rich["contact"]["response_days"] = 25
    rich["marketing_unsubscribe"] = {"methods": ["email_link"], "days": 7}
    html = render_html(rich)
    text = html_text(html)
    assert 'href="https://hashbox.example/privacy-request"' in html
    assert 'href="https://hashbox.example/complaints"' in html
    for value in ("encrypted with TLS", "We keep backups", "Hashbox Labs Pty Ltd", "We answer within 25 days",
                  "unsubscribe link", "within 7 days"):
        assert value in text, value
    for value in ("Hashbox Mining Ltd", "1 Queen Street, Auckland", "NZ 123", "dpo@hashbox.example", "Ana Lee",
                  "+64 9 555 0100", "EU Rep GmbH", "UK Rep Ltd",
                  "IDCheck", "Google Analytics", "Meta Pixel", "Stats", "3 years after closure",
                  "5 years after the relationship ends", "90 days",
                  "We score payout requests for fraud risk and hold high-risk payouts."):
        assert value in text, value


def test_at_a_glance_summary_follows_the_facts(minimal_facts, rich):
    plain = render_html(minimal_facts)
    summary = html_text(plain.split('<aside class="summary"', 1)[1].split("</aside>", 1)[0])
    assert "Hashbox Mining Ltd" in summary and "privacy@hashbox.example" in summary
    # sells_personal_data unset: the summary says nothing about selling.
    assert "sell" not in summary.lower()
    assert "identity" not in summary.lower() and "analytics" not in summary.lower()
    assert "New Zealand (section" in summary
    minimal_facts["sells_personal_data"] = False
    denied = render_html(minimal_facts).split('<aside class="summary"', 1)[1].split("</aside>", 1)[0]
    assert "We do not sell your personal data." in html_text(denied)
    rich["sells_personal_data"] = True
    rich_summary = render_html(rich).split('<aside class="summary"', 1)[1].split("</aside>", 1)[0]
    assert "We sell some personal data, and you can opt out." in html_text(rich_summary)
    assert "including IDCheck for identity checks" in html_text(rich_summary)
