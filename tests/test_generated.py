"""Many varied facts files, generated from the catalogs: every one renders cleanly."""

from __future__ import annotations

import random
import re

import pytest
import yaml

from conftest import html_text
from generator import catalog
from generator.clauses import applicable_laws, law_section_id
from generator.errors import FactsError
from generator.facts import parse
from generator.render import render

CAT = catalog.load()
USER_REGIONS = ["eea", "eu", "de", "fr", "no", "uk", "us", "us-ca", "cn", "hk", "nz", "sg", "br", "ca", "jp", "global"]
STORAGE = ["us", "de", "eea", "sg", "hk", "nz", "ch", "uk"]


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
        "sells_personal_data": rng.random() < 0.2,
    }
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
        data["kyc"] = {"vendor": vendor, "documents": rng.sample(list(CAT.kyc_documents), rng.randint(1, 4)),
                       "obliged_entity": rng.random() < 0.5, "screening": rng.random() < 0.7,
                       "automated_rejection": rng.random() < 0.3}
        if rng.random() < 0.5:
            data["kyc"]["storage_region"] = rng.choice(STORAGE)
    trackers = rng.sample(list(CAT.trackers), rng.randint(0, 4))
    if rng.random() < 0.3:
        trackers.append(custom_vendor(rng, seed + 1000))
    data["analytics"] = trackers
    data["cookies"] = {"marketing": rng.random() < 0.5, "do_not_track": rng.choice(["honour", "ignore"]),
                       "global_privacy_control": rng.choice(["honour", "ignore"])}
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
    assert sections & regional == {law_section_id(law) for law in applicable_laws(facts)}
    assert (facts.kyc.enabled) == ("identity-verification" in sections)
    assert bool(facts.analytics) == ("analytics-advertising" in sections)
    assert facts.company.legal_name in visible and facts.contact.email in visible
