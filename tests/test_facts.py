"""Facts files: what validates, and one clear line per problem for what does not."""

from __future__ import annotations

import datetime as dt

import pytest

from conftest import EXAMPLES, write_facts
from generator.errors import FactsError
from generator.facts import Facts, json_schema, load, parse, restricted_transfers


def problems(text: str) -> list[str]:
    with pytest.raises(FactsError) as caught:
        parse(text, "f.yaml")
    return caught.value.lines()


def facts_yaml(minimal: dict, **changes) -> str:
    import yaml

    data = dict(minimal)
    data.update(changes)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.stem)
def test_examples_validate(path):
    facts = load(path)
    assert isinstance(facts, Facts)
    assert facts.schema_version == 1


def test_defaults_fill_what_is_left_out(minimal_facts, tmp_path):
    facts = load(write_facts(tmp_path, minimal_facts))
    assert facts.company.brand is None and facts.company.display_name == "Hashbox Mining Ltd"
    assert facts.contact.response_days == 30
    assert facts.kyc.vendor == "none" and not facts.kyc.enabled
    assert facts.analytics == [] and facts.cookies.analytics is False
    assert facts.marketing_emails == "none" and facts.sells_personal_data is False
    assert facts.policy.effective_date == dt.date(2026, 1, 15)


def test_analytics_cookies_default_to_true_with_trackers(minimal_facts):
    minimal_facts["analytics"] = ["matomo"]
    assert parse(facts_yaml(minimal_facts)).cookies.analytics is True


def test_contract_error_format_for_a_bad_integer(minimal_facts):
    text = facts_yaml(minimal_facts).replace("minimum_age: 18", "minimum_age: eighteen")
    lines = problems(text)
    line_no = text.splitlines().index("  minimum_age: eighteen") + 1
    assert lines == [f'f.yaml:{line_no}: audience.minimum_age: must be an integer between 13 and 21, got "eighteen"']


@pytest.mark.parametrize("value", [12, 22, True, "18.5"])
def test_minimum_age_bounds(minimal_facts, value):
    minimal_facts["audience"]["minimum_age"] = value
    [line] = problems(facts_yaml(minimal_facts))
    assert "audience.minimum_age: must be an integer between 13 and 21" in line


def test_misspelt_key_gets_did_you_mean(minimal_facts):
    minimal_facts["company"]["webiste"] = minimal_facts["company"].pop("website")
    lines = problems(facts_yaml(minimal_facts))
    assert any("company.webiste: unknown key (did you mean 'website'?)" in line for line in lines)
    assert any("company.website: is required but missing" in line for line in lines)


def test_misspelt_top_level_key(minimal_facts):
    minimal_facts["data_colected"] = minimal_facts.pop("data_collected")
    lines = problems(facts_yaml(minimal_facts))
    assert any("data_colected: unknown key (did you mean 'data_collected'?)" in line for line in lines)


@pytest.mark.parametrize("key,value,expected", [
    ("company.country", "usa", "company.country: must be one of the region ids"),
    ("company.website", "ftp://x.example", "company.website: must be an http(s) URL"),
    ("contact.email", "not-an-email", "contact.email: must be an email address"),
    ("policy.effective_date", "1 April 2025", "policy.effective_date: must be an ISO date"),
    ("kyc.vendor", "sumsubb", "kyc.vendor: must be one of the KYC vendors"),
    ("services", ["cloud"], "services[0]: must be one of the services"),
    ("data_collected", ["accounts"], "data_collected[0]: must be one of the data categories"),
    ("data_collected", [], "data_collected: must list at least one entry"),
    ("marketing_emails", "sometimes", "marketing_emails: must be"),
    ("cookies.do_not_track", "maybe", "cookies.do_not_track: must be"),
    ("sells_personal_data", "no", "sells_personal_data: must be true or false"),
    ("contact.response_days", 120, "contact.response_days: must be an integer between 1 and 90"),
    ("analytics", ["google_analytic"], "analytics[0]: must be one of the analytics and advertising tools"),
    ("company", "ACME", "company: must be a mapping of keys"),
    ("audience.regions", "eea", "audience.regions: must be a list"),
])
def test_each_bad_value_names_its_key(minimal_facts, key, value, expected):
    target = minimal_facts
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    target[last] = value
    lines = problems(facts_yaml(minimal_facts))
    assert any(expected in line for line in lines), lines
    assert all(line.startswith("f.yaml") for line in lines)


def test_did_you_mean_for_catalog_ids(minimal_facts):
    minimal_facts["kyc"] = {"vendor": "sumsubb", "documents": ["selfie"]}
    [line] = problems(facts_yaml(minimal_facts))
    assert "(did you mean 'sumsub'?)" in line and 'got "sumsubb"' in line


