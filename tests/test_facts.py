"""Facts files: what validates, and one clear line per problem for what does not."""

from __future__ import annotations

import copy
import datetime as dt

import pytest

from conftest import EXAMPLES, ROOT, write_facts
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
    # Facts that would become promises are left unset (None) when not given, never defaulted.
    assert facts.contact.response_days is None
    assert facts.kyc.vendor == "none" and not facts.kyc.enabled
    assert facts.kyc.obliged_entity is None and facts.kyc.screening is None
    assert facts.kyc.automated_rejection is None and facts.kyc.selfie_alternative is None
    assert facts.analytics == [] and facts.cookies.analytics is False
    assert facts.cookies.do_not_track is None and facts.cookies.global_privacy_control is None
    assert facts.cookies.consent_tool is None and facts.cookies.consent_tool_url is None
    assert facts.marketing_emails == "none" and facts.sells_personal_data is None
    assert facts.marketing_unsubscribe.methods == [] and facts.marketing_unsubscribe.days is None
    assert facts.security_measures == [] and facts.group_companies == []
    assert facts.audience.ccpa_business is None and facts.audience.exclude_regions == []
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


@pytest.mark.parametrize("country,users,stored,needed", [
    ("nz", ["eea"], ["us"], False),   # a company outside the EEA collecting from its users itself: no transfer
    ("de", ["eea"], ["us"], True),    # a company in the EEA storing its data outside it transfers it
    ("de", ["eea"], ["de"], False),
    ("de", ["de"], ["fr"], False),    # data moves freely inside the EEA
    ("de", ["de"], ["eea"], False),
    ("de", ["de"], ["ch"], True),
    ("nz", ["de"], ["ch"], False),
    ("nz", ["uk"], ["gb"], False),    # gb is an alias of uk
    ("gb", ["uk"], ["us"], True),
    ("nz", ["us"], ["sg"], False),    # the US has no general transfer restriction
    ("us", ["us-ca"], ["us"], False),
    ("nz", ["global"], ["us"], False),  # a storage provider is New Zealand's agent: no IPP12 disclosure (s.11)
    ("sg", ["global"], ["us"], True),   # Singapore's PDPA restricts the Singapore company's storage abroad
    ("nz", ["cn"], ["hk"], False),
    ("cn", ["cn"], ["hk"], True),
])
def test_transfer_safeguards_are_required_exactly_when_data_leaves(minimal_facts, country, users, stored, needed):
    minimal_facts["company"]["country"] = country
    minimal_facts["audience"]["regions"] = users
    minimal_facts["data_regions"] = stored
    if needed:
        [line] = problems(facts_yaml(minimal_facts))
        assert "transfer_safeguards: is required because data of users in" in line
        minimal_facts["transfer_safeguards"] = ["scc"]
    facts = parse(facts_yaml(minimal_facts))
    assert bool(restricted_transfers(facts)) is needed


def test_kyc_storage_region_counts_as_a_transfer(minimal_facts):
    minimal_facts["company"]["country"], minimal_facts["audience"]["regions"] = "sg", ["sg"]
    minimal_facts["data_regions"] = ["sg"]
    minimal_facts["kyc"] = {"vendor": "onfido", "documents": ["selfie"], "storage_region": "us"}
    [line] = problems(facts_yaml(minimal_facts))
    assert "in us, outside sg" in line
    # In New Zealand the provider holds the records as the company's agent: no disclosure (s.11).
    minimal_facts["company"]["country"], minimal_facts["audience"]["regions"] = "nz", ["nz"]
    minimal_facts["data_regions"] = ["nz"]
    parse(facts_yaml(minimal_facts), "f.yaml")


def test_kyc_records_stored_by_a_provider_outside_the_zone_need_a_safeguard_even_from_abroad(minimal_facts):
    # Direct collection covers only the company's own storage; a provider holding the records outside the
    # EEA receives a transfer, whoever the company is.
    minimal_facts["audience"]["regions"] = ["eea"]
    minimal_facts["kyc"] = {"vendor": "onfido", "documents": ["selfie"], "storage_region": "us"}
    [line] = problems(facts_yaml(minimal_facts))
    assert "transfer_safeguards: is required because data of users in" in line
    minimal_facts["kyc"]["storage_region"] = "de"
    minimal_facts["data_regions"] = ["us"]
    assert not restricted_transfers(parse(facts_yaml(minimal_facts)))


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


# -- the JSON Schema says what the validator enforces ----------------------------------

REVIEW_EXAMPLES = ROOT / "tests" / "review_examples"


def as_json(value):
    """Facts as YAML loaded them, in JSON's data model (dates as ISO text), for a JSON Schema validator."""
    if isinstance(value, dict):
        return {str(k): as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return str(value)
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return value


@pytest.fixture(scope="module")
def schema_validator():
    import jsonschema

    schema = json_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.FormatChecker())


def schema_errors(validator, data) -> list[str]:
    return [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(as_json(data))]


