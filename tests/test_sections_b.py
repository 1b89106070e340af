"""Clause templates: transfers, retention, automated decisions, children, rights, changes, contact.

Each test reads only the section under test, so that it checks this clause's own wording.
"""

from __future__ import annotations

import re

import pytest

from conftest import html_text, section_fragments
from generator.view import in_text

HOSTILE = "<script>alert(1)</script> {{ 7*7 }} {% if true %}x{% endif %}"


def section(data: dict, section_id: str) -> str:
    """The HTML fragment of one section, as the renderer made it for the whole policy."""
    return section_fragments(data)[section_id]


def text(data: dict, section_id: str) -> str:
    return html_text(section(data, section_id))


def transfer_rows(data: dict) -> dict[str, tuple[str, str]]:
    """The transfers table: destination -> (what for, safeguard per law), as visible text."""
    html = section(data, "international-transfers")
    if '<table class="transfers">' not in html:
        return {}
    body = html.split('<table class="transfers">', 1)[1].split("<tbody>", 1)[1].split("</tbody>", 1)[0]
    rows = {}
    for row in re.findall(r"<tr>(.*?)</tr>", body, flags=re.S):
        cells = [html_text(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row, flags=re.S)]
        rows[cells[0]] = (cells[1], cells[2])
    return rows


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
    assert "We store personal data in New Zealand and the United States" in out
    assert "records are stored in Germany" in out
    assert "The providers in section 7 are based where shown there" in out
    # EEA and UK users give their data to a New Zealand company directly: no transfer for that.
    assert "we collect it directly; that is not a transfer out of your region" in out
    rows = transfer_rows(eu_facts)
    assert set(rows) == {"United Kingdom", "United States", "Germany"}
    uk_uses, uk_safeguards = rows["United Kingdom"]
    assert "GDPR: standard contractual clauses" in uk_safeguards
    assert "UK GDPR" not in uk_safeguards  # the UK is inside its own zone
    us_uses, us_safeguards = rows["United States"]
    assert "Analytics" in us_uses and "our own storage and processing" not in us_uses
    assert "GDPR: standard contractual clauses" in us_safeguards
    assert "UK GDPR: International Data Transfer Addendum" in us_safeguards
    # A New Zealand company's storage provider in the US is its agent: no IPP12 disclosure (s.11).
    assert "Privacy Act 2020" not in us_safeguards
    de_uses, de_safeguards = rows["Germany"]
    assert "GDPR:" not in de_safeguards.replace("UK GDPR:", "")  # Germany is inside the EEA
    assert "UK GDPR:" in de_safeguards
    assert "You can ask us for a copy of the safeguards at privacy@hashbox.example" in out
    # The US is reached under the Data Privacy Framework only with `dpf`, never through `adequacy`.
    assert "Data Privacy Framework" not in out


def test_dpf_is_named_for_the_united_states_only_when_given(eu_facts):
    eu_facts["transfer_safeguards"] = ["dpf", "scc"]
    rows = transfer_rows(eu_facts)
    assert "Data Privacy Framework" in rows["United States"][1]
    assert "Data Privacy Framework" not in rows["United Kingdom"][1]


@pytest.mark.parametrize("safeguard", ["contract", "uk_idta", "cn_standard_contract", "lgpd_standard_clauses"])
def test_every_profile_mechanism_id_renders(eu_facts, safeguard):
    eu_facts["transfer_safeguards"] = ["scc", safeguard]
    assert "Transfers and their safeguards" in text(eu_facts, "international-transfers")


def test_adequacy_is_named_only_where_the_destination_has_it(eu_facts):
    eu_facts["transfer_safeguards"] = ["adequacy"]
    rows = transfer_rows(eu_facts)
    assert "GDPR: adequacy decision" in rows["United Kingdom"][1]
    assert "UK GDPR: UK adequacy regulations" in rows["Germany"][1]
    # No EU or UK finding covers the US (only certified recipients, under `dpf`), nor New Zealand's law.
    assert "adequacy" not in rows["United States"][1].lower()
    assert "GDPR: none in place" in rows["United States"][1]
    assert "Privacy Act 2020" not in rows["United States"][1]   # agents only, for New Zealand


def test_transfers_without_uk_users_leave_out_uk_tools(eu_facts):
    eu_facts["audience"]["regions"] = ["eea"]
    out = text(eu_facts, "international-transfers")
    assert "standard contractual clauses" in out.lower()
    assert "UK Addendum" not in out and "IDTA" not in out and "data bridges" not in out
    assert "Privacy Act" not in out


def test_no_transfers_says_data_stays_and_names_no_safeguard(minimal_facts):
    out = text(minimal_facts, "international-transfers")
    assert "We store personal data in New Zealand" in out
    assert "We do not transfer your data outside New Zealand" in out
    assert "standard contractual clauses" not in out.lower()
    assert "adequacy" not in out.lower() and "copy of the safeguards" not in out
    assert "providers" not in out.lower()
    assert transfer_rows(minimal_facts) == {}


