"""`policygen check`: the rules file, the matcher on rendered text, facts gaps and the command."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import json
import re

import pytest
import yaml

from conftest import EXAMPLES, ROOT, write_facts
from generator import check as chk
from generator.facts import validate
from generator.render import render
from generator.yamlio import LineMap

REQUIREMENTS = ROOT / "tests" / "data" / "requirements.yaml"   # the compliance checklist rules.yaml is derived from
TODAY = dt.date(2026, 2, 1)          # a fixed "today", shortly after MINIMAL's effective date
RULES = chk.load_rules().rules


def facts_of(data: dict):
    return validate(copy.deepcopy(data), "<test>", LineMap(None))


def example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / f"{name}.yaml").read_text(encoding="utf-8"))


def finding(report: chk.CheckReport, rule_id: str) -> chk.Finding | None:
    return next((f for law in report.laws for f in law.findings if f.rule_id == rule_id), None)


def with_section_text(html: str, section_id: str, change) -> str:
    """The policy with one section's inner HTML passed through `change`."""
    pattern = re.compile(rf'(<section id="{re.escape(section_id)}"[^>]*>)(.*?)(</section>)', re.S)
    assert pattern.search(html), f"no section {section_id}"
    return pattern.sub(lambda m: m.group(1) + change(m.group(2)) + m.group(3), html, count=1)


@pytest.fixture
def eea_facts(minimal_facts) -> dict:
    data = minimal_facts
    data["company"].update(country="de", address="Hauptstrasse 1, 10115 Berlin")
    data["audience"]["regions"] = ["eea"]
    data["data_regions"] = ["de"]
    return data


# --- the rules file -----------------------------------------------------------------

def _requirements() -> dict[str, dict]:
    data = yaml.safe_load(REQUIREMENTS.read_text(encoding="utf-8"))
    return {item["id"]: item for regime in data["regimes"].values() for item in regime["requirements"]}


def test_one_rule_per_requirement_id():
    requirements = _requirements()
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    assert set(ids) <= set(requirements), set(ids) - set(requirements)
    assert set(ids) == set(requirements), f"requirements without a rule: {set(requirements) - set(ids)}"


def test_unverified_flag_follows_the_requirements_source():
    requirements = _requirements()
    for rule in RULES:
        assert rule.verified == (requirements[rule.id]["src"] != "src_knowledge"), rule.id


def test_every_condition_is_implemented():
    for rule in RULES:
        for name in rule.when:
            assert name in chk.CONDITIONS, (rule.id, name)
        for check in chk._walk(rule.checks):
            for key in ("if", "unless"):
                for name in chk._names(check.get(key)):
                    assert name in chk.CONDITIONS, (rule.id, name)


def test_every_section_id_is_a_real_section():
    from generator.clauses import CLOSING_SECTIONS, CORE_SECTIONS, law_section_id
    from generator import catalog

    real = {sid for sid, _, _ in CORE_SECTIONS + CLOSING_SECTIONS} | {law_section_id(l) for l in catalog.load().laws}
    used = {sid for rule in RULES for check in chk._walk(rule.checks) for sid in chk._names(check.get("section"))}
    assert used and used <= real, used - real


def test_every_rule_names_a_known_law_and_says_what_to_do():
    for rule in RULES:
        assert rule.law in chk.LAW_IDS
        assert rule.disclose and rule.cite and rule.fix
        assert rule.applies_ever or rule.never_because


@pytest.mark.parametrize("name", ["1024mining", "aziminer", "itsminer", "smart-mining"])
def test_every_named_fact_resolves(name):
    facts = facts_of(example(name))
    from generator.view import build_view

    view = build_view(facts)
    for rule in RULES:
        for check in chk._walk(rule.checks):
            for key in ("fact", "link", "blocks", "require"):
                if key in check:
                    chk.fact_value(facts, view, check[key])


def test_a_malformed_rules_file_is_refused():
    bad = chk.Rule(id="x.y", law="gdpr", cite="c", disclose="d", when=("no_such_condition",),
                   checks=({"text": "a"},), fix="f", verified=True, never_because=None)
    with pytest.raises(ValueError, match="unknown condition"):
        chk._validate([bad])
    bad = chk.Rule(id="x.y", law="gdpr", cite="c", disclose="d", when=("always",),
                   checks=({"text": "a", "section": "no-such-section"},), fix="f", verified=True, never_because=None)
    with pytest.raises(ValueError, match="unknown section"):
        chk._validate([bad])


