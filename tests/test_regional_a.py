"""The GDPR, UK GDPR, CCPA and PIPL sections: when they appear and what they must say."""

from __future__ import annotations

import re

import pytest

from conftest import html_text, render_html

REGIONAL = ("gdpr", "uk-gdpr", "ccpa", "pipl")


def facts(base: dict, regions: list[str], **changes) -> dict:
    data = dict(base)
    data["audience"] = {"minimum_age": 18, "regions": regions}
    # Users outside New Zealand make the nz data a restricted transfer, which needs a safeguard.
    data["transfer_safeguards"] = ["scc"]
    data.update(changes)
    return data


def section(html: str, section_id: str) -> str:
    match = re.search(rf'<section id="{section_id}".*?</section>', html, flags=re.S)
    assert match, f"no section {section_id}"
    return match.group(0)


def section_text(data: dict, section_id: str) -> str:
    return html_text(section(render_html(data), section_id))


@pytest.mark.parametrize("regions, expected", [
    (["eea"], {"gdpr"}),
    (["de"], {"gdpr"}),
    (["eu"], {"gdpr"}),
    (["fr", "nz"], {"gdpr"}),
    (["uk"], {"uk-gdpr"}),
    (["us-ca"], {"ccpa"}),
    (["cn"], {"pipl"}),
    (["global"], set(REGIONAL)),
    (["us"], set()),
    (["nz"], set()),
    (["uk", "us-ca"], {"uk-gdpr", "ccpa"}),
])
def test_section_appears_exactly_when_its_region_is_declared(minimal_facts, regions, expected):
    html = render_html(facts(minimal_facts, regions))
    present = {sid for sid in REGIONAL if f'<section id="{sid}"' in html}
    assert present == expected


def test_gdpr_names_supervisory_authority_of_the_seat_and_of_user_countries(minimal_facts):
    data = facts(minimal_facts, ["fr"])
    data["company"] = dict(data["company"], country="de", address="Hauptstrasse 1, 10115 Berlin")
    text = section_text(data, "gdpr")
    assert "supervisory authority" in text
    assert "Federal Commissioner for Data Protection" in text and "where we are established" in text
    assert "data protection authority of the federal state (Land) where we have our seat" in text
    assert "CNIL" in text
    assert "Hauptstrasse 1, 10115 Berlin" in text
    assert "Right to object (Art. 21)" in text
    assert "one month" in text and "two further months" in text


def test_gdpr_outside_the_eea_names_only_the_general_authority_route(minimal_facts):
    text = section_text(facts(minimal_facts, ["eea"]), "gdpr")
    assert "supervisory authority" in text
    assert "where we are established" not in text
    assert "representative" not in text
    assert "New Zealand" in text and "Adequacy decision of the European Commission" in text
    assert "request a copy" in text
    singapore = section_text(facts(minimal_facts, ["eea"], data_regions=["sg"]), "gdpr")
    assert "Singapore" in singapore and "Standard contractual clauses" in singapore


def test_gdpr_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Rep Europe GmbH", "address": "Rue 2, Brussels", "email": "rep@rep.example"}
    with_rep = section_text(facts(minimal_facts, ["eea"], representatives={"eu": rep}), "gdpr")
    assert "Rep Europe GmbH" in with_rep and "Art. 27 GDPR" in with_rep and "EU representative" in with_rep
    without = section_text(facts(minimal_facts, ["eea"]), "gdpr")
    assert "Rep Europe GmbH" not in without and "Art. 27" not in without


def test_gdpr_special_categories_follow_kyc(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "us", "screening": True}
    text = section_text(facts(minimal_facts, ["eea"], kyc=kyc), "gdpr")
    assert "explicit consent (Art. 9(2)(a))" in text
    assert "Article 10" in text and "sanctions" in text
    assert "From Sumsub" in text
    plain = section_text(facts(minimal_facts, ["eea"]), "gdpr")
    for word in ("biometric", "Biometric", "sanctions", "Article 10", "Sumsub"):
        assert word not in plain


def test_uk_section_names_the_ico_and_complaint_route(minimal_facts):
    data = facts(minimal_facts, ["uk"])
    data["contact"] = dict(data["contact"], complaint_form_url="https://hashbox.example/complaints")
    html = section(render_html(data), "uk-gdpr")
    text = html_text(html)
    assert "Information Commissioner’s Office (ICO)" in text
    assert "0303 123 1113" in text and "ico.org.uk" in html
    assert 'href="https://hashbox.example/complaints"' in html
    assert "within 30 days" in text
    # New Zealand has UK adequacy, so the adequacy regulations, not the IDTA, are offered.
    assert "UK adequacy regulations" in text and "request a copy of the adequacy regulations" in text
    assert "IDTA" not in text
    assert "13 in the United Kingdom" in text
    assert "PECR" in text
    # Without the GDPR section, the UK one carries the full list of rights itself.
    assert "Right to object (Art. 21)" in text


def test_uk_section_refers_to_gdpr_section_when_both_apply(minimal_facts):
    text = section_text(facts(minimal_facts, ["eea", "uk"]), "uk-gdpr")
    assert "(Users in the European Economic Area)" in text
    assert "Right to object" not in text
    assert "0303 123 1113" in text


