"""Regional sections for Hong Kong, New Zealand, Singapore, Brazil and Canada.

Each test reads only these five sections of the rendered policy.
"""

from __future__ import annotations

import copy
import re
from html import unescape

import pytest

from conftest import section_fragments
from generator.clauses import plan
from generator.facts import validate
from generator.yamlio import LineMap

SECTIONS = {"hk": "pdpo", "nz": "nz-privacy", "sg": "pdpa", "br": "lgpd", "ca": "pipeda"}
AUTHORITIES = {
    "pdpo": "Office of the Privacy Commissioner for Personal Data (PCPD)",
    "nz-privacy": "Office of the Privacy Commissioner",
    "pdpa": "Personal Data Protection Commission (PDPC)",
    "lgpd": "ANPD",
    "pipeda": "Office of the Privacy Commissioner of Canada",
}
HOSTILE = "<script>alert(1)</script> {{ 7*7 }}"


def _facts(data: dict):
    return validate(copy.deepcopy(data), "<test>", LineMap(None))


def regional(data: dict) -> dict[str, str]:
    """The HTML of each of this file's regional sections that the policy has, by section id."""
    return {sid: html for sid, html in section_fragments(data).items() if sid in SECTIONS.values()}


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture
def facts(minimal_facts) -> dict:
    """Users in all five regions, data stored in New Zealand and the United States."""
    minimal_facts["audience"]["regions"] = list(SECTIONS)
    minimal_facts["data_regions"] = ["nz", "us"]
    minimal_facts["transfer_safeguards"] = ["scc"]
    return minimal_facts


# --- when each section appears ---------------------------------------------------

@pytest.mark.parametrize("region,section", SECTIONS.items())
def test_each_region_brings_only_its_own_section(minimal_facts, region, section):
    minimal_facts["audience"]["regions"] = [region]
    minimal_facts["data_regions"] = [region]
    ids = [s.id for s in plan(_facts(minimal_facts))]
    assert section in ids
    assert not set(SECTIONS.values()) - {section} & set(ids)
    assert list(regional(minimal_facts)) == [section]


def test_global_brings_all_five(minimal_facts):
    minimal_facts["audience"]["regions"] = ["global"]
    minimal_facts["transfer_safeguards"] = ["scc"]
    assert set(regional(minimal_facts)) == set(SECTIONS.values())


def test_us_and_eea_bring_none_of_them(minimal_facts):
    minimal_facts["audience"]["regions"] = ["us", "eea"]
    minimal_facts["data_regions"] = ["us"]
    minimal_facts["transfer_safeguards"] = ["scc"]
    ids = {s.id for s in plan(_facts(minimal_facts))}
    assert not ids & set(SECTIONS.values())
    assert regional(minimal_facts) == {}


# --- what each section says ------------------------------------------------------

def test_authorities_are_named_with_their_links(facts):
    html = regional(facts)
    for section, authority in AUTHORITIES.items():
        assert authority in text(html[section]), section
    assert 'href="https://www.pcpd.org.hk/"' in html["pdpo"]
    assert 'href="https://www.privacy.org.nz/"' in html["nz-privacy"]
    assert 'href="https://www.pdpc.gov.sg/"' in html["pdpa"]
    assert 'href="https://www.gov.br/anpd/"' in html["lgpd"]
    assert 'href="https://www.priv.gc.ca/"' in html["pipeda"]


def test_pdpo_transferees_obligatory_data_and_access_officer(facts):
    facts["company"]["address"] = "8 Finance St, Central, Hong Kong"
    pdpo = text(regional(facts)["pdpo"])
    assert "classes of transferees" in pdpo
    assert "Professional advisers such as lawyers" in pdpo
    assert "Obligatory: account data, contact details and log and usage data" in pdpo
    assert "If you fail to supply obligatory data" in pdpo
    assert "data access request" in pdpo and "data correction request" in pdpo
    assert "The Data Protection Officer, Hashbox Mining Ltd" in pdpo
    assert "privacy@hashbox.example" in pdpo
    assert "8 Finance St, Central, Hong Kong" in pdpo
    assert "section 28 of the Ordinance" in pdpo
    assert "Voluntary:" not in pdpo  # every category of the minimal facts is required


def test_pdpo_officer_is_the_dpo_when_one_is_appointed(facts):
    facts["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Mei Chan")
    pdpo = text(regional(facts)["pdpo"])
    assert "Mei Chan, Data Protection Officer, Hashbox Mining Ltd" in pdpo
    assert "dpo@hashbox.example" in pdpo
    assert "Postal address" not in pdpo  # no company address in the facts


def test_pdpo_direct_marketing_only_with_marketing_emails(facts):
    assert "Part 6A" not in regional(facts)["pdpo"]
    facts["marketing_emails"] = "consent"
    facts["data_collected"].append("marketing")
    pdpo = text(regional(facts)["pdpo"])
    assert "Use of your data in direct marketing" in pdpo
    assert "your name and email address" in pdpo
    assert "our own mining products and services" in pdpo
    assert "opt out at any time, without charge" in pdpo
    assert "indication" not in pdpo and "do not object" not in pdpo  # that wording is for opt_out only


def test_nz_agency_recipients_access_and_complaints(facts):
    facts["company"]["address"] = "1 Queen St, Auckland 1010"
    nz = text(regional(facts)["nz-privacy"])
    assert "Hashbox Mining Ltd, 1 Queen St, Auckland 1010" in nz
    assert "intended recipients" in nz
    assert "principles 6 and 7" in nz and "correct" in nz
    assert "outside New Zealand" in nz and "United States" in nz
    assert "comparable safeguards" in nz
    assert "bound by a contract" in nz
    assert "not from other people or organisations" in nz  # no KYC: nothing collected indirectly