# --- no check passes on a policy that says nothing ------------------------------------

@pytest.mark.parametrize("name", ["1024mining", "aziminer", "itsminer", "smart-mining"])
def test_an_empty_policy_meets_no_rule(name):
    facts = facts_of(example(name))
    sections = "".join(f'<section id="{sid}"><h2>1. Title</h2><p>Nothing.</p></section>' for sid in chk.section_ids())
    report = chk.evaluate(facts, f"<html><body><main>{sections}</main></body></html>", today=TODAY)
    assert report.total > 0
    assert [f.rule_id for law in report.laws for f in law.findings if f.status == "met"] == []


# --- the matcher reads the rendered text -------------------------------------------------

def test_a_rule_fails_when_its_wording_is_removed_and_passes_when_it_is_there(eea_facts):
    facts = facts_of(eea_facts)
    html = render(facts).html
    assert finding(chk.evaluate(facts, html, TODAY), "gdpr.right_portability").status == "met"

    scrub = lambda text: re.sub(r"(?i)portab\w*|machine-readable|structured,? commonly used", "(removed)", text)
    # An EEA company whose only law is the GDPR has no GDPR section: the rights section carries the law.
    assert '<section id="gdpr"' not in html
    stripped = with_section_text(html, "your-rights", scrub)
    result = finding(chk.evaluate(facts, stripped, TODAY), "gdpr.right_portability")
    assert result.status == "missing"
    assert "portab" in result.reason and result.fix == chk.TEMPLATE_GAP_FIX

    restored = with_section_text(stripped, "your-rights",
                                 lambda text: text + "<p>You may receive your data in a machine-readable format.</p>")
    assert finding(chk.evaluate(facts, restored, TODAY), "gdpr.right_portability").status == "met"


def test_wording_outside_the_named_section_does_not_count(eea_facts):
    facts = facts_of(eea_facts)
    html = render(facts).html
    name = facts.company.legal_name
    moved = with_section_text(html, "controller", lambda text: text.replace(name, "the company"))
    result = finding(chk.evaluate(facts, moved, TODAY), "gdpr.controller_identity")
    assert result.status == "missing" and "company.legal_name" in result.reason


def test_the_right_to_object_must_stand_out(eea_facts):
    facts = facts_of(eea_facts)
    html = render(facts).html
    assert finding(chk.evaluate(facts, html, TODAY), "gdpr.right_object").status == "met"
    flat = re.sub(r"</?(h3|h4|h5|strong|b)(\s[^>]*)?>", "", html)
    flat = flat.replace('class="callout', 'class="plain')
    assert finding(chk.evaluate(facts, flat, TODAY), "gdpr.right_object").status == "missing"


# --- facts gaps that no template can fix ----------------------------------------------------

def test_eu_representative_gap_for_a_us_company_with_eea_users(minimal_facts):
    data = minimal_facts
    data["company"].update(country="us", address="1 Main St, Dover, DE 19901")
    data["audience"]["regions"] = ["us", "eea"]
    data["data_regions"] = ["us"]
    data["transfer_safeguards"] = ["scc"]
    result = finding(chk.check(facts_of(data), TODAY), "gdpr.eu_representative")
    assert result.status == "missing"
    assert "representatives.eu" in result.reason and "representatives.eu" in result.fix

    data["representatives"] = {"eu": {"name": "EU-Rep GmbH", "address": "Unter den Linden 5, 10117 Berlin",
                                      "email": "rep@eu-rep.example"}}
    assert finding(chk.check(facts_of(data), TODAY), "gdpr.eu_representative").status == "met"


def test_no_eu_representative_rule_for_a_company_in_the_eea(eea_facts):
    report = chk.check(facts_of(eea_facts), TODAY)
    assert finding(report, "gdpr.eu_representative") is None
    assert finding(report, "gdpr.right_access") is not None


def test_missing_company_address_is_a_facts_gap(eea_facts):
    del eea_facts["company"]["address"]
    result = finding(chk.check(facts_of(eea_facts), TODAY), "gdpr.controller_identity")
    assert result.status == "missing" and "company.address" in result.fix


