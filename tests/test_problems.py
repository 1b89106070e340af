"""The problems `check` finds: each rule of rules.yaml's `problems:` fails on one case and passes on another.

The text is a small hand-written policy, so each test names exactly what the rule reads;
the facts are the minimal facts with the keys the rule looks at.
"""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from generator import check as chk
from generator import problems as pb
from generator.facts import validate
from generator.yamlio import LineMap

TODAY = dt.date(2026, 2, 1)
PROBLEM_IDS = {rule.id for rule in chk.load_rules().problems}


def facts_of(data: dict, **overrides):
    """Validated facts; `overrides` ("kyc__obliged_entity"=None) set keys the model may not have yet."""
    data = copy.deepcopy(data)
    data.setdefault("transfer_safeguards", ["scc"])   # the facts' data stays in nz while users are elsewhere
    facts = validate(data, "<test>", LineMap(None))
    for dotted, value in overrides.items():
        facts = _set(facts, dotted.split("__"), value)
    return facts


def _set(model, path: list[str], value):
    if len(path) == 1:
        return model.model_copy(update={path[0]: value})
    return model.model_copy(update={path[0]: _set(getattr(model, path[0]), path[1:], value)})


def page(**sections: str) -> str:
    body = "".join(f'<section id="{sid.replace("_", "-")}"><p>{text}</p></section>' for sid, text in sections.items())
    return f"<!DOCTYPE html><html><body><main>{body}</main></body></html>"


def found(facts, html: str) -> dict[str, chk.Finding]:
    return {f.rule_id: f for f in chk.evaluate(facts, html, TODAY).problems}


def with_regions(data: dict, regions: list[str]) -> dict:
    data = copy.deepcopy(data)
    data["audience"]["regions"] = regions
    return data


# --- the rules file ---------------------------------------------------------------------

def test_every_problem_rule_is_tested_here():
    tested = {rid for rid, *_ in LEAKS} | set(CONTRADICTIONS) | {
        "safeguard.invalid", "safeguard.missing", "risk.digital_age_of_consent", "risk.stale_effective_date",
        "risk.mainland_china", "risk.derogation_as_safeguard"} | {
        rid for rid, *_ in UNSET}
    assert PROBLEM_IDS == tested


def test_problem_rules_are_validated():
    check = lambda where, c: chk._validate_check(where, c)  # noqa: E731
    good = {"id": "risk.x", "kind": "risk", "problem": "p", "probe": "digital_age_of_consent", "fix": "f"}
    assert pb.parse([good], chk.LAW_IDS, check)[0].probe == "digital_age_of_consent"
    for bad in ({**good, "id": "leakage.x"},                       # the kind must prefix the id
                {**good, "probe": "nope"},                         # unknown probe
                {**good, "terms": "x", "laws": ["gdpr"]},          # two ways at once
                {**good, "extra": 1},                              # unknown key
                {"id": "leakage.x", "kind": "leakage", "problem": "p", "terms": "x", "laws": ["mars"], "fix": "f"}):
        with pytest.raises(ValueError):
            pb.parse([bad], chk.LAW_IDS, check)


# --- leakage: (rule, text, regions where it may appear, regions where it may not) ---------