def test_norway_is_a_region_not_a_boolean(minimal_facts):
    minimal_facts["transfer_safeguards"] = ["adequacy"]
    text = facts_yaml(minimal_facts)
    assert "  regions:\n  - nz\n" in text
    text = text.replace("  regions:\n  - nz\n", "  regions: [nz, no]\n")
    assert parse(text).audience.regions == ["nz", "no"]


def test_duplicate_entries_are_rejected(minimal_facts):
    minimal_facts["services"] = ["hosting", "hosting"]
    [line] = problems(facts_yaml(minimal_facts))
    assert "services: must list each of its services once" in line


def test_kyc_documents_need_a_vendor(minimal_facts):
    minimal_facts["kyc"] = {"documents": ["selfie"]}
    [line] = problems(facts_yaml(minimal_facts))
    assert "kyc.documents: is only allowed with a KYC vendor" in line


def test_kyc_vendor_needs_documents(minimal_facts):
    minimal_facts["kyc"] = {"vendor": "onfido"}
    [line] = problems(facts_yaml(minimal_facts))
    assert "kyc.documents: must list what identity verification asks for" in line


def test_custom_vendor_mapping_is_accepted(minimal_facts):
    minimal_facts["kyc"] = {"vendor": {"name": "IDCheck", "website": "https://idcheck.example", "country": "fr"},
                            "documents": ["government_id"]}
    minimal_facts["analytics"] = [{"name": "Stats", "website": "https://stats.example", "country": "de",
                                   "purpose": "counting visits"}]
    facts = parse(facts_yaml(minimal_facts))
    assert facts.kyc.vendor.name == "IDCheck" and facts.analytics[0].purpose == "counting visits"


def test_custom_vendor_errors_point_inside_the_mapping(minimal_facts):
    minimal_facts["kyc"] = {"vendor": {"name": "IDCheck", "website": "idcheck", "country": "fr"},
                            "documents": ["government_id"]}
    [line] = problems(facts_yaml(minimal_facts))
    assert "kyc.vendor.website: must be an http(s) URL" in line


@pytest.mark.parametrize("users,stored,needed", [
    (["eea"], ["us"], True),
    (["eea"], ["de"], False),
    (["de"], ["fr"], False),     # data moves freely inside the EEA
    (["de"], ["eea"], False),
    (["de"], ["ch"], True),
    (["uk"], ["gb"], False),     # gb is an alias of uk
    (["us"], ["sg"], False),     # the US has no general transfer restriction
    (["us-ca"], ["us"], False),
    (["global"], ["us"], True),
    (["cn"], ["hk"], True),
])
def test_transfer_safeguards_are_required_exactly_when_data_leaves(minimal_facts, users, stored, needed):
    minimal_facts["audience"]["regions"] = users
    minimal_facts["data_regions"] = stored
    if needed:
        [line] = problems(facts_yaml(minimal_facts))
        assert "transfer_safeguards: is required because data of users in" in line
        minimal_facts["transfer_safeguards"] = ["scc"]
    facts = parse(facts_yaml(minimal_facts))
    assert bool(restricted_transfers(facts)) is needed


def test_kyc_storage_region_counts_as_a_transfer(minimal_facts):
    minimal_facts["kyc"] = {"vendor": "onfido", "documents": ["selfie"], "storage_region": "us"}
    [line] = problems(facts_yaml(minimal_facts))
    assert "in us, outside nz" in line


def test_missing_required_keys_are_all_reported(minimal_facts):
    del minimal_facts["retention"]
    del minimal_facts["contact"]
    lines = problems(facts_yaml(minimal_facts))
    assert any("retention: is required but missing" in line for line in lines)
    assert any("contact: is required but missing" in line for line in lines)


def test_effective_date_may_be_left_out(minimal_facts):
    del minimal_facts["policy"]
    assert parse(facts_yaml(minimal_facts)).policy.effective_date is None


def test_wrong_schema_version(minimal_facts):
    minimal_facts["schema_version"] = 2
    [line] = problems(facts_yaml(minimal_facts))
    assert "schema_version: must be 1" in line and "got 2" in line


def test_json_schema_comes_from_the_model():
    schema = json_schema()
    props = schema["properties"]
    assert schema["additionalProperties"] is False
    assert {"schema_version", "company", "services", "contact", "audience", "data_collected",
            "data_regions", "retention"} <= set(schema["required"])
    assert "sumsub" in str(schema["$defs"]["Kyc"])
    age = schema["$defs"]["Audience"]["properties"]["minimum_age"]
    assert "minimum age" in age["description"].lower()
    assert props["marketing_emails"]["enum"] == ["consent", "opt_out", "none"]