def test_singapore_needs_a_dpo_email(minimal_facts):
    minimal_facts["audience"]["regions"] = ["nz", "sg"]
    minimal_facts["transfer_safeguards"] = ["consent"]
    result = finding(chk.check(facts_of(minimal_facts), TODAY), "sg.dpo_business_contact")
    assert result.status == "missing" and "contact.dpo_email" in result.fix
    minimal_facts["contact"]["dpo_email"] = "dpo@hashbox.example"
    assert finding(chk.check(facts_of(minimal_facts), TODAY), "sg.dpo_business_contact").status == "met"


def test_ccpa_request_methods_need_a_web_form(minimal_facts):
    minimal_facts["audience"]["regions"] = ["us-ca"]
    result = finding(chk.check(facts_of(minimal_facts), TODAY), "ccpa.request_methods")
    assert result.status == "missing" and "contact.request_form_url" in result.fix
    minimal_facts["contact"]["request_form_url"] = "https://hashbox.example/privacy-request"
    assert finding(chk.check(facts_of(minimal_facts), TODAY), "ccpa.request_methods").status == "met"


def test_ccpa_policy_older_than_twelve_months(minimal_facts):
    minimal_facts["audience"]["regions"] = ["us-ca"]
    facts = facts_of(minimal_facts)
    assert finding(chk.check(facts, TODAY), "ccpa.last_updated").status == "met"
    stale = finding(chk.check(facts, dt.date(2027, 3, 1)), "ccpa.last_updated")
    assert stale.status == "missing" and "policy.effective_date" in stale.fix and "days" in stale.reason


def test_pipl_representative_for_a_handler_outside_china(minimal_facts):
    minimal_facts["company"]["country"] = "hk"
    minimal_facts["audience"]["regions"] = ["cn"]
    minimal_facts["data_regions"] = ["cn"]
    result = finding(chk.check(facts_of(minimal_facts), TODAY), "pipl.representative_and_officer")
    assert result.status == "missing" and "representatives.cn" in result.fix
    assert result.verified is False


def test_laws_that_apply(minimal_facts):
    minimal_facts["audience"]["regions"] = ["nz"]
    assert chk.laws_that_apply(facts_of(minimal_facts)) == ["nz_privacy", "coppa", "cookies"]
    minimal_facts["audience"]["regions"] = ["us", "uk"]
    minimal_facts["kyc"] = {"vendor": "sumsub", "documents": ["government_id"], "storage_region": "nz"}
    minimal_facts["transfer_safeguards"] = ["scc"]
    assert chk.laws_that_apply(facts_of(minimal_facts)) == ["uk_gdpr", "caloppa", "coppa", "kyc", "cookies"]


# --- the command ------------------------------------------------------------------------------

def complete_facts() -> dict:
    """Facts that set every fact the disclosures of their laws need (New Zealand and Hong Kong users,
    in-house KYC, marketing), so that every applicable disclosure is made."""
    return {
        "schema_version": 1,
        "company": {"legal_name": "Hashbox Mining Ltd", "website": "https://hashbox.example", "country": "nz",
                    "address": "1 Queen Street, Auckland 1010, New Zealand"},
        "services": ["hosting"],
        "contact": {"email": "privacy@hashbox.example", "dpo_name": "the Privacy Officer", "phone": "+64 9 555 0100",
                    "request_form_url": "https://hashbox.example/rights"},
        "policy": {"effective_date": dt.date.today().isoformat(), "url": "https://hashbox.example/privacy"},
        "audience": {"minimum_age": 18, "regions": ["nz", "hk"]},
        "data_collected": ["account", "contact", "log_data", "marketing"],
        "data_regions": ["nz"],
        "kyc": {"vendor": "in_house", "documents": ["government_id", "selfie"], "storage_region": "nz",
                "obliged_entity": True, "screening": False, "automated_rejection": False, "selfie_alternative": True},
        "retention": {"default": "2 years after your account closes", "kyc": "5 years after the business relationship ends"},
        "security_measures": ["tls", "encryption_at_rest", "2fa", "access_control"],
        "marketing_emails": "consent",
        "marketing_unsubscribe": {"methods": ["email_link", "account_settings"], "days": 10},
        "sells_personal_data": False,
    }


