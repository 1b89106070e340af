"""Shorter, and nothing lost: every disclosure `check` found made before the concision rewrite is made now.

tests/data/check_made_before_concision.json lists, per example, the rules that were met by the
policies generated before the rewrite (commit 3083ac6). A rule may be missing now only when it
was met by a promise no fact supported, which the rewrite removed on purpose (a cookie banner,
a Do Not Track or GPC answer the facts never gave, a selfie alternative): the check must then
say which fact to set, and the fact must really be unset.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from generator.check import CONDITIONS, check
from generator.facts import load
from generator.problems import fact

HERE = Path(__file__).parent
EXAMPLES = HERE.parent / "questionnaires" / "examples"
BEFORE = json.loads((HERE / "data" / "check_made_before_concision.json").read_text(encoding="utf-8"))


def _when(rule: dict) -> list[str]:
    when = rule.get("when", "always")
    return [when] if isinstance(when, str) else list(when)


# rule id -> its `when` conditions: a rule not evaluated now must have one that no longer holds
# (data that no longer leaves a region, once collection stopped counting as a transfer; data the PIPL
# does not call sensitive).
RULES = {rule["id"]: _when(rule) for rule in
         yaml.safe_load((HERE.parent / "generator" / "rules.yaml").read_text(encoding="utf-8"))["rules"]}

# rule id -> the facts key whose absence now (rightly) leaves it unmade
GATED_BY_A_FACT = {
    "cookies.consent_basis": "cookies.consent_tool",
    "ccpa.opt_out_preference_signal": "cookies.global_privacy_control",
    "us.state_sale_targeted_ads_optout": "cookies.global_privacy_control",
    "us.caloppa_dnt_tracking": "cookies.do_not_track",
    "kyc.biometric_gdpr": "kyc.selfie_alternative",
    "qc.person_in_charge_and_governance": "contact.dpo_name",
}
# Laws that no longer apply to an example, with the reason (the rules of a law that does not apply are not required).
NO_LONGER_APPLIES = {
    "smart-mining": {"ccpa": "global brings the CCPA unless audience.ccpa_business is false; smart-mining leaves it unset"},
    "itsminer": {"us_states": "us-ca brings the CCPA only, not promises to every US state"},
}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_every_disclosure_made_before_is_still_made(name):
    facts = load(EXAMPLES / f"{name}.yaml")
    report = check(facts)
    findings = {f.rule_id: f for law in report.laws for f in law.findings}
    lost = []
    for rule_id in BEFORE[name]:
        finding = findings.get(rule_id)
        if finding is not None and finding.status == "met":
            continue
        if finding is None:  # its law no longer applies, or its condition no longer holds
            law = rule_id.split(".")[0]
            if "ccpa" in NO_LONGER_APPLIES.get(name, {}) and law == "ccpa":
                continue
            if "us_states" in NO_LONGER_APPLIES.get(name, {}) and rule_id.startswith("us.state_"):
                continue
            failing = [c for c in RULES[rule_id] if not CONDITIONS[c](facts)]
            assert failing, f"{rule_id} applies but was not evaluated"
            continue
        gate = GATED_BY_A_FACT.get(rule_id)
        if gate and fact(facts, gate) in (None, False) and gate in finding.fix + finding.reason:
            continue
        lost.append((rule_id, finding.reason))
    assert not lost, lost


def test_the_record_of_before_is_not_empty():
    assert all(len(rules) >= 10 for rules in BEFORE.values())
