"""The GDPR, UK GDPR, CCPA and PIPL sections: when they appear and what they must say."""

from __future__ import annotations

import re

import pytest

from conftest import html_text, render_html
from generator.clauses import applicable_laws
from generator.facts import validate
from generator.yamlio import LineMap

REGIONAL = ("gdpr", "uk-gdpr", "ccpa", "pipl")


def _facts(data: dict):
    return validate(dict(data), "<test>", LineMap(None))


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
    (["global"], {"gdpr", "ccpa", "pipl"}),   # the UK GDPR shares the GDPR section
    (["us"], set()),
    (["nz"], set()),
    (["uk", "us-ca"], {"uk-gdpr", "ccpa"}),
])
def test_section_appears_exactly_when_its_region_is_declared(minimal_facts, regions, expected):
    html = render_html(facts(minimal_facts, regions))
    present = {sid for sid in REGIONAL if f'<section id="{sid}"' in html}
    assert present == expected


@pytest.mark.parametrize("regions, audience, expected", [
    (["us-ca"], {}, {"ccpa"}),                                      # California brings the CCPA only
    (["us"], {}, {"us-states"}),
    (["us"], {"ccpa_business": False}, {"us-states"}),
    (["us"], {"ccpa_business": True}, {"ccpa"}),       # the state laws share the CCPA section
    (["global"], {}, {"gdpr", "ccpa", "pipl"}),
    (["global"], {"ccpa_business": False}, {"gdpr", "pipl", "us-states"}),
    (["global"], {"exclude_regions": ["cn", "uk"]}, {"gdpr", "ccpa"}),
    (["global"], {"exclude_regions": ["us"]}, {"gdpr", "pipl"}),
    (["global"], {"exclude_regions": ["eea"]}, {"uk-gdpr", "ccpa", "pipl"}),
])
def test_us_and_global_laws_follow_ccpa_business_and_exclusions(minimal_facts, regions, audience, expected):
    data = facts(minimal_facts, regions)
    data["audience"].update(audience)
    html = render_html(data)
    present = {sid for sid in (*REGIONAL, "us-states") if f'<section id="{sid}"' in html}
    assert present == expected
    # A law sharing its host's section is still there, as a part with its own anchor.
    laws = set(applicable_laws(_facts(data)))
    for law, host in (("uk_gdpr", "gdpr"), ("us_states", "ccpa")):
        anchor = law.replace("_", "-")
        assert (f'id="{anchor}"' in html) == (law in laws)
        if law in laws and host in laws:
            assert f'<h3 id="{anchor}">' in section(html, host)


def test_gdpr_is_folded_into_the_policy_for_an_eea_company_with_only_eea_users(minimal_facts):
    data = facts(minimal_facts, ["fr"])
    data["company"] = dict(data["company"], country="de", address="Hauptstrasse 1, 10115 Berlin")
    html = render_html(data)
    # No separate GDPR section: the general sections are the GDPR notice.
    assert '<section id="gdpr"' not in html
    assert "“controller” under the GDPR" in html_text(section(html, "controller"))
    rights = html_text(section(html, "your-rights"))
    assert "You have these rights over your personal data" in rights  # one law: no law names per right
    assert "Right to object" in rights and "Right to restriction of processing" in rights
    assert "GDPR One month Free of charge" in rights
    assert "you may also lodge a complaint with a supervisory authority" in rights
    # The same company with UK users too gets the GDPR section, with the UK's differences in it. It names
    # no "lead authority" of its own: the catalog's authority of a seat is not always the competent one.
    data["audience"]["regions"] = ["fr", "uk"]
    html = render_html(data)
    gdpr = html_text(section(html, "gdpr"))
    assert "lead supervisory authority" not in gdpr and "Information Commissioner" in gdpr
    assert '<section id="uk-gdpr"' not in html and '<h3 id="uk-gdpr">' in section(html, "gdpr")


def test_gdpr_outside_the_eea_names_only_the_general_authority_route(minimal_facts):
    html = render_html(facts(minimal_facts, ["eea"]))
    text = html_text(section(html, "gdpr"))
    assert "lead supervisory authority" not in text
    assert "representative" not in text
    assert "[GDPR Art. 15; Art. 13(2)(b)]" in text and "[GDPR Art. 21(1), 21(4)]" in text
    assert "The legal bases in section 4 are: contract [GDPR Art. 6(1)(b)]" in text
    # A New Zealand company collecting from EEA users itself makes no transfer.
    assert "Transfers out of the European Economic Area" not in text
    transfers = html_text(section(html, "international-transfers"))
    assert "we collect it directly; that is not a transfer out of your region" in transfers
    assert "adequacy" not in transfers.lower()
    # Data going on to a provider outside the EEA is a transfer, under the safeguard the facts give.
    data = facts(minimal_facts, ["eea"], analytics=["mixpanel"])
    html = render_html(data)
    assert "Transfers out of the European Economic Area, and the safeguard for each, are listed in" in \
        html_text(section(html, "gdpr"))
    assert re.search(r"United States (A|a)nalytics GDPR: standard contractual clauses",
                     html_text(section(html, "international-transfers")))