@pytest.mark.parametrize("kyc,says_law", [
    ({"vendor": "sumsub", "documents": ["government_id"], "obliged_entity": True}, True),
    ({"vendor": "sumsub", "documents": ["government_id"], "obliged_entity": False}, False),
    (None, False),
])
def test_nz_names_the_aml_cft_act_only_for_an_obliged_entity(facts, kyc, says_law):
    if kyc:
        facts["kyc"] = kyc
    nz = text(regional(facts)["nz-privacy"])
    assert ("Anti-Money Laundering and Countering Financing of Terrorism Act 2009" in nz) is says_law
    assert ("principle 3A" in nz) is bool(kyc)
    if kyc:
        assert "from Sumsub" in nz


def test_nz_without_overseas_processing_says_so(minimal_facts):
    nz = text(regional(minimal_facts)["nz-privacy"])
    assert "do not send it to organisations outside New Zealand" in nz
    assert "principle 12" not in nz


def test_pdpa_dpo_wording_follows_the_facts(facts):
    pdpa = text(regional(facts)["pdpa"])
    assert "We have designated" not in pdpa
    assert "The data protection officer's business contact details are" in pdpa
    assert "privacy@hashbox.example" in pdpa
    facts["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Wei Lim")
    pdpa = text(regional(facts)["pdpa"])
    assert "We have designated a data protection officer, Wei Lim," in pdpa
    assert "dpo@hashbox.example" in pdpa


def test_pdpa_consent_access_and_transfers(facts):
    pdpa = text(regional(facts)["pdpa"])
    assert "withdraw your consent" in pdpa and "likely consequences" in pdpa
    assert "reasonable fee for access" in pdpa
    assert "correct an error or omission" in pdpa
    assert "comparable standard of protection" in pdpa
    assert "standard contractual clauses" in pdpa
    for place in ("New Zealand", "United States"):
        assert place in pdpa


def test_lgpd_bases_rights_encarregado_and_transfers(facts):
    lgpd = text(regional(facts)["lgpd"])
    assert "Execution of a contract" in lgpd and "Art. 7, V" in lgpd
    assert "Our legitimate interest (Art. 7, IX)" in lgpd
    assert "reached through our privacy address, privacy@hashbox.example" in lgpd
    for right in ("confirmation", "anonymisation", "portability", "not to give consent and the consequences",
                  "revocation", "petition the ANPD"):
        assert right in lgpd, right
    assert "international transfer" in lgpd
    assert "standard contractual clauses approved by the ANPD" in lgpd
    assert "request a review" in lgpd and "automated" in lgpd
    assert "We do not currently take any such decisions" in lgpd
    facts["contact"]["dpo_email"] = "dpo@hashbox.example"
    assert "Encarregado (data protection officer) dpo@hashbox.example" in text(regional(facts)["lgpd"])


def test_lgpd_lists_automated_kyc_rejection_and_biometric_basis(facts):
    facts["kyc"] = {"vendor": "onfido", "documents": ["government_id", "selfie"], "automated_rejection": True}
    lgpd = text(regional(facts)["lgpd"])
    assert "Onfido may reject a verification automatically" in lgpd
    assert "Art. 11, II, g" in lgpd
    assert "We do not currently take any such decisions" not in lgpd


def test_pipeda_officer_cross_border_and_quebec(facts):
    facts["company"]["address"] = "100 King St W, Toronto"
    facts["analytics"] = ["google_analytics"]
    pipeda = text(regional(facts)["pipeda"])
    assert "Privacy Officer, Hashbox Mining Ltd" in pipeda
    assert "100 King St W, Toronto" in pipeda
    assert "outside Canada" in pipeda and "national security authorities" in pipeda
    assert "Google Analytics (analytics)" in pipeda
    assert "affiliates or subsidiaries" in pipeda
    assert "challenge our compliance" in pipeda
    assert "Person in charge of the protection of personal information." in pipeda
    assert "off by default" in pipeda and "activate them in our cookie settings" in pipeda
    assert "We do not make decisions about you based exclusively on automated processing" in pipeda


def test_pipeda_names_the_kyc_vendor_country_and_automated_decisions(facts):
    facts["data_regions"] = ["ca"]
    facts["kyc"] = {"vendor": "veriff", "documents": ["government_id"], "automated_rejection": True}
    pipeda = text(regional(facts)["pipeda"])
    assert "Estonia : Veriff (identity verification)" in pipeda
    assert "principal factors" in pipeda and "observations" in pipeda
    facts["contact"]["dpo_email"] = "dpo@hashbox.example"
    pipeda = text(regional(facts)["pipeda"])
    assert "Data Protection Officer, Hashbox Mining Ltd" in pipeda
    assert "person in charge through our data protection officer" in pipeda


def test_no_kyc_leaves_no_trace(facts):
    for section, html in regional(facts).items():
        body = text(html).lower()
        for word in ("identity verification", "identity-verification", "kyc", "selfie"):
            assert word not in body, (section, word)


def test_hostile_address_renders_literally(facts):
    facts["company"]["address"] = HOSTILE
    for section, html in regional(facts).items():
        assert "<script>" not in html, section
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, section
        assert "{{ 7*7 }}" in html and "49" not in text(html), section


def test_rendering_is_deterministic(facts):
    assert regional(facts) == regional(facts)