def validator_accepts(data) -> bool:
    from generator.facts import validate
    from generator.yamlio import LineMap

    try:
        validate(copy.deepcopy(data), "m.yaml", LineMap(None))
    except FactsError:
        return False
    return True


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")) + sorted(REVIEW_EXAMPLES.glob("*.yaml")),
                         ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_example_validates_against_the_schema(schema_validator, path):
    from generator.yamlio import load_file

    data, _, _ = load_file(path)
    assert schema_errors(schema_validator, data) == []
    load(path)


def generated_valid_facts() -> list[dict]:
    """Valid facts of many shapes: every optional mapping, custom vendors, numbers typed into text fields."""
    import yaml

    from conftest import MINIMAL

    rep = {"name": "Rep GmbH", "address": "1 Hauptstr., Berlin", "email": "rep@rep.example"}
    variants = [copy.deepcopy(MINIMAL)]
    full = copy.deepcopy(MINIMAL)
    full["company"].update(brand="Hashbox", address="1 Queen St\nAuckland", registration_number="NZ 123",
                           description="hosting for miners")
    full["contact"].update(dpo_email="dpo@hashbox.example", dpo_name="Jane Doe", phone="+64 9 555 0100",
                           response_days=1, request_form_url="https://hashbox.example/request?x=1#a",
                           complaint_form_url="http://hashbox.example:8080/complain")
    full["representatives"] = {"eu": rep, "uk": rep, "cn": rep}
    full["policy"] = {"effective_date": "2024-02-29", "url": "https://hashbox.example/privacy", "language": "en",
                      "change_notice": "website"}
    full["audience"] = {"minimum_age": 21, "regions": ["eea", "uk", "us-ca", "cn"]}
    full["kyc"] = {"vendor": {"name": "IDCheck", "website": "https://id.example", "country": "fr",
                              "purpose": "checks passports", "privacy_url": "https://id.example/privacy"},
                   "documents": ["government_id", "selfie"], "storage_region": "fr", "obliged_entity": True,
                   "screening": False, "automated_rejection": True}
    full["analytics"] = ["matomo", {"name": "Stats Ltd", "website": "https://stats.example", "country": "de"}]
    full["cookies"] = {"analytics": True, "marketing": True, "do_not_track": "honour",
                       "global_privacy_control": "ignore", "consent_tool_url": "https://hashbox.example/cookies"}
    full["data_regions"] = ["nz", "de"]
    full["transfer_safeguards"] = ["scc", "consent"]
    full["retention"].update(account="5 years", kyc="5 years after the relationship ends", logs="90 days")
    full["marketing_emails"] = "opt_out"
    full["automated_decisions"] = "Software scores each sign-up for fraud risk."
    full["sells_personal_data"] = True
    variants.append(full)
    typed = yaml.load("phone: +14165550100\nregistration_number: 01234567\ndescription: 2026-01-01\n"
                      "logs: 1:20:30\naccount: .inf\n", Loader=__import__("generator.yamlio", fromlist=["x"]).FactsLoader)
    numbers = copy.deepcopy(MINIMAL)
    numbers["contact"]["phone"] = typed["phone"]
    numbers["company"].update(registration_number=typed["registration_number"], description=typed["description"])
    numbers["retention"].update(logs=typed["logs"], account=typed["account"])
    variants.append(numbers)
    for age in (13, 18.0):
        variant = copy.deepcopy(MINIMAL)
        variant["audience"]["minimum_age"] = age
        variants.append(variant)
    empty_lists = copy.deepcopy(MINIMAL)
    empty_lists.update(analytics=None, transfer_safeguards=[], automated_decisions=None)
    variants.append(empty_lists)
    many = copy.deepcopy(MINIMAL)
    many["analytics"] = [{"name": f"Tool {i}", "website": f"https://t{i}.example", "country": "us"} for i in range(50)]
    many["audience"]["regions"] = ["global"]
    many["data_regions"] = ["nz"]
    many["transfer_safeguards"] = ["scc"]
    variants.append(many)
    unicode_names = copy.deepcopy(MINIMAL)
    unicode_names["company"].update(legal_name="株式会社ハッシュ", brand="Société Générale de Minage \u00e9",
                                    address="Straße 1\tBerlin")
    unicode_names["contact"]["email"] = "privé@hashbox.example"
    variants.append(unicode_names)
    return variants


@pytest.mark.parametrize("index", range(len(generated_valid_facts())))
def test_generated_valid_facts_pass_both(schema_validator, index):
    data = generated_valid_facts()[index]
    assert validator_accepts(data)
    assert schema_errors(schema_validator, data) == []


def _set(data: dict, key: str, value) -> dict:
    target = data
    *parents, last = key.split(".")
    for part in parents:
        target = target.setdefault(part, {})
    if value is _DELETE:
        del target[last]
    else:
        target[last] = value
    return data