LEAKS = [
    ("leakage.gdpr", "You may complain to a supervisory authority.", ["eea"], ["us"]),
    ("leakage.gdpr", "Customers get emails under the soft opt-in.", ["uk"], ["hk"]),
    ("leakage.gdpr", "Art. 6(1)(f) GDPR applies.", ["eea"], ["sg"]),
    # The right to restrict has its own rule: the PIPL grants it too.
    ("leakage.restriction", "You have the right to restrict processing.", ["uk"], ["hk"]),
    ("leakage.restriction", "You have the right to restrict processing.", ["cn"], ["br"]),
    ("leakage.legitimate_interests", "We rely on our legitimate interests.", ["br"], ["cn", "hk"]),
    ("leakage.portability", "You have a right to data portability.", ["eea"], ["hk"]),
    ("leakage.us_state_laws", "We honour Global Privacy Control signals.", ["us-ca"], ["eea"]),
    ("leakage.us_state_laws", "You may appeal to the Attorney General.", ["us"], ["nz"]),
    ("leakage.caloppa", "Our website does not respond to Do Not Track signals.", ["us"], ["eea"]),
    ("leakage.caloppa", "We act on it within 10 business days.", ["us"], ["eea"]),
    ("leakage.pipl", "We are the personal information handler.", ["cn"], ["eea"]),
    ("leakage.pdpo", "We are the data user.", ["hk"], ["nz"]),
    ("leakage.nz_privacy", "The Privacy Act 2020 gives you rights.", ["nz"], ["hk"]),
    ("leakage.pdpa", "Under the PDPA you may ask.", ["sg"], ["nz"]),
    ("leakage.lgpd", "Our encarregado answers.", ["br"], ["nz"]),
    ("leakage.pipeda", "Under PIPEDA and Law 25 you may ask.", ["ca"], ["nz"]),
]


@pytest.mark.parametrize(("rule_id", "text", "allowed", "leaked"), LEAKS)
def test_leakage(minimal_facts, rule_id, text, allowed, leaked):
    html = page(your_rights=text)
    bad = found(facts_of(with_regions(minimal_facts, leaked)), html)
    assert rule_id in bad and 'section "your-rights"' in bad[rule_id].reason
    assert bad[rule_id].status == "wrong" and bad[rule_id].law == "leakage"
    assert rule_id not in found(facts_of(with_regions(minimal_facts, allowed)), html)
    assert rule_id not in found(facts_of(with_regions(minimal_facts, leaked)), page(your_rights="Ask us."))


def test_leakage_names_every_section_it_is_in(minimal_facts):
    html = page(cookies="We ignore Do Not Track.", marketing="within 10 business days")
    reason = found(facts_of(minimal_facts), html)["leakage.caloppa"].reason
    assert 'section "cookies" says "Do Not Track"' in reason and 'section "marketing" says "10 business days"' in reason


# --- contradictions: (facts that make it fail, facts that make it pass, the text) ---------

ANALYTICS = {"analytics": ["google_analytics"]}
KYC = {"kyc": {"vendor": "sumsub", "documents": ["government_id"], "storage_region": "nz"}}

CONTRADICTIONS = {
    "contradiction.cookie_consent": (ANALYTICS, {}, {}, {}, dict(cookies="We use no cookies that need your consent.")),
    "contradiction.fee": ({}, {}, None, {}, dict(your_rights="Making a request is free of charge.",
                                               pdpo="We may charge a fee for complying with a data access request.")),
    # sells_personal_data left unset (None) is no denial either; only false allows "we do not sell".
    "contradiction.sale": ({"sells_personal_data": True}, {}, {"sells_personal_data": False}, {},
                           dict(sharing="We do not sell your personal data.")),
    "contradiction.consent_banner": ({}, {}, {"cookies": {"consent_tool_url": "https://hashbox.example/cookies"}}, {},
                                     dict(cookies="A banner asks for your consent.")),
    "contradiction.security_measures": ({}, {}, {}, {"security_measures": ["encryption_at_rest"]},
                                        dict(security="The data we store is encrypted at rest.")),
    "contradiction.group_companies": ({}, {}, {"group_companies": [{"name": "Hashbox AG", "country": "ch",
                                                                    "role": "processor"}]}, {},
                                      dict(sharing="Companies in our group may receive personal data.")),
    "contradiction.aml_status": (KYC, {"kyc__obliged_entity": None}, KYC, {"kyc__obliged_entity": False},
                                 dict(identity_verification="No anti-money-laundering law obliges us to identify you.")),
    "contradiction.screening": (KYC, {"kyc__screening": False}, KYC, {"kyc__screening": True},
                                dict(identity_verification="We check you against sanctions lists.")),
    "contradiction.do_not_track": ({}, {"cookies__do_not_track": None}, {}, {"cookies__do_not_track": "ignore"},
                                   dict(cookies="Our website does not respond to Do Not Track.")),
}