def test_uk_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Rep UK Ltd", "address": "1 High St, London", "email": "uk@rep.example"}
    for regions in (["uk"], ["uk", "eea"]):
        text = section_text(facts(minimal_facts, regions, representatives={"uk": rep}), "uk-gdpr")
        assert "Rep UK Ltd" in text and "UK representative" in text
        assert "UK representative" not in section_text(facts(minimal_facts, regions), "uk-gdpr")


def test_ccpa_without_selling_or_sharing_says_so(minimal_facts):
    html = section(render_html(facts(minimal_facts, ["us-ca"])), "ccpa")
    text = html_text(html)
    assert "We do not sell or share your personal information" in text
    assert "Do Not Sell or Share My Personal Information" not in text
    assert "Global Privacy Control" in text
    assert "Do Not Track" in text
    assert '<h3 id="notice-at-collection">' in html
    assert "Identifiers" in text and "Internet or other electronic network activity information" in text
    assert "12 months" in text and "15 January 2026" in text
    assert "authorised agent" in text and "non-discrimination" in text


def test_ccpa_advertising_tools_mean_sharing_with_a_real_opt_out_link(minimal_facts):
    data = facts(minimal_facts, ["us-ca"], analytics=["google_ads"],
                 cookies={"marketing": True, "consent_tool_url": "https://hashbox.example/privacy-choices"})
    html = section(render_html(data), "ccpa")
    text = html_text(html)
    assert "Do Not Sell or Share My Personal Information" in text
    assert "We do not sell or share" not in text
    assert '<a href="https://hashbox.example/privacy-choices">Do Not Sell or Share My Personal Information</a>' in html
    assert 'href="#"' not in html
    assert "Google LLC" in text and "cross-context behavioural advertising" in text


def test_ccpa_opt_out_by_email_when_no_consent_tool(minimal_facts):
    data = facts(minimal_facts, ["us-ca"], analytics=["facebook_pixel"], sells_personal_data=True)
    text = section_text(data, "ccpa")
    assert "with the subject line “Do Not Sell or Share My Personal Information”" in text
    assert "We also sell personal information" in text


def test_ccpa_gpc_ignored_is_stated(minimal_facts):
    data = facts(minimal_facts, ["us-ca"], cookies={"global_privacy_control": "ignore", "do_not_track": "honour"})
    text = section_text(data, "ccpa")
    assert "does not currently act on Global Privacy Control" in text
    assert "responds to Do Not Track signals" in text


def test_ccpa_kyc_adds_identity_categories_and_sensitive_information(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie", "nationality"], "storage_region": "us"}
    text = section_text(facts(minimal_facts, ["us-ca"], kyc=kyc), "ccpa")
    assert "Biometric information" in text
    assert "Characteristics of protected classifications" in text
    assert "sensitive personal information" in text and "biometric information used to identify you" in text
    assert "Limit the Use of My Sensitive Personal Information" in text


def test_pipl_section_discloses_separate_consent_and_overseas_recipients(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "us"}
    text = section_text(facts(minimal_facts, ["cn"], kyc=kyc, analytics=["google_analytics"]), "pipl")
    assert "separate consent" in text
    assert "sensitive personal information" in text.lower() and "Impact on you" in text
    assert "Sum and Substance Ltd" in text and "Google LLC" in text and "Hashbox Mining Ltd (us)" in text
    assert "standard contract" in text and "security assessment" in text
    assert "does not affect handling that took place before" in text
    assert "close relatives" in text
    assert "not a statement that our services may lawfully be offered" in text
    assert "Cyberspace Administration of China" in text


def test_pipl_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Beijing Rep Co", "address": "1 Chang'an Ave, Beijing", "email": "cn@rep.example"}
    assert "Beijing Rep Co" in section_text(facts(minimal_facts, ["cn"], representatives={"cn": rep}), "pipl")
    assert "Article 53" not in section_text(facts(minimal_facts, ["cn"]), "pipl")


def test_pipl_minors_under_14_need_a_guardian(minimal_facts):
    data = facts(minimal_facts, ["cn"])
    data["audience"]["minimum_age"] = 13
    assert "parent or other guardian" in section_text(data, "pipl")


def test_hostile_text_comes_out_literally(minimal_facts):
    hostile = "<script>alert(1)</script> {{ 7*7 }}"
    rep = {"name": hostile, "address": hostile, "email": "rep@rep.example"}
    data = facts(minimal_facts, ["global"], representatives={"eu": rep, "uk": rep, "cn": rep})
    data["company"] = dict(data["company"], legal_name=hostile, address=hostile)
    html = render_html(data)
    for sid in REGIONAL:
        assert "<script>" not in section(html, sid)
    # The sections that name the company or a representative show the text as written, unevaluated.
    for sid in ("gdpr", "uk-gdpr", "pipl"):
        text = html_text(section(html, sid))
        assert "<script>alert(1)</script> {{ 7*7 }}" in text and " 49" not in text