def complete_gdpr_facts() -> dict:
    """AziMiner with every fact its example leaves out (address, consent banner and its link)."""
    data = example("aziminer")
    data["company"]["address"] = "Hauptstrasse 1, 10115 Berlin, Germany"
    data["cookies"].update(consent_tool=True, consent_tool_url="https://aziminer.com/cookie-settings")
    data["policy"]["effective_date"] = dt.date.today().isoformat()
    return data


def test_every_gdpr_disclosure_can_be_made_from_facts():
    report = chk.check(facts_of(complete_gdpr_facts()), dt.date.today())
    assert [f.rule_id for law in report.laws for f in law.findings if f.status != "met"] == []


def test_complete_facts_have_no_problem():
    report = chk.check(facts_of(complete_facts()), dt.date.today())
    assert [f.rule_id for f in report.problems] == []


def test_cli_exit_0_when_every_disclosure_is_made_and_nothing_is_wrong(cli, tmp_path, monkeypatch):
    # The problem rules are tested in test_problems.py; here only the disclosures count.
    rules = chk.load_rules()
    monkeypatch.setattr(chk, "load_rules", lambda: dataclasses.replace(rules, problems=()))
    code, out, err = cli("check", write_facts(tmp_path, complete_facts()))
    assert code == 0, out
    assert re.search(r"^(\d+) of \1 required disclosures made; 0 missing$", out, re.M)
    assert re.search(r"^0 problems found$", out, re.M)
    assert "\u2713" in out and "\u2717" not in out and err == ""
    assert list(tmp_path.iterdir()) == [tmp_path / "facts.yaml"]


def test_cli_exit_1_for_a_problem_even_when_every_disclosure_is_made(cli, tmp_path, monkeypatch):
    rules = chk.load_rules()
    only = tuple(p for p in rules.problems if p.id == "risk.stale_effective_date")
    monkeypatch.setattr(chk, "load_rules", lambda: dataclasses.replace(rules, problems=only))
    data = complete_facts()
    data["policy"]["effective_date"] = (dt.date.today() - dt.timedelta(days=400)).isoformat()
    code, out, _ = cli("check", write_facts(tmp_path, data))
    assert code == 1
    assert re.search(r"^(\d+) of \1 required disclosures made; 0 missing$", out, re.M)
    assert "\u2717 WRONG   risk.stale_effective_date" in out and "400 days before today" in out
    assert "fix: set policy.effective_date" in out
    assert re.search(r"^1 problem found$", out, re.M)


def test_cli_exit_1_lists_what_is_missing_and_how_to_fix_it(cli, tmp_path):
    data = complete_facts()
    del data["company"]["address"]
    code, out, _ = cli("check", write_facts(tmp_path, data))
    assert code == 1
    assert "\u2717 MISSING nz.ipp3_core" in out and "\u2717 MISSING hk.access_correction_contact" in out
    assert "fix: add company.address" in out
    assert re.search(r"^\d+ of \d+ required disclosures made; 2 missing$", out, re.M)


def test_cli_json(cli, tmp_path):
    data = complete_facts()
    del data["company"]["address"]
    code, out, _ = cli("check", "--json", write_facts(tmp_path, data))
    assert code == 1
    report = json.loads(out)
    assert [f["rule_id"] for f in report["missing"]] == ["hk.access_correction_contact", "nz.ipp3_core"]
    assert report["summary"]["missing"] == 2
    assert {law["law"] for law in report["laws"]} == {"pdpo", "nz_privacy", "coppa", "kyc"}
    assert set(report["laws"][0]["findings"][0]) == {"rule_id", "law", "status", "disclose", "reason", "fix", "verified"}


def test_cli_exit_2_for_invalid_facts(cli, tmp_path, minimal_facts):
    minimal_facts["audience"]["minimum_age"] = "eighteen"
    path = write_facts(tmp_path, minimal_facts)
    code, out, err = cli("check", path)
    assert code == 2 and out == ""
    assert f"{path}:" in err and "audience.minimum_age" in err and "Traceback" not in err


def test_cli_exit_2_for_a_missing_file_or_bad_usage(cli, tmp_path):
    code, out, err = cli("check", tmp_path / "nope.yaml")
    assert code == 2 and out == "" and "nope.yaml" in err
    code, _, err = cli("check")
    assert code == 2 and "FACTS.yaml" in err
