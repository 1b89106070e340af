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
# Each law's complaint route, as the rights section's table names and links it (from the law profiles).
AUTHORITIES = {
    "PDPO": ("Office of the Privacy Commissioner for Personal Data, Hong Kong (PCPD)", "https://www.pcpd.org.hk/"),
    "Privacy Act 2020": ("Office of the Privacy Commissioner (New Zealand)", "https://www.privacy.org.nz/"),
    "PDPA": ("Personal Data Protection Commission (PDPC)", "https://www.pdpc.gov.sg/"),
    "LGPD": ("Autoridade Nacional de Proteção de Dados (ANPD)", "https://www.gov.br/anpd/"),
    "PIPEDA": ("Office of the Privacy Commissioner of Canada", "https://www.priv.gc.ca/"),
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
    rights = section_fragments(facts)["your-rights"]
    table = text(rights.split('<table class="law-terms">')[1].split("</table>")[0])
    for law, (authority, url) in AUTHORITIES.items():
        row = table.split(law + " ", 1)[1][:400]
        assert authority in row, law
        assert f'href="{url}' in rights, law
    assert "Commission d'accès à l'information du Québec (Quebec)" in unescape(table)


def test_pdpo_transferees_obligatory_data_and_access_officer(facts):
    facts["company"]["address"] = "8 Finance St, Central, Hong Kong"
    pdpo = text(regional(facts)["pdpo"])
    assert "The classes of persons your data may be transferred to are in section 6" in pdpo
    assert "only for them or directly related purposes [PDPO Sch. 1, DPP1(3), DPP3]" in pdpo
    assert "obligatory to use the service" in pdpo and "voluntary" in pdpo
    assert "If you do not give the obligatory data, we cannot provide the service" in pdpo
    assert "data access request" in pdpo and "data correction request" in pdpo
    assert "Send them to Hashbox Mining Ltd, 8 Finance St, Central, Hong Kong, or to privacy@hashbox.example" in pdpo


def test_pdpo_officer_is_the_dpo_when_one_is_appointed(facts):
    facts["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Mei Chan")
    pdpo = text(regional(facts)["pdpo"])
    assert "Send them to Mei Chan, Hashbox Mining Ltd, or to privacy@hashbox.example" in pdpo
    del facts["contact"]["dpo_name"]
    assert "Send them to Hashbox Mining Ltd, or to" in text(regional(facts)["pdpo"])


def test_pdpo_direct_marketing_only_with_marketing_emails(facts):
    assert "direct marketing of our own products" not in text(regional(facts)["pdpo"])
    assert "35C" not in regional(facts)["pdpo"]
    facts["marketing_emails"] = "consent"
    facts["data_collected"].append("marketing")
    pdpo = text(regional(facts)["pdpo"])
    assert "We use your name and email address for direct marketing of our own products only with your consent" in pdpo
    assert "opt out free of charge at any time [PDPO ss. 35C, 35G]" in pdpo


def test_nz_agency_recipients_access_and_complaints(facts):
    facts["company"]["address"] = "1 Queen St, Auckland 1010"
    html = section_fragments(facts)
    nz = text(html["nz-privacy"])
    assert "Hashbox Mining Ltd, 1 Queen St, Auckland 1010, collects and holds your information [IPP3]" in nz
    assert "right to access personal information [privacy act 2020 s.22 ipp6" in nz.lower()
    assert "right to request correction [privacy act 2020 s.22 ipp7" in nz.lower()
    # A New Zealand company storing in the US through a provider discloses nothing: the provider is its
    # agent (s.11), so IPP12 does not apply and no safeguard is claimed.
    assert "[IPP12]" not in nz and "comparable safeguards" not in text(html["international-transfers"])
    assert "complain to the Privacy Commissioner" in nz
    # An advertising tool uses what it receives for itself: that is a disclosure overseas, under IPP12.
    facts["analytics"] = ["facebook_pixel"]
    html = section_fragments(facts)
    assert "outside New Zealand" in text(html["nz-privacy"]) and "[IPP12]" in text(html["nz-privacy"])
    assert re.search(r"United States (A|a)dvertising Privacy Act 2020: binding agreement with comparable safeguards",
                     text(html["international-transfers"]))


@pytest.mark.parametrize("kyc,country,says_law", [
    ({"vendor": "sumsub", "documents": ["government_id"], "obliged_entity": True}, "nz", True),
    ({"vendor": "sumsub", "documents": ["government_id"], "obliged_entity": True}, "au", False),
    ({"vendor": "sumsub", "documents": ["government_id"], "obliged_entity": False}, "nz", False),
    ({"vendor": "sumsub", "documents": ["government_id"]}, "nz", False),
    (None, "nz", False),
])
def test_nz_names_the_aml_cft_act_only_for_an_obliged_entity(facts, kyc, country, says_law):
    if kyc:
        facts["kyc"] = kyc
    facts["company"]["country"] = country
    nz = text(regional(facts)["nz-privacy"])
    # The NZ AML/CFT Act binds only a reporting entity in New Zealand.
    assert ("Anti-Money Laundering and Countering Financing of Terrorism Act 2009" in nz) is says_law


def test_nz_without_overseas_processing_says_so(minimal_facts):
    html = section_fragments(minimal_facts)
    nz = text(html["nz-privacy"])
    assert "IPP12" not in nz and "overseas" not in nz
    assert "We do not transfer your data outside New Zealand" in text(html["international-transfers"])


def test_pdpa_dpo_wording_follows_the_facts(facts):
    pdpa = text(regional(facts)["pdpa"])
    assert "data protection officer" not in pdpa
    assert "PDPA s. 11(5)" not in pdpa
    facts["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Wei Lim")
    pdpa = text(regional(facts)["pdpa"])
    assert "Our data protection officer can be reached at dpo@hashbox.example [PDPA s. 11(5)]" in pdpa


def test_pdpa_consent_access_and_transfers(facts):
    html = section_fragments(facts)
    pdpa = text(html["pdpa"])
    assert "withdraw your consent" in pdpa and "likely consequences" in pdpa and "[PDPA s. 16]" in pdpa
    assert "access to personal data [pdpa s.21(1)" in pdpa.lower()
    assert "correction of personal data [pdpa s.22(1)" in pdpa.lower()
    assert "legitimate interests exception" in pdpa
    rights = text(html["your-rights"])
    assert "PDPA 30 days An access request may carry a reasonable fee" in rights
    # A New Zealand company collecting from Singapore users directly makes no PDPA transfer.
    assert "comparable to the PDPA" not in pdpa and "PDPA s. 26" not in pdpa
    facts["analytics"] = ["mixpanel"]
    pdpa = text(regional(facts)["pdpa"])
    assert "When we transfer data outside Singapore" in pdpa and "[PDPA s. 26]" in pdpa


def test_lgpd_bases_rights_encarregado_and_transfers(facts):
    lgpd = text(regional(facts)["lgpd"])
    assert "contract [LGPD Art. 7(V)]" in lgpd
    assert "legitimate interests [LGPD Art. 7(IX), 10]" in lgpd
    for right in ("confirmation of the existence of processing", "anonymisation", "portability",
                  "possibility of refusing consent", "revocation of consent", "review of automated decisions"):
        assert right in lgpd.lower(), right
    assert "encarregado" not in lgpd
    # No automated decision in the facts: no review paragraph; direct collection: no transfer paragraph.
    assert "You may ask for a review of decisions made by automated means" not in lgpd
    assert "LGPD Art. 33" not in lgpd
    facts["contact"]["dpo_email"] = "dpo@hashbox.example"
    lgpd = text(regional(facts)["lgpd"])
    assert "Our data protection officer (encarregado) can be reached at dpo@hashbox.example [LGPD Art. 41]" in lgpd
    facts["analytics"] = ["mixpanel"]
    assert "International transfers of data from Brazil" in text(regional(facts)["lgpd"])


def test_lgpd_lists_automated_kyc_rejection(facts):
    facts["kyc"] = {"vendor": "onfido", "documents": ["government_id", "selfie"], "automated_rejection": True}
    lgpd = text(regional(facts)["lgpd"])
    assert "You may ask for a review of decisions made by automated means, and for the criteria used [LGPD Art. 20]" in lgpd
    facts["kyc"]["automated_rejection"] = False
    assert "You may ask for a review of decisions made by automated means" not in text(regional(facts)["lgpd"])


def test_pipeda_officer_cross_border_and_quebec(facts):
    facts["company"]["address"] = "100 King St W, Toronto"
    facts["analytics"] = ["google_analytics"]
    pipeda = text(regional(facts)["pipeda"])
    assert "Our privacy contact is accountable for our compliance; write to privacy@hashbox.example or 100 King St W, Toronto" in pipeda
    assert "Our providers process some information outside Canada, in the United States" in pipeda
    assert "accessible to the courts, law enforcement and other authorities" in pipeda
    assert "Quebec" in pipeda and "[Quebec P-39.1 s.28.1]" in pipeda
    assert "Companies in our group" not in pipeda
    facts["contact"]["dpo_name"] = "Lee Wong"
    assert "Lee Wong is accountable for our compliance and is, for Quebec, the person in charge" in \
        text(regional(facts)["pipeda"])


def test_pipeda_names_the_provider_countries_and_group_companies(facts):
    facts["data_regions"] = ["ca"]
    facts["kyc"] = {"vendor": "veriff", "documents": ["government_id"], "automated_rejection": True}
    facts["group_companies"] = [{"name": "Hashbox US Inc", "country": "us", "role": "processor"}]
    pipeda = text(regional(facts)["pipeda"])
    assert "outside Canada, in Estonia and the United States" in pipeda
    assert "Companies in our group receive data as set out in section 7" in pipeda


def test_no_kyc_leaves_no_trace(facts):
    for section, html in regional(facts).items():
        body = text(html).lower()
        for word in ("identity verification", "identity-verification", "kyc", "selfie"):
            assert word not in body, (section, word)


def test_hostile_address_renders_literally(facts):
    facts["company"]["address"] = HOSTILE
    # The sections that print the company address: PDPO (where to send requests), NZ (the agency), PIPEDA.
    for section, html in regional(facts).items():
        assert "<script>" not in html, section
        if section in ("pdpo", "nz-privacy", "pipeda"):
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html, section
            assert "{{ 7*7 }}" in html and "</script> 49" not in text(html), section


def test_rendering_is_deterministic(facts):
    assert regional(facts) == regional(facts)
