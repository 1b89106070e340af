"""Many varied facts files, generated from the catalogs: every one renders cleanly."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from conftest import html_text
from generator import catalog
from generator import clauses
from generator.clauses import law_section_id
from generator.errors import FactsError
from generator.facts import parse
from generator.render import render

CAT = catalog.load()
USER_REGIONS = ["eea", "eu", "de", "fr", "no", "uk", "us", "us-ca", "cn", "hk", "nz", "sg", "br", "ca", "jp", "global"]
STORAGE = ["us", "de", "eea", "sg", "hk", "nz", "ch", "uk"]
EXCLUDABLE = ["cn", "hk", "us", "br", "sg"]


def maybe(rng: random.Random, *values):
    """One of the values, or None (the fact left unset) as often as any one of them."""
    return rng.choice([*values, None])


def set_if(mapping: dict, key: str, value) -> None:
    if value is not None:
        mapping[key] = value


def custom_vendor(rng: random.Random, n: int) -> dict:
    vendor = {"name": f"Vendor {n}", "website": f"https://vendor{n}.example", "country": rng.choice(STORAGE)}
    if rng.random() < 0.5:
        vendor["purpose"] = "checking things for us"
    if rng.random() < 0.5:
        vendor["privacy_url"] = f"https://vendor{n}.example/privacy"
    return vendor


def varied_facts(seed: int) -> dict:
    rng = random.Random(seed)
    data = {
        "schema_version": 1,
        "company": {"legal_name": f"Miner {seed} Ltd", "website": f"https://m{seed}.example",
                    "country": rng.choice(["us", "de", "hk", "nz", "sg", "gb", "ky", "ch"])},
        "services": rng.sample(["cloud_hashrate", "hosting", "monitoring", "pool", "marketplace", "mining_software",
                                "equipment_sales"], rng.randint(1, 4)),
        "contact": {"email": f"privacy@m{seed}.example"},
        "policy": {"effective_date": f"2026-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"},
        "audience": {"minimum_age": rng.randint(13, 21), "regions": rng.sample(USER_REGIONS, rng.randint(1, 4))},
        "data_collected": rng.sample(list(CAT.data_categories), rng.randint(1, len(CAT.data_categories))),
        "data_regions": rng.sample(STORAGE, rng.randint(1, 3)),
        "transfer_safeguards": rng.sample(["scc", "adequacy", "consent", "bcr"], rng.randint(1, 2)),
        "retention": {"default": f"{rng.randint(1, 9)} years after your account closes"},
        "marketing_emails": rng.choice(["consent", "opt_out", "none"]),
        "automated_decisions": rng.choice([False, "We score payouts for fraud and hold risky ones for review."]),
        "security_measures": rng.sample(list(CAT.security_measures), rng.randint(0, len(CAT.security_measures))),
    }
    set_if(data, "sells_personal_data", maybe(rng, True, False))
    set_if(data["audience"], "ccpa_business", maybe(rng, True, False))
    if rng.random() < 0.3:
        outside = [r for r in EXCLUDABLE if r not in data["audience"]["regions"]]
        data["audience"]["exclude_regions"] = rng.sample(outside, rng.randint(1, 2))
    if rng.random() < 0.3:
        data["group_companies"] = [
            {"name": f"Miner {seed} Group {n} Ltd", "country": rng.choice(STORAGE + ["au", "ky"]),
             "role": rng.choice(["processor", "controller", "joint_controller"]),
             **({"purpose": "runs our data centre"} if rng.random() < 0.5 else {})}
            for n in range(rng.randint(1, 2))]
    if data["marketing_emails"] != "none" or rng.random() < 0.2:
        unsubscribe = {"methods": rng.sample(["email_link", "account_settings", "reply"], rng.randint(0, 3))}
        set_if(unsubscribe, "days", maybe(rng, rng.randint(1, 30)))
        data["marketing_unsubscribe"] = unsubscribe
    optional = {
        ("company", "brand"): f"Brand{seed}", ("company", "address"): f"{seed} Main Street, Springfield",
        ("company", "description"): "hashrate for everyone", ("company", "registration_number"): f"RN-{seed}",
        ("contact", "dpo_email"): f"dpo@m{seed}.example", ("contact", "phone"): "+1 555 0100",
        ("contact", "request_form_url"): f"https://m{seed}.example/request",
        ("contact", "complaint_form_url"): f"https://m{seed}.example/complain",
        ("policy", "url"): f"https://m{seed}.example/privacy",
        ("retention", "account"): "3 years after closure", ("retention", "kyc"): "5 years after the relationship ends",
        ("retention", "logs"): f"{rng.randint(7, 400)} days",
    }
    for (section, key), value in optional.items():
        if rng.random() < 0.5:
            data.setdefault(section, {})[key] = value
    if "dpo_email" in data["contact"] and rng.random() < 0.5:
        data["contact"]["dpo_name"] = "Dana Officer"
    for rep in ("eu", "uk", "cn"):
        if rng.random() < 0.3:
            data.setdefault("representatives", {})[rep] = {"name": f"{rep.upper()} Rep", "address": "1 Rep Road",
                                                           "email": f"{rep}@rep.example"}
    roll = rng.random()
    if roll < 0.6:
        vendor = (rng.choice(list(CAT.kyc_vendors)) if roll < 0.35 else
                  "in_house" if roll < 0.45 else custom_vendor(rng, seed))
        data["kyc"] = {"vendor": vendor, "documents": rng.sample(list(CAT.kyc_documents), rng.randint(1, 4))}
        for flag in ("obliged_entity", "screening", "automated_rejection", "selfie_alternative"):
            set_if(data["kyc"], flag, maybe(rng, True, False))
        if rng.random() < 0.5:
            data["kyc"]["storage_region"] = rng.choice(STORAGE)
    trackers = rng.sample(list(CAT.trackers), rng.randint(0, 4))
    if rng.random() < 0.3:
        trackers.append(custom_vendor(rng, seed + 1000))
    data["analytics"] = trackers
    data["cookies"] = {"marketing": rng.random() < 0.5}
    set_if(data["cookies"], "do_not_track", maybe(rng, "honour", "ignore"))
    set_if(data["cookies"], "global_privacy_control", maybe(rng, "honour", "ignore"))
    set_if(data["cookies"], "consent_tool", maybe(rng, True, False))
    if rng.random() < 0.5:
        data["cookies"]["consent_tool_url"] = f"https://m{seed}.example/cookies"
    return data


@pytest.mark.parametrize("seed", range(200))
def test_generated_facts_render_cleanly(seed):
    text = yaml.safe_dump(varied_facts(seed), sort_keys=False)
    try:
        facts = parse(text, f"seed{seed}.yaml")
    except FactsError as exc:  # a cross-field rule refused the combination: that is fine
        assert all(line.startswith(f"seed{seed}.yaml") for line in exc.lines())
        pytest.skip("facts refused by a cross-field rule")
    html = render(facts).html
    visible = html_text(html)
    for bad in ("None", "[]", "{{", "{%", "undefined", "..", " ,", " ."):
        assert bad not in visible, bad
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    assert set(re.findall(r'href="#([^"]*)"', html)) <= set(ids)
    sections = set(re.findall(r'<section id="([^"]+)"', html))
    regional = {law_section_id(law) for law in CAT.laws}
    # regional_laws minus the laws that share their host's section (clauses.section_laws); those keep an anchor.
    assert sections & regional == {law_section_id(law) for law in clauses.section_laws(facts)}
    for law in clauses.regional_laws(facts):
        assert f'id="{law_section_id(law)}"' in html, law
    assert (facts.kyc.enabled) == ("identity-verification" in sections)
    assert "analytics-advertising" not in sections  # merged into the cookies section
    texts = {sid: html_text(body) for sid, body in
             re.findall(r'<section id="([^"]+)"[^>]*>(.*?)</section>', html, flags=re.S)}
    for tracker in facts.analytics:
        name = CAT.trackers[tracker]["name"] if isinstance(tracker, str) else tracker.name
        assert name in texts["cookies"], name
    for measure in facts.security_measures:
        assert CAT.security_measures[measure]["text"].lower() in texts["security"].lower(), measure
    for company in facts.group_companies:
        assert company.name in texts["sharing"], company.name
    if "marketing" in texts and facts.marketing_unsubscribe.days:
        assert f"within {facts.marketing_unsubscribe.days} days" in texts["marketing"]
    # Promises without their fact stay out.
    if not facts.security_measures:
        for measure in CAT.security_measures.values():
            assert measure["text"].lower() not in texts["security"].lower()
    if not (facts.cookies.consent_tool or facts.cookies.consent_tool_url):
        assert "banner" not in texts["cookies"]
    if facts.cookies.do_not_track is None:
        assert "Do Not Track" not in visible
    if facts.cookies.global_privacy_control is None:
        assert "Global Privacy Control" not in visible
    if facts.sells_personal_data is None:
        for denial in ("We do not sell your personal data", "We do not sell or share personal information",
                       "We do not sell personal data"):
            assert denial not in visible, denial
    assert facts.company.legal_name in visible and facts.contact.email in visible