def test_gdpr_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Rep Europe GmbH", "address": "Rue 2, Brussels", "email": "rep@rep.example"}
    with_rep = section_text(facts(minimal_facts, ["eea"], representatives={"eu": rep}), "gdpr")
    assert "Rep Europe GmbH, Rue 2, Brussels, rep@rep.example" in with_rep and "GDPR Art. 27" in with_rep
    assert "Our representative for" in with_rep
    without = section_text(facts(minimal_facts, ["eea"]), "gdpr")
    assert "Rep Europe GmbH" not in without and "Art. 27" not in without


def test_gdpr_special_categories_follow_kyc(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "us", "screening": True}
    text = section_text(facts(minimal_facts, ["eea"], kyc=kyc), "gdpr")
    assert "biometric data, a special category; we rely on your explicit consent [GDPR Art. 9(2)(a)]" in text
    assert "[GDPR Art. 10]" in text and "Sanctions screening" in text
    kyc["screening"] = False
    assert "Art. 10" not in section_text(facts(minimal_facts, ["eea"], kyc=kyc), "gdpr")
    plain = section_text(facts(minimal_facts, ["eea"]), "gdpr")
    for word in ("biometric", "Biometric", "sanctions", "Sanctions", "Art. 9", "Art. 10", "Sumsub"):
        assert word not in plain


def test_uk_section_names_the_ico_and_complaint_route(minimal_facts):
    data = facts(minimal_facts, ["uk"])
    data["contact"] = dict(data["contact"], complaint_form_url="https://hashbox.example/complaints")
    html = render_html(data)
    uk = html_text(section(html, "uk-gdpr"))
    assert "UK GDPR and the Data Protection Act 2018" in uk
    assert "[UK GDPR Art. 21(1), 21(4)]" in uk
    assert "right to complain to the controller [dpa 2018 s.164a" in uk.lower()
    # The ICO, the deadline and the complaint form are in the rights section, from the law profile.
    rights_html = section(html, "your-rights")
    rights = html_text(rights_html)
    assert "UK GDPR One month Free of charge Information Commissioner's Office (ICO)" in rights
    assert "ico.org.uk" in rights_html
    assert 'href="https://hashbox.example/complaints"' in rights_html
    assert "we acknowledge it within 30 days" in rights
    # A New Zealand company collecting from UK users itself makes no transfer, so no safeguard is named.
    assert "IDTA" not in html_text(html) and "International Data Transfer" not in html_text(html)
    assert "Transfers out of the United Kingdom" not in uk


def test_uk_differences_are_part_of_the_gdpr_section_when_both_apply(minimal_facts):
    html = render_html(facts(minimal_facts, ["eea", "uk"]))
    assert '<section id="uk-gdpr"' not in html
    gdpr_html = section(html, "gdpr")
    gdpr = html_text(gdpr_html)
    assert "[GDPR Art. 15; Art. 13(2)(b)]" in gdpr
    uk = html_text(gdpr_html.split('<h3 id="uk-gdpr">', 1)[1])
    assert "UK GDPR and the Data Protection Act 2018 apply" in uk
    # Only the differences: the right to complain to the controller, the UK automated-decision rules.
    assert "right to complain to the controller [dpa 2018 s.164a" in uk.lower()
    assert "[UK GDPR Arts. 22A-22D" in uk
    assert "[UK GDPR Art. 15]" not in uk
    rights = html_text(section(html, "your-rights"))
    assert "Right to complain to the controller (UK GDPR)" in rights


def test_uk_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Rep UK Ltd", "address": "1 High St, London", "email": "uk@rep.example"}
    for regions, sid in ((["uk"], "uk-gdpr"), (["uk", "eea"], "gdpr")):   # alone, or inside the GDPR section
        text = section_text(facts(minimal_facts, regions, representatives={"uk": rep}), sid)
        assert "Rep UK Ltd, 1 High St, London, uk@rep.example" in text and "UK GDPR Art. 27" in text
        assert "Rep UK Ltd" not in section_text(facts(minimal_facts, regions), sid)
        assert "Our representative for" not in section_text(facts(minimal_facts, regions), sid)


def test_ccpa_without_selling_or_sharing_says_so(minimal_facts):
    data = facts(minimal_facts, ["us-ca"])
    unset = html_text(section(render_html(data), "ccpa"))
    # sells_personal_data unset: neither a denial nor an opt-out.
    assert "We do not sell or share" not in unset
    assert "Do Not Sell or Share My Personal Information" not in unset
    data["sells_personal_data"] = False
    html = render_html(data)
    text = html_text(section(html, "ccpa"))
    assert "We do not sell or share personal information, and have not done so in the past 12 months" in text
    assert "Do Not Sell or Share My Personal Information" not in text
    assert "It is our notice at collection" in text
    assert "Identifiers" in text and "Internet or other electronic network activity information" in text
    assert "In the 12 months before the date above" in text and "Last updated: 15 January 2026" in html_text(html)
    assert "an authorised agent with your signed permission" in text
    assert "right to no retaliation [cal. civ. code 1798.125]" in text.lower()
    assert "We confirm receipt within 10 business days" in text
    # DNT and GPC are stated only when the facts say how the site responds.
    assert "Do Not Track" not in html_text(html) and "Global Privacy Control" not in html_text(html)


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
    assert "by writing to privacy@hashbox.example with the subject “Do Not Sell or Share”" in text
    assert "We also sell personal information" in text
    assert "Meta Platforms, Inc." in text and "which the CCPA calls “sharing”" in text


