"""Sections: identity verification, cookies, analytics and advertising, marketing, sharing, security."""

from __future__ import annotations

import re

import pytest

from conftest import html_text, render_html
from generator import catalog

HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"


def section(html: str, section_id: str) -> str | None:
    """The visible text of one section, or None when the policy does not have it."""
    match = re.search(rf'<section id="{re.escape(section_id)}"[^>]*>(.*?)</section>', html, flags=re.S)
    return html_text(match.group(1)) if match else None


def has_section(html: str, section_id: str) -> bool:
    return f'id="{section_id}"' in html


def subsection(text: str, heading: str, next_heading: str | None = None) -> str:
    start = text.index(heading) + len(heading)
    end = text.index(next_heading, start) if next_heading else len(text)
    return text[start:end]


@pytest.fixture
def kyc_facts(minimal_facts):
    minimal_facts["kyc"] = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "us"}
    minimal_facts["transfer_safeguards"] = ["scc"]
    return minimal_facts


# --- identity verification ---------------------------------------------------------

def test_identity_verification_only_with_a_vendor(minimal_facts):
    assert not has_section(render_html(minimal_facts), "identity-verification")
    minimal_facts["kyc"] = {"vendor": "none"}
    assert not has_section(render_html(minimal_facts), "identity-verification")
    minimal_facts["kyc"] = {"vendor": "veriff", "documents": ["government_id"]}
    minimal_facts["transfer_safeguards"] = ["scc"]
    assert has_section(render_html(minimal_facts), "identity-verification")


def test_no_kyc_words_anywhere_without_a_vendor(minimal_facts):
    minimal_facts["audience"]["regions"] = ["global"]
    minimal_facts["data_collected"] = ["log_data", "account", "contact", "wallet_addresses", "payment", "tax_id"]
    minimal_facts["transfer_safeguards"] = ["scc"]
    text = html_text(render_html(minimal_facts)).lower()
    for word in ("kyc", "know your customer", "identity verification", "identity-verification", "money laundering",
                 "politically exposed", "identity documents", "tipping-off", "selfie", "sumsub"):
        assert word not in text, word


