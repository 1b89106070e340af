"""Clause templates: transfers, retention, automated decisions, children, rights, changes, contact.

Each test reads only the section under test, so that it checks this clause's own wording.
"""

from __future__ import annotations

import pytest

from conftest import html_text, section_fragments
from generator.view import in_text

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %}"


def section(data: dict, section_id: str) -> str:
    """The HTML fragment of one section, as the renderer made it for the whole policy."""
    return section_fragments(data)[section_id]


def text(data: dict, section_id: str) -> str:
    return html_text(section(data, section_id))


@pytest.fixture
def eu_facts(minimal_facts) -> dict:
    """EEA and UK users, data in New Zealand and the US, a KYC vendor and analytics."""
    data = minimal_facts
    data["audience"]["regions"] = ["nz", "eea", "uk"]
    data["data_regions"] = ["nz", "us"]
    data["transfer_safeguards"] = ["scc", "adequacy"]
    data["kyc"] = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "de",
                   "obliged_entity": True}
    data["analytics"] = ["google_analytics"]
    data["retention"].update(kyc="5 years after the business relationship ends", logs="90 days",
                             account="6 years after account closure")
    return data


# --- international transfers ---------------------------------------------------------

def test_transfers_name_regions_destinations_safeguards_and_copy(eu_facts):
    out = text(eu_facts, "international-transfers")
    assert "in New Zealand and the United States" in out
    assert "Sumsub (Sum and Substance Ltd)" in out and "Google Analytics" in out
    assert "stores the verification data in Germany" in out
    assert "European Economic Area New Zealand and United States" in out  # table row: users, destinations
    assert "Standard contractual clauses" in out and "Art. 46(2)(c) GDPR" in out
    assert "EU-US Data Privacy Framework" in out
    assert "request a copy of the safeguards" in out and "privacy@hashbox.example" in out
    assert "UK Addendum" in out and "International Data Transfer Agreement (IDTA)" in out
    assert "Information Privacy Principle 12" in out and "comparable safeguards" in out
    assert "public authorities" in out.lower()


def test_transfers_without_uk_users_leave_out_uk_tools(eu_facts):
    eu_facts["audience"]["regions"] = ["eea"]
    out = text(eu_facts, "international-transfers")
    assert "standard contractual clauses" in out.lower()
    assert "UK Addendum" not in out and "IDTA" not in out and "data bridges" not in out
    assert "Privacy Act" not in out


def test_no_transfers_says_data_stays_and_names_no_safeguard(minimal_facts):
    out = text(minimal_facts, "international-transfers")
    assert "We do not transfer your personal data outside New Zealand" in out
    assert "standard contractual clauses" not in out.lower()
    assert "adequacy" not in out.lower() and "request a copy" not in out
    assert "service providers" not in out.lower()


def test_adequacy_without_eu_users_does_not_mention_the_data_privacy_framework(minimal_facts):
    minimal_facts["data_regions"] = ["us"]
    minimal_facts["transfer_safeguards"] = ["adequacy", "consent"]
    out = text(minimal_facts, "international-transfers")
    assert "New Zealand United States" in out
    assert "Data Privacy Framework" not in out and "GDPR" not in out
    assert "you authorise the disclosure" in out.lower()


def test_in_text_adds_the_article_only_where_english_needs_it():
    assert in_text("United States") == "the United States"
    assert in_text("Netherlands") == "the Netherlands"
    assert in_text("Cayman Islands") == "the Cayman Islands"
    assert in_text("Germany") == "Germany"
    assert in_text("Hong Kong") == "Hong Kong"


# --- retention --------------------------------------------------------------------------

def test_retention_table_has_every_category_kyc_and_default(eu_facts):
    eu_facts["data_collected"] = ["account", "contact"]
    out = text(eu_facts, "retention")
    assert "Account data 6 years after account closure" in out
    assert "Identity-verification records: government-issued photo ID, selfie and liveness check" in out
    assert "5 years after the business relationship ends" in out
    assert "Server logs 90 days" in out  # log_data is not a category here, so logs get their own row
    assert "Any other personal data 2 years after your account closes" in out
    assert "anti-money-laundering law requires it" in out
    assert "anonymise it irreversibly" in out and "backup" in out
    assert "as long as necessary" not in out.lower()


def test_retention_without_kyc_or_logs_fact_leaves_no_trace(minimal_facts):
    out = text(minimal_facts, "retention")
    assert "Identity-verification" not in out and "money-laundering" not in out
    assert "Server logs" not in out
    assert "Log and usage data 2 years after your account closes" in out  # falls back to the default rule
    assert "None" not in out


def test_hostile_retention_text_renders_literally(minimal_facts):
    minimal_facts["retention"]["default"] = HOSTILE
    html = section(minimal_facts, "retention")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html and "49" not in html
    assert "{% if true %}x{% endif %}" in html


# --- automated decisions -------------------------------------------------------------------

def test_no_automated_decisions_says_so(minimal_facts):
    out = text(minimal_facts, "automated-decisions")
    assert "We do not make decisions about you based solely on automated processing" in out
    assert "profiling" in out
    assert "human intervention" not in out


def test_automated_decision_sentence_is_rendered_with_rights(minimal_facts):
    minimal_facts["automated_decisions"] = "Our fraud engine freezes payouts with a high risk score <b>now</b>."
    html = section(minimal_facts, "automated-decisions")
    out = html_text(html)
    assert "Our fraud engine freezes payouts with a high risk score <b>now</b>." in out
    assert "<b>" not in html
    assert "We do not make decisions" not in out
    assert "human intervention" in out and "contest the decision" in out and "point of view" in out
    assert "privacy@hashbox.example" in out