def test_ccpa_gpc_and_dnt_are_stated_as_the_facts_say(minimal_facts):
    data = facts(minimal_facts, ["us-ca"], cookies={"global_privacy_control": "ignore", "do_not_track": "honour"})
    text = section_text(data, "cookies")
    assert "Global Privacy Control: our website does not respond to GPC signals" in text
    assert "Do Not Track: our website honours the Do Not Track signal" in text
    data["cookies"] = {"global_privacy_control": "honour", "do_not_track": "ignore"}
    text = section_text(data, "cookies")
    assert "we treat a GPC signal from your browser as a request to opt out" in text
    assert "our website does not respond to the Do Not Track signal" in text


def test_ccpa_kyc_adds_identity_categories_and_sensitive_information(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie", "nationality"], "storage_region": "us"}
    text = section_text(facts(minimal_facts, ["us-ca"], kyc=kyc), "ccpa")
    assert "Biometric information" in text
    assert "Characteristics of protected classifications" in text
    assert re.search(r"our (identity-verification|ID check) provider \(Sumsub\)", text)
    assert "We collect sensitive personal information" in text and "biometric information used to identify you" in text
    assert "right to limit has nothing more to stop" in text
    assert "Limit the Use of My Sensitive Personal Information" not in text
    plain = section_text(facts(minimal_facts, ["us-ca"]), "ccpa")
    assert "Biometric information" not in plain and "Characteristics of protected classifications" not in plain


def test_pipl_section_discloses_separate_consent_and_overseas_recipients(minimal_facts):
    kyc = {"vendor": "sumsub", "documents": ["government_id", "selfie"], "storage_region": "us"}
    text = section_text(facts(minimal_facts, ["cn"], kyc=kyc, analytics=["google_analytics"]), "pipl")
    assert "We are the personal information handler" in text
    assert "[PIPL Art. 13]" in text
    assert re.search(r"Your face image from the selfie check (is|counts?)( as)? sensitive personal information", text)
    assert "Misuse could have a serious impact on you" in text and "separate consent [PIPL Arts. 28-31]" in text
    assert "provided outside it, to the recipients below. We do so only with your separate consent" in text
    assert "The United States: Sumsub and Google Analytics" in text and "The United Kingdom: Sumsub" in text
    # The company's own New Zealand storage is direct collection, not a provision abroad.
    assert "Hashbox Mining Ltd" not in text and "New Zealand" not in text
    assert "this does not affect earlier processing [PIPL Art. 15]" in text
    assert "rights of close relatives of a deceased person [pipl art. 49]" in text.lower()
    plain = section_text(facts(minimal_facts, ["cn"]), "pipl")
    assert "provided outside it" not in plain and "sensitive personal information" not in plain


def test_pipl_representative_appears_only_when_given(minimal_facts):
    rep = {"name": "Beijing Rep Co", "address": "1 Chang'an Ave, Beijing", "email": "cn@rep.example"}
    assert "Beijing Rep Co" in section_text(facts(minimal_facts, ["cn"], representatives={"cn": rep}), "pipl")
    assert "Article 53" not in section_text(facts(minimal_facts, ["cn"]), "pipl")


def test_pipl_minors_under_14_need_a_guardian(minimal_facts):
    data = facts(minimal_facts, ["cn"])
    data["audience"]["minimum_age"] = 13
    text = section_text(data, "pipl")
    assert re.search(r"Data of children under 14 (is|counts?( as)?) sensitive personal information", text)
    assert "or that of a parent or guardian for children under 14" in text
    data["audience"]["minimum_age"] = 14
    assert "parent or guardian" not in section_text(data, "pipl")


def test_hostile_text_comes_out_literally(minimal_facts):
    hostile = "<script>alert(1)</script> {{ 7*7 }}"
    rep = {"name": hostile, "address": hostile, "email": "rep@rep.example"}
    data = facts(minimal_facts, ["global"], representatives={"eu": rep, "uk": rep, "cn": rep})
    data["company"] = dict(data["company"], legal_name=hostile, address=hostile)
    html = render_html(data)
    for sid in ("gdpr", "ccpa", "pipl"):
        assert "<script>" not in section(html, sid)
    # The sections that name a representative show the text as written, unevaluated (the GDPR section holds
    # both the EU and the UK representative).
    for sid, reps in (("gdpr", 2), ("pipl", 1)):
        text = html_text(section(html, sid))
        assert text.count("<script>alert(1)</script> {{ 7*7 }}, <script>alert(1)</script> {{ 7*7 }}, rep@rep.example") == reps
        assert "</script> 49" not in text
