"""Sections: identity verification, cookies (with analytics and advertising), marketing, sharing, security."""

from __future__ import annotations

import re

import pytest

from conftest import html_text, render_html
from generator import catalog

HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"
# Any statement about an anti-money-laundering law (the wording has been "anti-money-laundering" and "money laundering").
AML_LAW = re.compile(r"(anti-)?money.laundering law", re.I)


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
    for fact in (vendor["name"], vendor["legal_name"], "based in the United Kingdom", vendor["returns"]):
        assert fact.lower() in text.lower(), fact
    # What the vendor processes is stated where the recipients are listed.
    assert vendor["processes"].lower() in section(html, "sharing").lower()
    assert 'href="https://sumsub.com/privacy-notice/"' in html
    assert "The records are stored in the United States" in text
    for document in ("government-issued photo ID", "selfie with a liveness check"):
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
    html = render_html(kyc_facts)
    with_selfie = section(html, "identity-verification")
    assert "biometric data" in with_selfie
    assert "explicit consent" in with_selfie
    assert "[GDPR Art. 9(2)(a)]" in section(html, "gdpr")
    # US users: written consent, no sale, destruction within 3 years (BIPA-style statements).
    assert "written consent before the selfie check" in with_selfie
    assert "We never sell biometric data" in with_selfie
    assert "at the latest 3 years after your last interaction" in with_selfie
    # An alternative to the selfie is offered only when the facts say there is one.
    assert "alternative way to verify" not in with_selfie
    kyc_facts["kyc"]["selfie_alternative"] = True
    assert "ask us for an alternative way to verify" in section(render_html(kyc_facts), "identity-verification")

    kyc_facts["audience"]["regions"] = ["eea"]
    without_us = section(render_html(kyc_facts), "identity-verification")
    assert "biometric data" in without_us
    assert "United States" not in without_us.replace("stored in the United States", "")
    assert "written consent" not in without_us

    kyc_facts["kyc"]["documents"] = ["government_id", "proof_of_address"]
    html = render_html(kyc_facts)
    without = section(html, "identity-verification")
    assert "biometric" not in without.lower()
    assert "selfie" not in html_text(html).lower()
    assert "Art. 9(2)(a)" not in html_text(html)


def test_gdpr_articles_only_where_the_gdpr_applies(kyc_facts):
    text = section(render_html(kyc_facts), "identity-verification")
    assert "GDPR" not in text
    assert "Illinois" not in text