def test_catalog_vendor_is_named_with_legal_name_country_and_links(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    html = render_html(kyc_facts)
    text = section(html, "identity-verification")
    vendor = catalog.load().kyc_vendors["sumsub"]
    for fact in (vendor["name"], vendor["legal_name"], "United Kingdom", vendor["processes"], vendor["returns"]):
        assert fact.lower() in text.lower(), fact
    assert 'href="https://sumsub.com/privacy-notice/"' in html
    assert 'href="https://sumsub.com"' in html
    assert "Where it stores your data United States" in text
    for document in ("Government-issued photo ID", "Selfie and liveness check"):
        assert document in text


@pytest.mark.parametrize("vendor_id", ["onfido", "jumio", "veriff", "persona"])
def test_every_catalog_vendor_renders(kyc_facts, vendor_id):
    kyc_facts["kyc"]["vendor"] = vendor_id
    entry = catalog.load().kyc_vendors[vendor_id]
    html = render_html(kyc_facts)
    assert entry["legal_name"] in section(html, "identity-verification")
    assert f'href="{entry["privacy_url"]}"' in html


def test_biometric_wording_only_with_a_selfie(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea", "us"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    with_selfie = section(render_html(kyc_facts), "identity-verification")
    assert "biometric data" in with_selfie
    assert "explicit consent" in with_selfie
    assert "Art. 9(2)(a) GDPR" in with_selfie
    assert "Biometric data retention schedule" in with_selfie
    assert "within 3 years of your last interaction" in with_selfie
    assert "written release" in with_selfie
    assert "We do not sell, lease or trade your biometric data" in with_selfie
    assert "another way to verify you" in with_selfie

    kyc_facts["kyc"]["documents"] = ["government_id", "proof_of_address"]
    html = render_html(kyc_facts)
    without = section(html, "identity-verification")
    assert "biometric" not in without.lower()
    assert "retention schedule" not in html_text(html)


def test_gdpr_articles_only_where_the_gdpr_applies(kyc_facts):
    text = section(render_html(kyc_facts), "identity-verification")
    assert "GDPR" not in text
    assert "Illinois" not in text


def test_legal_obligation_is_claimed_only_for_an_obliged_entity(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    voluntary = section(render_html(kyc_facts), "identity-verification")
    assert "Art. 6(1)(f) GDPR" in voluntary
    assert "Art. 6(1)(c)" not in voluntary
    assert "No anti-money-laundering law obliges us" in voluntary
    assert "tipping-off" not in voluntary

    kyc_facts["kyc"]["obliged_entity"] = True
    abroad = section(render_html(kyc_facts), "identity-verification")
    # A New Zealand AML duty is no legal obligation in the GDPR's sense (Art. 6(3)).
    assert "Art. 6(1)(c)" not in abroad
    assert "anti-money-laundering law of New Zealand" in abroad and "Art. 6(1)(f) GDPR" in abroad

    kyc_facts["company"]["country"] = "de"
    obliged = section(render_html(kyc_facts), "identity-verification")
    assert "Art. 6(1)(c) GDPR" in obliged
    assert "Anti-money-laundering and counter-terrorist-financing law requires us" in obliged
    assert "tipping-off" in obliged
    assert "We cannot delete verification records before the legal retention period ends" in obliged


def test_screening_and_automated_rejection_follow_the_facts(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    kyc_facts["kyc"].update(screening=True, automated_rejection=True)
    text = section(render_html(kyc_facts), "identity-verification")
    assert "politically exposed persons" in text
    assert "Art. 10 GDPR" in text
    assert "right to human review" in text
    assert "contest the decision" in text
    assert "privacy@hashbox.example" in text

    kyc_facts["kyc"].update(screening=False, automated_rejection=False)
    text = section(render_html(kyc_facts), "identity-verification")
    assert "politically exposed" not in text
    assert "No verification is refused by software alone" in text
    assert "human review" not in text


def test_kyc_retention_is_stated(kyc_facts):
    kyc_facts["retention"]["kyc"] = "5 years after the business relationship ends"
    text = section(render_html(kyc_facts), "identity-verification")
    assert "5 years after the business relationship ends" in text
    del kyc_facts["retention"]["kyc"]
    assert "2 years after your account closes" in section(render_html(kyc_facts), "identity-verification")


def test_in_house_check_names_no_vendor(kyc_facts):
    kyc_facts["kyc"] = {"vendor": "in_house", "documents": ["government_id"], "obliged_entity": True}
    text = section(render_html(kyc_facts), "identity-verification")
    assert "Our own staff carry out the check" in text
    for vendor in catalog.load().kyc_vendors.values():
        assert vendor["name"] not in text
    assert "Provider" not in text


def test_custom_vendor_renders_literally_and_without_missing_facts(kyc_facts):
    kyc_facts["kyc"]["vendor"] = {"name": HOSTILE, "website": "https://idv.example", "country": "ee"}
    html = render_html(kyc_facts)
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    text = section(html, "identity-verification")
    assert HOSTILE in text
    assert "49" not in text
    assert "Estonia" in text
    assert "Its privacy policy" not in text
    assert "What it does for us" not in text
    assert "None" not in text


# --- cookies ------------------------------------------------------------------------

def test_cookies_section_is_always_present_and_honest_without_trackers(minimal_facts):
    html = render_html(minimal_facts)
    text = section(html, "cookies")
    assert text is not None
    assert "Strictly necessary cookies" in text
    assert "We do not use analytics, advertising or any other cookies that need your consent" in text
    assert "No other company collects personal data about your online activities over time" in text
    assert "banner" not in text
    assert not has_section(html, "analytics-advertising")


def test_no_tracker_names_without_analytics(minimal_facts):
    text = html_text(render_html(minimal_facts))
    for tracker in catalog.load().trackers.values():
        assert tracker["name"] not in text
        assert tracker["legal_name"] not in text


def test_cookie_table_lists_each_catalog_cookie(minimal_facts):
    minimal_facts["analytics"] = ["google_analytics", "facebook_pixel"]
    minimal_facts["cookies"] = {"marketing": True}
    text = section(render_html(minimal_facts), "cookies")
    for tracker_id in ("google_analytics", "facebook_pixel"):
        tracker = catalog.load().trackers[tracker_id]
        for cookie in tracker["cookies"]:
            row = subsection(text, f'{cookie["name"]} {tracker["legal_name"]} ({tracker["name"]})')[:200]
            assert cookie["duration"] in row
    assert "fr Meta Platforms, Inc. (Meta Pixel), United States Meta's advertising cookie, set on facebook.com Advertising 90 days Third party" in text
    assert "_fbp Meta Platforms, Inc. (Meta Pixel), United States Identifies the browser for advert delivery and measurement Advertising 90 days First party" in text
    assert "prior, active consent" in text
    assert "continuing to browse does not count as consent" in text
    assert "Session and security cookies (names vary)" in text


def test_consent_tool_link_when_given(minimal_facts):
    minimal_facts["analytics"] = ["matomo"]
    html = render_html(minimal_facts)
    assert "cookie settings</a>" not in html
    minimal_facts["cookies"] = {"consent_tool_url": "https://hashbox.example/cookie-settings"}
    html = render_html(minimal_facts)
    assert '<a href="https://hashbox.example/cookie-settings">cookie settings</a>' in html
    assert "at any time" in section(html, "cookies")


@pytest.mark.parametrize("dnt, expected, absent", [
    ("honour", "We honour it: when your browser sends it", "does not respond to it"),
    ("ignore", "Our website does not respond to it", "We honour it"),
])
def test_do_not_track_statement_follows_the_fact(minimal_facts, dnt, expected, absent):
    minimal_facts["analytics"] = ["google_analytics"]
    minimal_facts["cookies"] = {"do_not_track": dnt}
    text = section(render_html(minimal_facts), "cookies")
    paragraph = subsection(text, "Do Not Track", "Global Privacy Control")
    assert expected in paragraph
    assert absent not in paragraph
    if dnt == "honour":
        assert "we do not load Google Analytics" in paragraph


@pytest.mark.parametrize("gpc, expected", [("honour", "We honour it."), ("ignore", "does not respond to it at present")])
def test_global_privacy_control_follows_the_fact(minimal_facts, gpc, expected):
    minimal_facts["analytics"] = ["google_ads"]
    minimal_facts["cookies"] = {"marketing": True, "global_privacy_control": gpc}
    text = section(render_html(minimal_facts), "cookies")
    assert expected in subsection(text, "Global Privacy Control")


def test_cookieless_analytics_runs_without_consent(minimal_facts):
    minimal_facts["analytics"] = ["plausible"]
    text = section(render_html(minimal_facts), "cookies")
    assert "Plausible Analytics works without cookies" in text
    assert "Cookies that need your consent We do not use" in text


# --- analytics and advertising ------------------------------------------------------

def test_analytics_section_names_each_tool_with_its_policy(minimal_facts):
    minimal_facts["analytics"] = ["google_analytics", "hotjar", "google_ads"]
    html = render_html(minimal_facts)
    text = section(html, "analytics-advertising")
    for tracker_id in minimal_facts["analytics"]:
        tracker = catalog.load().trackers[tracker_id]
        assert tracker["name"] in text
        assert tracker["legal_name"] in text
        assert tracker["receives"].lower() in text.lower()
        assert f'href="{tracker["privacy_url"]}"' in html
    assert "can collect information about your online activities over time and across different websites" in text
    assert "Advertising" in text


def test_analytics_only_says_no_cross_site_tracking(minimal_facts):
    minimal_facts["analytics"] = ["matomo"]
    text = section(render_html(minimal_facts), "analytics-advertising")
    assert "Advertising tools" not in text
    assert "We do not allow it, or any other company, to use our website to collect" in text


def test_advertising_is_sharing_only_where_the_ccpa_applies(minimal_facts):
    minimal_facts["analytics"] = ["facebook_pixel"]
    minimal_facts["cookies"] = {"marketing": True}
    text = section(render_html(minimal_facts), "analytics-advertising")
    assert "California" not in text
    minimal_facts["audience"]["regions"] = ["nz", "us-ca"]
    html = render_html(minimal_facts)
    assert "cross-context behavioural advertising" in section(html, "analytics-advertising")
    assert "cross-context behavioural advertising" in section(html, "sharing")


def test_custom_tracker_renders_literally(minimal_facts):
    minimal_facts["analytics"] = [{"name": HOSTILE, "website": "https://track.example", "country": "de"}]
    html = render_html(minimal_facts)
    assert "<script>alert(1)" not in html
    for section_id in ("cookies", "analytics-advertising", "sharing"):
        text = section(html, section_id)
        assert HOSTILE in text
        assert "None" not in text
    assert 'href="https://track.example"' in html


# --- marketing ----------------------------------------------------------------------

def test_marketing_section_follows_the_fact(minimal_facts):
    assert not has_section(render_html(minimal_facts), "marketing")
    minimal_facts["marketing_emails"] = "consent"
    consent = section(render_html(minimal_facts), "marketing")
    assert "only to people who have asked for them" in consent
    assert "soft opt-in" not in consent
    minimal_facts["marketing_emails"] = "opt_out"
    opt_out = section(render_html(minimal_facts), "marketing")
    assert "soft opt-in" in opt_out
    for text in (consent, opt_out):
        assert "unsubscribe link included in every marketing email" in text
        assert "right to object to direct marketing" in text
        assert "security alerts" in text


# --- sharing ------------------------------------------------------------------------

def test_sharing_names_recipients_and_denies_sale(kyc_facts):
    kyc_facts["analytics"] = ["google_analytics"]
    kyc_facts["data_collected"] += ["payment", "support"]
    text = section(render_html(kyc_facts), "sharing")
    for recipient in ("Hosting and cloud infrastructure providers", "Email delivery services", "Payment processors",
                      "Customer support software providers", "Sumsub (Sum and Substance Ltd)", "Google Analytics (Google LLC)",
                      "Professional advisers and auditors", "Authorities, courts and law enforcement",
                      "A buyer or successor of our business", "classes of recipients"):
        assert recipient in text, recipient
    assert "We do not sell your personal data" in text


def test_sharing_without_kyc_payments_or_trackers(minimal_facts):
    text = section(render_html(minimal_facts), "sharing")
    assert "Payment processors" not in text
    assert "identity-verification" not in text
    assert "Advertising providers" not in text
    assert "Mining pool operators" in text  # the minimal facts offer hosting
    minimal_facts["services"] = ["cloud_hashrate"]
    assert "Mining pool operators" not in section(render_html(minimal_facts), "sharing")


def test_sale_of_data_is_disclosed_when_true(minimal_facts):
    minimal_facts["sells_personal_data"] = True
    text = section(render_html(minimal_facts), "sharing")
    assert "We sell some personal data" in text
    assert "We do not sell" not in text


# --- security -----------------------------------------------------------------------

def test_security_measures_and_breach_rules_follow_the_laws(minimal_facts):
    text = section(render_html(minimal_facts), "security")
    for measure in ("encrypted at rest", "Hashed passwords", "Two-factor authentication", "Access control",
                    "Logging and monitoring", "Staff confidentiality", "phishing"):
        assert measure in text
    assert "New Zealand" in text and "72 hours" not in text
    assert "seed phrase" not in text

    minimal_facts["audience"]["regions"] = ["nz", "eea"]
    minimal_facts["data_collected"].append("wallet_addresses")
    minimal_facts["transfer_safeguards"] = ["scc"]
    text = section(render_html(minimal_facts), "security")
    assert "72 hours" in text
    assert "seed phrase" in text
    assert "cannot be reversed" in text


def test_examples_render_without_missing_facts():
    from generator.facts import load
    from generator.render import render
    from conftest import EXAMPLES

    for path in sorted(EXAMPLES.glob("*.yaml")):
        html = render(load(path)).html
        for section_id in ("identity-verification", "cookies", "analytics-advertising", "marketing", "sharing", "security"):
            text = section(html, section_id)
            if text is not None:
                for sign in ("None", "such as .", ", .", "[]", "  "):
                    assert sign not in text, (path.name, section_id, sign)