_DELETE = object()
_VENDOR = {"name": "IDCheck", "website": "https://id.example", "country": "fr"}

MUTATIONS = [
    ("audience.minimum_age", 5), ("audience.minimum_age", 22), ("audience.minimum_age", "18"),
    ("audience.minimum_age", True), ("audience.minimum_age", 18.5), ("contact.response_days", 0),
    ("contact.response_days", 91),
    ("company.website", "javascript:alert(1)"), ("company.website", "https://x.example/\x1b[31m"),
    ("company.website", "https://x.example/\n"), ("company.website", "ftp://x.example"),
    ("company.website", "https://x.example/" + "a" * 2000), ("policy.url", "https://x.example/\u202e"),
    ("company.legal_name", ""), ("company.legal_name", "\u200b"), ("company.legal_name", " \u00a0\u3000"),
    ("company.legal_name", "\u3164"), ("company.legal_name", "a" * 2001), ("company.legal_name", True),
    ("company.legal_name", None), ("company.legal_name", _DELETE), ("company.brand", "Hash\u202ebox"),
    ("company.brand", "Hash\x07box"), ("company.brand", "Evil\rGood"), ("company.website", "https://x.example/\u200b"), ("company.brand", "Hash\x85box"), ("company.brand", "Hash\x7fbox"),
    ("company.address", ["1 Main St"]), ("contact.phone", "\x1b[2J"),
    ("contact.email", "not-an-email"), ("contact.email", "a\x07@x.example"), ("contact.email", "a b@x.example"),
    ("contact.email", "a@x.example\n"), ("contact.dpo_email", "a@" + "x" * 250 + ".example"),
    ("policy.effective_date", "2026-02-30"), ("policy.effective_date", "2025-02-29"),
    ("policy.effective_date", "2026-13-45"), ("policy.effective_date", "2026-01-01 10:00"),
    ("policy.effective_date", "1 April 2025"), ("policy.effective_date", "20250401"),
    ("policy.language", "de"), ("policy.change_notice", "fax"),
    ("services", []), ("services", ["hosting", "hosting"]), ("services", ["cloud"]), ("services", None),
    ("services", "hosting"), ("data_collected", None), ("audience.regions", ["atlantis"]),
    ("company.country", "atlantis"), ("company.webiste", "https://x.example"), ("extra_top_level", 1),
    ("representatives.eu", {"name": "Rep", "address": "1 St"}),
    ("analytics", [dict(_VENDOR, name=f"V{i}") for i in range(51)]), ("analytics", ["google_analytic"]),
    ("analytics", [dict(_VENDOR, website="ftp://x.example")]), ("analytics", [dict(_VENDOR, extra=1)]),
    ("sells_personal_data", "no"), ("sells_personal_data", 1), ("cookies.marketing", 1),
    ("automated_decisions", True), ("automated_decisions", ""), ("kyc.vendor", "sumsubb"),
    ("kyc.documents", ["passport"]), ("marketing_emails", "sometimes"), ("cookies.do_not_track", "maybe"),
    ("schema_version", 2), ("schema_version", _DELETE), ("transfer_safeguards", ["scc", "scc"]),
    ("retention.default", "\u2066\u2069"), ("retention", "forever"),
    ("kyc", {"documents": ["selfie"]}), ("kyc", {"vendor": "none", "storage_region": "us"}),
    ("kyc", {"vendor": "onfido"}), ("kyc", {"vendor": _VENDOR, "documents": []}),
]


@pytest.mark.parametrize("key,value", MUTATIONS, ids=[f"{k}={v!r:.30}" for k, v in MUTATIONS])
def test_each_mutation_fails_both_the_validator_and_the_schema(minimal_facts, schema_validator, key, value):
    assert len(MUTATIONS) >= 20
    data = _set(copy.deepcopy(minimal_facts), key, copy.deepcopy(value))
    assert not validator_accepts(data), "the validator accepts it"
    assert schema_errors(schema_validator, data), "the JSON Schema accepts it"


def test_the_schema_carries_the_constraints_from_the_validators():
    from generator import facts as model

    schema = json_schema()
    defs = schema["$defs"]
    assert all(d.get("additionalProperties") is False for d in defs.values() if d.get("type") == "object")
    age = defs["Audience"]["properties"]["minimum_age"]
    assert (age["minimum"], age["maximum"]) == (13, 21)
    website = defs["Company"]["properties"]["website"]
    assert website["pattern"] == model.URL_PATTERN and website["maxLength"] == model.URL_MAX
    assert defs["Contact"]["properties"]["email"]["pattern"] == model.EMAIL_PATTERN
    assert defs["Policy"]["properties"]["effective_date"]["anyOf"][0]["pattern"] == model.DATE_PATTERN
    assert schema["properties"]["analytics"]["anyOf"][0]["maxItems"] == model.LIST_MAX
    assert schema["properties"]["services"]["maxItems"] == len(model.SERVICES)