def test_automatic_kyc_rejection_brings_human_review(eu_facts):
    eu_facts["kyc"]["automated_rejection"] = True
    out = text(eu_facts, "automated-decisions")
    assert "apart from the identity check described below" in out
    assert "Sumsub" in out and "reject your verification automatically" in out
    assert "human intervention" in out and "privacy@hashbox.example" in out


# --- children -----------------------------------------------------------------------------

def test_children_adult_service(minimal_facts):
    out = text(minimal_facts, "children")
    assert "at least 18 years old" in out
    assert "not directed to children under 13" in out and "anyone else under 18" in out
    assert "do not knowingly collect" in out and "delete" in out and "privacy@hashbox.example" in out
    assert "guardian" in out and "Users under 18" not in out


def test_children_younger_minimum_age_with_gdpr(eu_facts):
    eu_facts["audience"]["minimum_age"] = 14
    out = text(eu_facts, "children")
    assert "at least 14 years old" in out
    assert "at least 14 but under 18" in out and "permission of your parent or guardian" in out
    assert "ranges from 13 to 16" in out and "parental responsibility" in out
    assert "from the age of 13" in out  # UK users are in this policy


def test_children_minimum_age_16_without_eu_users_has_no_eu_text(minimal_facts):
    minimal_facts["audience"]["minimum_age"] = 16
    out = text(minimal_facts, "children")
    assert "at least 16 but under 18" in out
    assert "European Economic Area" not in out and "United Kingdom" not in out


# --- your rights --------------------------------------------------------------------------

def test_rights_list_procedure_and_separate_objection_box(eu_facts):
    eu_facts["contact"].update(response_days=20, request_form_url="https://hashbox.example/rights",
                               phone="+64 9 555 0100")
    eu_facts["marketing_emails"] = "consent"
    html = section(eu_facts, "your-rights")
    out = html_text(html)
    assert '<div class="right-to-object">\n<h3>Your right to object</h3>' in html
    box = html_text(html.split('<div class="right-to-object">')[1].split("</div>")[0])
    assert "legitimate interests" in box and "direct marketing" in box and "absolute" in box
    for right in ("Access", "Rectification", "Erasure", "Restriction of processing", "Portability",
                  "Withdrawing consent", "Automated decisions"):
        assert right in out
    assert "machine-readable" in out and "at any time" in out and "before its withdrawal" in out
    assert "anti-money-laundering law requires us to keep" in out
    assert "within 20 days" in out and "two further months" in out
    assert "free of charge" in out and "verify your identity" in out and "authorised agent" in out
    assert 'href="https://hashbox.example/rights"' in html and "+64 9 555 0100" in out
    assert "supervisory authority" in out and 'href="#gdpr"' in html


def test_rights_without_optional_channels_or_marketing(minimal_facts):
    html = section(minimal_facts, "your-rights")
    out = html_text(html)
    assert "phone" not in out.lower() and "request form" not in out
    assert "direct marketing" not in out and "unsubscribe" not in out
    assert "money-laundering" not in out and "GDPR" not in out
    assert "within 30 days" in out
    assert '<div class="right-to-object">' in html


def test_rights_long_answer_time_is_capped_at_one_month_under_gdpr(eu_facts):
    eu_facts["contact"]["response_days"] = 45
    out = text(eu_facts, "your-rights")
    assert "within 45 days" in out and "within one month if that is sooner" in out


# --- changes and contact ------------------------------------------------------------------

def test_changes_give_notice_method_date_and_url(minimal_facts):
    minimal_facts["policy"].update(url="https://hashbox.example/privacy", change_notice="website")
    html = section(minimal_facts, "changes")
    out = html_text(html)
    assert "we tell you by a notice on our website" in out
    assert "15 January 2026" in out
    assert 'href="https://hashbox.example/privacy"' in html
    assert "Earlier versions are available on request" in out
    # The promise about new purposes lives in how-we-use; saying it twice only lengthened the policy.
    assert "new purpose" not in out


def test_changes_without_url_point_to_website(minimal_facts):
    html = section(minimal_facts, "changes")
    assert 'href="https://hashbox.example"' in html
    assert "by email and by a notice on our website" in html_text(html)


def test_contact_lists_every_channel_given(eu_facts):
    eu_facts["company"]["address"] = "1 Queen Street, Auckland"
    eu_facts["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Ana Lee", phone="+64 9 555 0100",
                               request_form_url="https://hashbox.example/rights",
                               complaint_form_url="https://hashbox.example/complaints", response_days=21)
    eu_facts["representatives"] = {"eu": {"name": "EU Rep GmbH", "address": "Hauptstr. 1, Berlin",
                                          "email": "eu@rep.example"}}
    html = section(eu_facts, "contact")
    out = html_text(html)
    assert 'href="mailto:privacy@hashbox.example"' in html
    assert "Data protection officer Ana Lee, dpo@hashbox.example" in out
    assert "+64 9 555 0100" in out and "1 Queen Street, Auckland" in out
    assert 'href="https://hashbox.example/rights"' in html and 'href="https://hashbox.example/complaints"' in html
    # The representative's details are given once, in the controller section, and referred to here.
    assert "EU Rep GmbH" not in out and "our representative, whose details are in section 2 (Who we are)" in out
    assert "within 21 days" in out and "data protection authority" in out


def test_contact_without_optional_facts_leaves_no_trace(minimal_facts):
    out = text(minimal_facts, "contact")
    assert "phone" not in out.lower()
    assert "data protection officer" not in out.lower()
    assert "representative" not in out.lower() and "Post" not in out and "form" not in out
    assert "None" not in out