@pytest.mark.parametrize("rule_id", sorted(CONTRADICTIONS))
def test_contradiction(minimal_facts, rule_id):
    fail_data, fail_over, pass_data, pass_over, sections = CONTRADICTIONS[rule_id]
    html = page(**sections)
    bad = found(facts_of({**minimal_facts, **fail_data}, **fail_over), html)
    assert rule_id in bad and bad[rule_id].fix
    if pass_data is not None:   # None: text against text, passed below
        assert rule_id not in found(facts_of({**minimal_facts, **pass_data}, **pass_over), html)


def test_a_fee_for_unfounded_requests_does_not_contradict_free_requests(minimal_facts):
    html = page(your_rights="Making a request is free of charge. Only if a request is manifestly unfounded or "
                            "excessive may we charge a reasonable fee.")
    assert "contradiction.fee" not in found(facts_of(minimal_facts), html)


def test_sale_denied_while_sells_personal_data_is_unset(minimal_facts):
    html = page(sharing="We do not sell your personal data.")
    assert "contradiction.sale" in found(facts_of(minimal_facts, sells_personal_data=None), html)
    assert "contradiction.sale" not in found(facts_of(minimal_facts, sells_personal_data=False), html)


def test_security_measures_are_judged_one_by_one(minimal_facts):
    html = page(security="Data travels over HTTPS with TLS. Staff are trained in data protection.")
    reason = found(facts_of(minimal_facts, security_measures=["tls"]), html)["contradiction.security_measures"].reason
    assert "trained" in reason and "TLS" not in reason
    assert "contradiction.security_measures" not in found(
        facts_of(minimal_facts, security_measures=["tls", "staff_training"]), html)


# --- safeguards and risky facts ---------------------------------------------------------

def test_invalid_safeguard(minimal_facts):
    # A German company storing its data in mainland China transfers it out of the EEA: China has no adequacy.
    data = with_regions(minimal_facts, ["eea"])
    data["company"]["country"] = "de"
    data["data_regions"] = ["cn"]
    data["transfer_safeguards"] = ["adequacy"]
    assert "adequacy" in found(facts_of(data), page())["safeguard.invalid"].reason
    data["transfer_safeguards"] = ["scc"]
    assert "safeguard.invalid" not in found(facts_of(data), page())


def test_direct_collection_needs_no_safeguard_so_none_is_invalid(minimal_facts):
    # A New Zealand company collecting from EEA users itself makes no transfer, so nothing is judged.
    data = with_regions(minimal_facts, ["eea"])
    data["data_regions"] = ["cn"]
    data["transfer_safeguards"] = ["adequacy"]
    problems = found(facts_of(data), page())
    assert "safeguard.invalid" not in problems and "safeguard.missing" not in problems


def test_a_transfer_no_safeguard_covers(minimal_facts):
    # Analytics in the US receive EEA users' data: adequacy does not cover the US (only `dpf` would).
    data = with_regions(minimal_facts, ["eea"])
    data["analytics"] = ["google_analytics"]
    data["transfer_safeguards"] = ["adequacy"]
    missing = found(facts_of(data), page())["safeguard.missing"]
    assert "United States" in missing.reason and "transfer_safeguards" in missing.fix
    data["transfer_safeguards"] = ["scc"]
    assert "safeguard.missing" not in found(facts_of(data), page())


@pytest.mark.parametrize(("country", "regions"), [("de", ["us"]), ("nz", ["de"]), ("nz", ["eea"]), ("nz", ["global"])])
def test_a_minimum_age_below_a_targeted_eea_countrys_digital_age_of_consent(minimal_facts, country, regions):
    data = with_regions(minimal_facts, regions)
    data["company"]["country"] = country
    data["audience"]["minimum_age"] = 13
    risk = found(facts_of(data), page())["risk.digital_age_of_consent"]
    assert "Germany (16" in risk.reason and "audience.minimum_age" in risk.fix
    data["audience"]["minimum_age"] = 16
    assert "risk.digital_age_of_consent" not in found(facts_of(data), page())