def test_legal_obligation_is_claimed_only_for_an_obliged_entity(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    # obliged_entity unset: no statement about anti-money-laundering law either way.
    unset_html = render_html(kyc_facts)
    unset = section(unset_html, "identity-verification")
    assert not AML_LAW.search(unset)
    assert "our legitimate interest in preventing fraud" in unset
    assert "legal obligation" not in unset
    assert "Art. 6(1)(c)" not in html_text(unset_html)

    kyc_facts["kyc"]["obliged_entity"] = False
    voluntary = section(render_html(kyc_facts), "identity-verification")
    assert re.search(r"No (anti-)?money.laundering law requires it of us", voluntary)
    assert "our legitimate interest in preventing fraud" in voluntary
    assert not re.search(r"as (anti-)?money.laundering law requires", voluntary)

    kyc_facts["kyc"]["obliged_entity"] = True
    abroad_html = render_html(kyc_facts)
    abroad = section(abroad_html, "identity-verification")
    # A New Zealand AML duty is no legal obligation in the GDPR's sense (Art. 6(3)).
    assert re.search(r"(Anti-m|M)oney.laundering law requires us to identify our customers", abroad)
    assert "our legal basis is our legitimate interest" in abroad.lower()
    assert not re.search(r"legal basis is (that )?legal obligation", abroad)
    assert "that law is not a legal obligation under the GDPR" in section(abroad_html, "gdpr")
    assert "[GDPR Art. 6(1)(f), 6(3)]" in section(abroad_html, "gdpr")
    assert re.search(r"as (anti-)?money.laundering law requires, even if you close your account", abroad)

    kyc_facts["company"]["country"] = "de"
    obliged_html = render_html(kyc_facts)
    obliged = section(obliged_html, "identity-verification")
    assert re.search(r"legal basis is (that )?legal obligation", obliged)
    assert re.search(r"(Anti-m|M)oney.laundering law requires us to identify our customers", obliged)
    assert re.search(r"as (anti-)?money.laundering law requires, even if you close your account", obliged)
    assert "not a legal obligation under the GDPR" not in html_text(obliged_html)


def test_screening_and_automated_rejection_follow_the_facts(kyc_facts):
    kyc_facts["audience"]["regions"] = ["eea"]
    kyc_facts["transfer_safeguards"] = ["scc"]
    unset_html = render_html(kyc_facts)
    assert "sanctions lists" not in section(unset_html, "identity-verification")
    assert "A member of our staff reviews every rejection" not in section(unset_html, "identity-verification")
    assert "Sanctions screening" not in html_text(unset_html)

    kyc_facts["kyc"].update(screening=True, automated_rejection=True)
    html = render_html(kyc_facts)
    text = section(html, "identity-verification")
    assert "politically exposed persons" in text
    assert "criminal offences" in text
    assert "[GDPR Art. 10]" in section(html, "gdpr")
    decisions = section(html, "automated-decisions")
    assert "can reject your identity verification automatically" in decisions
    assert "human review of such a decision" in decisions and "contest it" in decisions
    assert "privacy@hashbox.example" in decisions

    kyc_facts["kyc"].update(screening=False, automated_rejection=False)
    html = render_html(kyc_facts)
    text = section(html, "identity-verification")
    assert "politically exposed" not in text
    assert "A member of our staff reviews every rejection" in text
    assert "reject your identity verification automatically" not in section(html, "automated-decisions")
    assert "Art. 10]" not in html_text(html)


def test_kyc_retention_is_stated(kyc_facts):
    kyc_facts["retention"]["kyc"] = "5 years after the business relationship ends"
    text = section(render_html(kyc_facts), "identity-verification")
    assert "5 years after the business relationship ends" in text
    del kyc_facts["retention"]["kyc"]
    assert "2 years after your account closes" in section(render_html(kyc_facts), "identity-verification")


def test_in_house_check_names_no_vendor(kyc_facts):
    kyc_facts["kyc"] = {"vendor": "in_house", "documents": ["government_id"], "obliged_entity": True}
    text = section(render_html(kyc_facts), "identity-verification")
    assert "Our own staff check your documents" in text
    for vendor in catalog.load().kyc_vendors.values():
        assert vendor["name"] not in text
    assert "carries out the check for us" not in text


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
    assert "We set strictly necessary cookies" in text
    # Without trackers there is no tools table, no choices and no consent promise.
    assert "We also use these tools" not in text
    assert "Your choices" not in text
    assert "banner" not in text
    assert "online activities over time" not in text  # that CalOPPA statement needs US users and trackers
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
        row = subsection(text, f'{tracker["name"]} ({tracker["legal_name"]}, United States)')[:600]
        for cookie in tracker["cookies"]:
            assert f'{cookie["name"]} ({cookie["duration"]})' in row
    assert "Meta Platforms, Inc. also uses what it receives for its own purposes" in text
    assert "collect data about your activity over time and across other websites and apps" in text
    assert "You can block or delete cookies in your browser settings" in text
    # No consent tool in the facts: no banner is described.
    assert "banner" not in text
    minimal_facts["cookies"]["consent_tool"] = True
    text = section(render_html(minimal_facts), "cookies")
    assert "We set analytics and advertising cookies only after you consent in our cookie banner" in text


@pytest.mark.parametrize("dnt, expected, absent", [
    ("honour", "our website honours the Do Not Track signal", "does not respond to"),
    ("ignore", "our website does not respond to the Do Not Track signal", "honours"),
])
def test_do_not_track_statement_follows_the_fact(minimal_facts, dnt, expected, absent):
    minimal_facts["analytics"] = ["google_analytics"]
    minimal_facts["cookies"] = {"do_not_track": dnt}
    # Do Not Track is a CalOPPA statement: none without US users, even with the fact set.
    assert "Do Not Track" not in html_text(render_html(minimal_facts))
    minimal_facts["audience"]["regions"] = ["nz", "us"]
    minimal_facts["audience"]["ccpa_business"] = False
    text = section(render_html(minimal_facts), "cookies")
    paragraph = subsection(text, "Do Not Track:")
    assert expected in paragraph
    assert absent not in paragraph
    if dnt == "honour":
        assert "it does not load Google Analytics" in paragraph


def test_do_not_track_is_silent_when_unset(minimal_facts):
    minimal_facts["analytics"] = ["google_analytics"]
    minimal_facts["audience"]["regions"] = ["us"]
    minimal_facts["audience"]["ccpa_business"] = False
    assert "Do Not Track" not in html_text(render_html(minimal_facts))


@pytest.mark.parametrize("gpc, expected", [
    ("honour", "we treat a GPC signal from your browser as a request to opt out of the sale and sharing"),
    ("ignore", "our website does not respond to GPC signals. To opt out, write to privacy@hashbox.example"),
])
def test_global_privacy_control_follows_the_fact(minimal_facts, gpc, expected):
    minimal_facts["analytics"] = ["google_ads"]
    minimal_facts["cookies"] = {"marketing": True, "global_privacy_control": gpc}
    # GPC belongs to US state law: no statement for New Zealand users only.
    assert "Global Privacy Control" not in html_text(render_html(minimal_facts))
    minimal_facts["audience"]["regions"] = ["us-ca"]
    text = section(render_html(minimal_facts), "cookies")
    assert expected in subsection(text, "Global Privacy Control:")
    del minimal_facts["cookies"]["global_privacy_control"]
    assert "Global Privacy Control" not in section(render_html(minimal_facts), "cookies")


def test_cookieless_analytics_runs_without_consent(minimal_facts):
    minimal_facts["analytics"] = ["plausible"]
    text = section(render_html(minimal_facts), "cookies")
    assert "Plausible Analytics sets no cookies and does not identify you" in text
    assert "Your choices" not in text
    assert "banner" not in text


# --- analytics and advertising (now part of the cookies section) ----------------------

def test_cookies_section_names_each_tool_with_its_policy(minimal_facts):
    minimal_facts["analytics"] = ["google_analytics", "hotjar", "google_ads"]
    html = render_html(minimal_facts)
    assert not has_section(html, "analytics-advertising")
    text = section(html, "cookies")
    for tracker_id in minimal_facts["analytics"]:
        tracker = catalog.load().trackers[tracker_id]
        assert tracker["name"] in text
        assert tracker["legal_name"] in text
        assert tracker["receives"].lower() in text.lower()
        assert f'href="{tracker["privacy_url"]}"' in html
    assert "Google LLC also uses what it receives for its own purposes" in text
    assert "collect data about your activity over time and across other websites and apps" in text


def test_analytics_only_says_no_cross_site_tracking(minimal_facts):
    minimal_facts["analytics"] = ["matomo"]
    text = section(render_html(minimal_facts), "cookies")
    assert "Matomo" in text
    assert "for its own purposes" not in text
    assert "follow your activity across other websites" not in text
    assert "sharing" not in text.lower()


def test_advertising_is_sharing_only_where_the_ccpa_applies(minimal_facts):
    minimal_facts["analytics"] = ["facebook_pixel"]
    minimal_facts["cookies"] = {"marketing": True}
    html = render_html(minimal_facts)
    assert "California" not in html_text(html)
    assert "cross-context behavioural advertising" not in html_text(html)
    minimal_facts["audience"]["regions"] = ["nz", "us-ca"]
    html = render_html(minimal_facts)
    ccpa = section(html, "ccpa")
    assert "cross-context behavioural advertising" in ccpa
    assert "Meta Platforms, Inc." in ccpa
    assert "Do Not Sell or Share My Personal Information" in ccpa


def test_custom_tracker_renders_literally(minimal_facts):
    minimal_facts["analytics"] = [{"name": HOSTILE, "website": "https://track.example", "country": "de"}]
    html = render_html(minimal_facts)
    assert "<script>alert(1)" not in html
    for section_id in ("cookies", "sharing"):
        text = section(html, section_id)
        assert HOSTILE in text
        assert "None" not in text
        assert "49" not in text
    assert 'href="https://track.example"' in html
    assert "See the provider’s policy" in section(html, "cookies")


# --- marketing ----------------------------------------------------------------------

def test_marketing_section_follows_the_fact(minimal_facts):
    assert not has_section(render_html(minimal_facts), "marketing")
    minimal_facts["marketing_emails"] = "consent"
    consent = section(render_html(minimal_facts), "marketing")
    assert "only if you ask for them" in consent
    assert "soft opt-in" not in consent
    minimal_facts["marketing_emails"] = "opt_out"
    opt_out = section(render_html(minimal_facts), "marketing")
    assert "unless you have told us not to" in opt_out
    # The soft opt-in is a UK/EU e-privacy notion: only where the GDPR or UK GDPR applies.
    assert "soft opt-in" not in opt_out
    minimal_facts["audience"]["regions"] = ["nz", "uk"]
    minimal_facts["transfer_safeguards"] = ["scc"]
    # The soft opt-in needs an address obtained in a sale: without transactions or payments there is none.
    no_sale = section(render_html(minimal_facts), "marketing")
    assert "soft opt-in" not in no_sale and "only if you ask for them" in no_sale
    minimal_facts["data_collected"].append("transactions")
    uk = section(render_html(minimal_facts), "marketing")
    assert "soft opt-in" in uk
    for text in (consent, opt_out, uk):
        assert "To stop marketing emails, write to privacy@hashbox.example" in text
        assert "security alerts" in text
        # No unsubscribe method or deadline without the facts.
        assert "unsubscribe link" not in text
        assert "within" not in text


def test_unsubscribe_methods_and_deadline_come_from_the_facts(minimal_facts):
    minimal_facts["marketing_emails"] = "opt_out"
    minimal_facts["marketing_unsubscribe"] = {"methods": ["email_link", "account_settings"], "days": 10}
    text = section(render_html(minimal_facts), "marketing")
    assert "use the unsubscribe link in any marketing email" in text
    assert "switch marketing off in your account settings" in text
    assert "reply to the email" not in text
    assert "We act on your request within 10 days" in text


# --- sharing ------------------------------------------------------------------------

def test_sharing_names_recipients_and_denies_sale(kyc_facts):
    kyc_facts["analytics"] = ["google_analytics"]
    kyc_facts["data_collected"] += ["payment", "support"]
    text = section(render_html(kyc_facts), "sharing")
    for recipient in ("Service providers that host and run our systems", "Payment processors",
                      "Sumsub, United Kingdom", "Google Analytics, United States",
                      "Professional advisers", "Courts, regulators and law enforcement", "A buyer of our business"):
        assert recipient in text, recipient
    # sells_personal_data unset: no statement either way.
    assert "sell" not in text.lower()
    kyc_facts["sells_personal_data"] = False
    assert "We do not sell your personal data" in section(render_html(kyc_facts), "sharing")


def test_sharing_without_kyc_payments_or_trackers(minimal_facts):
    text = section(render_html(minimal_facts), "sharing")
    assert "Payment processors" not in text
    assert "verify your identity" not in text
    assert "Advertising" not in text and "Analytics" not in text
    assert "a company of our group" not in text
    assert "public blockchain" not in text
    # No recipient the facts do not name: no mining pool operators, whatever the services.
    assert "pool" not in text.lower()
    minimal_facts["services"] = ["pool"]
    assert "pool" not in section(render_html(minimal_facts), "sharing").lower()


def test_group_companies_and_blockchain_come_from_the_facts(minimal_facts):
    minimal_facts["data_collected"].append("wallet_addresses")
    minimal_facts["group_companies"] = [{"name": "Hashbox Labs Pty Ltd", "country": "au", "role": "processor",
                                         "purpose": "customer support"}]
    text = section(render_html(minimal_facts), "sharing")
    assert "Hashbox Labs Pty Ltd, Australia, a company of our group" in text
    assert "Customer support; it processes data for us, on our instructions" in text
    assert "Anyone, on the public blockchain" in text


def test_sale_of_data_is_disclosed_when_true(minimal_facts):
    minimal_facts["sells_personal_data"] = True
    text = section(render_html(minimal_facts), "sharing")
    assert "We sell some personal data" in text
    assert "We do not sell" not in text


# --- security -----------------------------------------------------------------------

def test_security_measures_come_only_from_the_facts(minimal_facts):
    text = section(render_html(minimal_facts), "security")
    assert "We protect personal data with" in text  # a general statement, naming no measure
    for measure in catalog.load().security_measures.values():
        assert measure["text"].lower() not in text.lower()
    assert "72 hours" not in text
    assert "recovery phrase" not in text

    minimal_facts["security_measures"] = ["tls", "2fa"]
    minimal_facts["data_collected"].append("wallet_addresses")
    text = section(render_html(minimal_facts), "security")
    for measure_id, measure in catalog.load().security_measures.items():
        assert (measure["text"].lower() in text.lower()) == (measure_id in ("tls", "2fa")), measure_id
    assert "If a breach puts your data at risk, we will tell you and the authorities where the law requires it" in text
    assert "recovery phrase" in text


def test_examples_render_without_missing_facts():
    from generator.facts import load
    from generator.render import render
    from conftest import EXAMPLES

    for path in sorted(EXAMPLES.glob("*.yaml")):
        html = render(load(path)).html
        for section_id in ("identity-verification", "cookies", "marketing", "sharing", "security"):
            text = section(html, section_id)
            if text is not None:
                for sign in ("None", "such as .", ", .", "[]", "  "):
                    assert sign not in text, (path.name, section_id, sign)