def test_direct_collection_from_abroad_is_no_transfer(minimal_facts):
    minimal_facts["audience"]["regions"] = ["eea"]
    out = text(minimal_facts, "international-transfers")
    assert "we collect it directly; that is not a transfer out of your region" in out
    assert "We do not send it on to other countries" in out
    assert "These transfers take place" not in out and "safeguard" not in out
    assert transfer_rows(minimal_facts) == {}


def test_adequacy_without_eu_users_does_not_mention_the_data_privacy_framework(minimal_facts):
    minimal_facts["data_regions"] = ["us"]
    minimal_facts["transfer_safeguards"] = ["adequacy", "consent"]
    # An advertising tool in the US uses the data for itself: a disclosure under New Zealand's IPP12.
    minimal_facts["analytics"] = ["facebook_pixel"]
    out = text(minimal_facts, "international-transfers")
    assert "We store personal data in the United States" in out
    rows = transfer_rows(minimal_facts)
    assert list(rows) == ["United States"]
    assert "advertising" in rows["United States"][0].lower()
    assert "Data Privacy Framework" not in out and "GDPR" not in out
    # New Zealand has no adequacy finding for the US: the derogation is what is relied on.
    assert "adequacy" not in out.lower()
    assert "Privacy Act 2020: your authorisation" in rows["United States"][1]


def test_in_text_adds_the_article_only_where_english_needs_it():
    assert in_text("United States") == "the United States"
    assert in_text("Netherlands") == "the Netherlands"
    assert in_text("Cayman Islands") == "the Cayman Islands"
    assert in_text("Germany") == "Germany"
    assert in_text("Hong Kong") == "Hong Kong"


# --- retention --------------------------------------------------------------------------

def test_retention_table_has_every_category_kyc_and_default(eu_facts):
    eu_facts["data_collected"] = ["account", "contact", "log_data"]
    out = text(eu_facts, "retention")
    assert "Account data 6 years after account closure" in out
    assert re.search(r"(Identity-verification|ID check) records 5 years after the business relationship ends", out)
    assert "Biometric data from the selfie check Deleted as soon as the check is complete" in out
    assert "Log and usage data 90 days" in out
    assert "Cookies The lifetime shown in section 6" in out
    assert "Anything else 2 years after your account closes" in out
    assert "then delete it or make it anonymous" in out
    assert "as long as necessary" not in out.lower()
    # The AML retention duty is stated in the KYC section, and only for an obliged entity.
    kyc = text(eu_facts, "identity-verification")
    assert re.search(r"5 years after the business relationship ends, as (anti-)?money.laundering law requires", kyc)
    eu_facts["kyc"]["obliged_entity"] = False
    assert not re.search(r"as (anti-)?money.laundering law requires", text(eu_facts, "identity-verification"))


def test_retention_without_kyc_or_logs_fact_leaves_no_trace(minimal_facts):
    out = text(minimal_facts, "retention")
    assert "Identity-verification" not in out and "money-laundering" not in out
    assert "Biometric" not in out and "Cookies" not in out
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
    assert "human review of such a decision" not in out


def test_automated_decision_sentence_is_rendered_with_rights(minimal_facts):
    minimal_facts["automated_decisions"] = "Our fraud engine freezes payouts with a high risk score <b>now</b>."
    html = section(minimal_facts, "automated-decisions")
    out = html_text(html)
    assert "Our fraud engine freezes payouts with a high risk score <b>now</b>." in out
    assert "<b>" not in html
    assert "We do not make decisions" not in out
    assert "ask for human review of such a decision" in out
    assert "contest it" in out and "point of view" in out
    assert "privacy@hashbox.example" in out


def test_automatic_kyc_rejection_brings_human_review(eu_facts):
    assert "reject your identity verification" not in text(eu_facts, "automated-decisions")
    eu_facts["kyc"]["automated_rejection"] = True
    out = text(eu_facts, "automated-decisions")
    assert "The only such decision is this" in out
    assert "the software of Sumsub can reject your identity verification automatically" in out
    assert "human review of such a decision" in out and "privacy@hashbox.example" in out
    eu_facts["automated_decisions"] = "Our fraud engine freezes payouts."
    both = text(eu_facts, "automated-decisions")
    assert "Our fraud engine freezes payouts." in both and "Also, the software of Sumsub" in both


# --- children -----------------------------------------------------------------------------

def test_children_adult_service(minimal_facts):
    out = text(minimal_facts, "children")
    assert "at least 18 years old" in out
    assert "not directed to children" in out and "anyone under 18" in out
    assert "do not knowingly collect" in out and "delete" in out and "privacy@hashbox.example" in out


def test_children_younger_minimum_age_with_gdpr(eu_facts):
    eu_facts["audience"]["minimum_age"] = 14
    out = text(eu_facts, "children")
    assert "at least 14 years old" in out and "anyone under 14" in out
    # The digital age of consent is GDPR text: it goes in the GDPR section, only when the age is under 16.
    gdpr = text(eu_facts, "gdpr")
    assert "digital age of consent of their country (13 to 16)" in gdpr and "[GDPR Art. 8(1)]" in gdpr
    eu_facts["audience"]["minimum_age"] = 16
    assert "digital age of consent" not in text(eu_facts, "gdpr")