def test_a_last_updated_date_more_than_a_year_old(minimal_facts):
    minimal_facts["policy"]["effective_date"] = "2025-01-10"          # 387 days before TODAY
    stale = found(facts_of(minimal_facts), page())["risk.stale_effective_date"]
    assert "2025-01-10" in stale.reason and "policy.effective_date" in stale.fix
    minimal_facts["policy"]["effective_date"] = "2025-02-02"          # 364 days
    assert "risk.stale_effective_date" not in found(facts_of(minimal_facts), page())


def test_no_age_risk_outside_the_eea(minimal_facts):
    minimal_facts["audience"]["minimum_age"] = 13
    assert "risk.digital_age_of_consent" not in found(facts_of(with_regions(minimal_facts, ["nz", "uk"])), page())
    data = with_regions(minimal_facts, ["dk", "se"])        # both set 13
    assert "risk.digital_age_of_consent" not in found(facts_of(data), page())


# --- facts the policy needs that are unset: (rule, facts, the unset key) -------------------

UNSET = [
    ("unset.kyc_obliged_entity", KYC, "kyc__obliged_entity", True),
    ("unset.kyc_screening", KYC, "kyc__screening", False),
    ("unset.kyc_automated_rejection", KYC, "kyc__automated_rejection", False),
    ("unset.do_not_track", {"audience": {"minimum_age": 18, "regions": ["us"]}}, "cookies__do_not_track", "honour"),
    ("unset.sells_personal_data", {"audience": {"minimum_age": 18, "regions": ["us-ca"]}}, "sells_personal_data", False),
    ("unset.ccpa_business", {"audience": {"minimum_age": 18, "regions": ["us"]}}, "audience__ccpa_business", False),
    ("unset.consent_tool", {**ANALYTICS, "audience": {"minimum_age": 18, "regions": ["eea"]}}, "cookies__consent_tool",
     True),
]


@pytest.mark.parametrize(("rule_id", "data", "key", "value"), UNSET)
def test_unset(minimal_facts, monkeypatch, rule_id, data, key, value):
    monkeypatch.setattr(pb, "has_field", lambda path: True)   # keys the facts model may not have yet
    bad = found(facts_of({**minimal_facts, **data}, **{key: None}), page())
    assert rule_id in bad and key.replace("__", ".") in bad[rule_id].fix
    assert rule_id not in found(facts_of({**minimal_facts, **data}, **{key: value}), page())


def test_an_unset_rule_waits_for_its_key_in_the_facts_model(minimal_facts, monkeypatch):
    monkeypatch.setattr(pb, "has_field", lambda path: False)
    facts = facts_of({**minimal_facts, **KYC}, kyc__obliged_entity=None)
    assert "unset.kyc_obliged_entity" not in found(facts, page())


@pytest.mark.parametrize("regions,exclude,flagged", [
    (["cn"], [], True), (["global"], [], True), (["global"], ["cn"], False), (["hk", "nz"], [], False)])
def test_users_in_mainland_china_are_a_risk_to_flag(minimal_facts, regions, exclude, flagged):
    data = with_regions(minimal_facts, regions)
    data["audience"]["exclude_regions"] = exclude
    risk = found(facts_of(data), page()).get("risk.mainland_china")
    assert bool(risk) == flagged
    if risk:
        assert "exclude_regions" in risk.fix


def test_consent_as_the_safeguard_of_regular_transfers_is_a_risk(minimal_facts):
    data = copy.deepcopy(minimal_facts)
    data["company"]["country"], data["audience"]["regions"], data["data_regions"] = "de", ["eea"], ["us"]
    data["transfer_safeguards"] = ["consent"]
    risk = found(facts_of(data), page())["risk.derogation_as_safeguard"]
    assert "United States" in risk.reason and "occasional" in risk.reason
    data["transfer_safeguards"] = ["consent", "scc"]   # the routine safeguard serves; consent stays unused
    assert "risk.derogation_as_safeguard" not in found(facts_of(data), page())