def test_children_minimum_age_16_without_eu_users_has_no_eu_text(minimal_facts):
    minimal_facts["audience"]["minimum_age"] = 16
    html = section_fragments(minimal_facts)
    out = html_text(html["children"])
    assert "at least 16 years old" in out
    assert "European Economic Area" not in out and "United Kingdom" not in out
    assert "digital age of consent" not in html_text("".join(html.values()))


# --- your rights --------------------------------------------------------------------------

def test_rights_list_procedure_and_law_table(eu_facts):
    eu_facts["contact"].update(response_days=20, request_form_url="https://hashbox.example/rights",
                               phone="+64 9 555 0100")
    eu_facts["marketing_emails"] = "consent"
    html = section(eu_facts, "your-rights")
    out = html_text(html)
    assert "Depending on where you live, you have some or all of these rights" in out
    for right in ("Right of access", "Right to correction", "Right to deletion (GDPR and UK GDPR)",
                  "Right to portability (GDPR and UK GDPR)", "Right to restriction (GDPR and UK GDPR)",
                  "Right to object (GDPR and UK GDPR)", "Right to object to direct marketing (GDPR and UK GDPR)",
                  "Right to withdraw consent (GDPR and UK GDPR)", "Rights on automated decisions (GDPR and UK GDPR)"):
        assert right in out, right
    assert "machine-readable" in out and "at any time" in out
    assert "We answer within 20 days, or sooner where the law of your region sets a shorter time" in out
    assert "identity" in out  # requests are verified by matching details we hold
    assert "matching details we already hold" in out
    assert 'href="https://hashbox.example/rights"' in html and "+64 9 555 0100" in out
    # Deadlines, fees and complaint routes come from each law's profile.
    assert "GDPR One month Free of charge" in out
    assert "UK GDPR One month Free of charge Information Commissioner's Office (ICO)" in out
    assert "Privacy Act 2020 20 working days" in out and "Office of the Privacy Commissioner (New Zealand)" in out
    assert "lodge a complaint with a supervisory authority" in out
    # An authorised agent is a US state-law notion.
    assert "authorise in writing" not in out


def test_rights_without_optional_channels_or_marketing(minimal_facts):
    html = section(minimal_facts, "your-rights")
    out = html_text(html)
    assert "phone" not in out.lower() and "request form" not in out
    assert "direct marketing" not in out and "unsubscribe" not in out
    assert "money-laundering" not in out and "GDPR" not in out
    assert "supervisory authority" not in out and "restrict" not in out
    assert "You have these rights over your personal data" in out
    # No response_days in the facts: only the law's own deadline is given.
    assert "or sooner where the law of your region" not in out
    assert "Privacy Act 2020 20 working days" in out


def test_rights_own_answer_time_defers_to_a_shorter_legal_deadline(eu_facts):
    eu_facts["contact"]["response_days"] = 45
    out = text(eu_facts, "your-rights")
    assert "We answer within 45 days, or sooner where the law of your region sets a shorter time" in out
    assert "GDPR One month" in out


# --- changes and contact ------------------------------------------------------------------

def test_changes_give_notice_method_date_and_url(minimal_facts):
    minimal_facts["policy"].update(url="https://hashbox.example/privacy", change_notice="website")
    html = section(minimal_facts, "changes")
    out = html_text(html)
    assert "we tell you by a notice on our website" in out
    assert 'href="https://hashbox.example/privacy"' in html
    assert "The current version is at" in out
    # The date is the page's "Last updated" line, not repeated in this section.
    from conftest import render_html
    assert "Last updated: 15 January 2026" in html_text(render_html(minimal_facts))
    # The promise about new purposes lives in how-we-use; saying it twice only lengthened the policy.
    assert "new purpose" not in out


def test_changes_without_url_name_no_version_link(minimal_facts):
    html = section(minimal_facts, "changes")
    assert "href=" not in html
    assert "The current version is at" not in html_text(html)
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
    assert "Our data protection officer is at dpo@hashbox.example" in out
    assert "call +64 9 555 0100" in out and "send a letter to Hashbox Mining Ltd, 1 Queen Street, Auckland" in out
    assert 'href="https://hashbox.example/rights"' in html
    # The representative's details are given once, in the controller section.
    assert "EU Rep GmbH" not in out
    assert "EU Rep GmbH" in text(eu_facts, "controller")
    # The complaint form and the response time are given in the rights section.
    assert 'href="https://hashbox.example/complaints"' in section(eu_facts, "your-rights")
    assert "We answer within 21 days" in text(eu_facts, "your-rights")


def test_contact_without_optional_facts_leaves_no_trace(minimal_facts):
    out = text(minimal_facts, "contact")
    assert "phone" not in out.lower()
    assert "data protection officer" not in out.lower()
    assert "representative" not in out.lower() and "Post" not in out and "form" not in out
    assert "None" not in out
