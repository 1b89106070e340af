"""The questionnaire data, its condition language, answer validation and the facts writer."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path

import pytest
import yaml

from generator import factsyaml, questionnaire as qn
from generator.errors import FactsError
from generator.facts import Facts, cross_field_problems, parse, validate
from generator.yamlio import LineMap, load_file

EXAMPLES = sorted((Path(__file__).resolve().parent.parent / "questionnaires" / "examples").glob("*.yaml"))


@pytest.fixture(scope="module")
def questions():
    return qn.load()


def test_every_required_fact_has_a_question(questions):
    covered = {q.key for q in questions.questions} | {tuple(k.split(".")) for k in questions.constants}
    missing = [".".join(k) for k in qn.required_keys() if k not in covered]
    assert not missing, f"required facts without a question: {missing}"
    # Required fields of a section that exists only when asked for (representatives) have questions too.
    for section in ("eu", "uk", "cn"):
        for name in ("name", "address", "email"):
            assert questions.question(("representatives", section, name)) is not None
    assert [f.name for f in questions.vendor_fields if not f.optional] == ["name", "website", "country"]


def test_required_keys_follow_the_model():
    assert ("company", "legal_name") in qn.required_keys()
    assert ("company", "brand") not in qn.required_keys()
    assert ("kyc", "vendor") not in qn.required_keys()  # kyc is optional as a whole
    assert ("retention", "default") in qn.required_keys()


def test_help_and_choices_come_from_the_model_and_catalogs(questions):
    age = questions.question(("audience", "minimum_age"))
    assert age.help == " ".join(Facts.model_fields["audience"].annotation.model_fields["minimum_age"].description.split())
    vendor = questions.question(("kyc", "vendor"))
    assert ("sumsub", "Sumsub") in [(c.value, c.label) for c in vendor.choices]
    assert {c.value for c in vendor.choices} == set(qn.literal_ids(vendor.info.annotation))
    services = questions.question(("services",))
    assert [c.value for c in services.choices] == qn.literal_ids(services.info.annotation)
    regions = questions.question(("audience", "regions"))
    assert ("eea", "European Economic Area (eea)") in [(c.value, c.label) for c in regions.choices]
    assert regions.region_typed and regions.other == "regions"


def _questionnaire_file(tmp_path: Path, entries: list[dict]) -> Path:
    path = tmp_path / "q.yaml"
    path.write_text(yaml.safe_dump({
        "constants": {"schema_version": 1}, "questions": entries,
        "custom_vendor": [{"field": "name", "prompt": "Name?"}], "prompts": {}}), encoding="utf-8")
    return path


def test_a_questionnaire_that_contradicts_the_model_does_not_load(tmp_path):
    bad_key = _questionnaire_file(tmp_path, [{"key": "company.legal_nam", "kind": "text", "prompt": "?"}])
    with pytest.raises(qn.QuestionnaireError, match="not a facts key"):
        qn.load(bad_key)
    bad_choice = _questionnaire_file(tmp_path, [
        {"key": "marketing_emails", "kind": "select", "prompt": "?", "choices": {"labels": {"spam": "Spam"}}}])
    with pytest.raises(qn.QuestionnaireError, match="not allowed by the facts model"):
        qn.load(bad_choice)
    unlabelled = _questionnaire_file(tmp_path, [
        {"key": "marketing_emails", "kind": "select", "prompt": "?", "choices": {"labels": {"none": "No"}}}])
    with pytest.raises(qn.QuestionnaireError, match="has no label"):
        qn.load(unlabelled)
    later = _questionnaire_file(tmp_path, [
        {"key": "company.legal_name", "kind": "text", "prompt": "?", "when": "kyc.vendor != none"},
        {"key": "kyc.vendor", "kind": "text", "prompt": "?"}])
    with pytest.raises(qn.QuestionnaireError, match="asked later"):
        qn.load(later)


@pytest.mark.parametrize("text, answers, expected", [
    ("kyc.vendor != none", {}, False),
    ("kyc.vendor != none", {"kyc": {"vendor": "sumsub"}}, True),
    ("kyc.vendor != none", {"kyc": {"vendor": {"name": "Acme"}}}, True),
    ("audience.regions has eea", {"audience": {"regions": ["us", "eea"]}}, True),
    ("audience.regions lacks eea", {"audience": {"regions": ["us"]}}, True),
    ("audience.regions overlaps eea", {"audience": {"regions": ["de"]}}, True),
    ("audience.regions overlaps eea", {"audience": {"regions": ["global"]}}, True),
    ("audience.regions overlaps eea", {"audience": {"regions": ["us", "nz"]}}, False),
    ("audience.regions overlaps us-ca", {"audience": {"regions": ["us"]}}, True),
    ("company.country outside eea", {"company": {"country": "de"}}, False),
    ("company.country outside eea", {"company": {"country": "us"}}, True),
    ("contact.dpo_email", {"contact": {"dpo_email": "dpo@x.example"}}, True),
    ("contact.dpo_email", {}, False),
    ("not contact.dpo_email or (kyc.vendor == in_house and contact.response_days == 30)",
     {"contact": {"dpo_email": "a@b.example", "response_days": 30}, "kyc": {"vendor": "in_house"}}, True),
    ("not contact.dpo_email or (kyc.vendor == in_house and contact.response_days == 30)",
     {"contact": {"dpo_email": "a@b.example"}, "kyc": {"vendor": "in_house"}}, False),
    ("cookies.marketing == true", {"cookies": {"marketing": True}}, True),
    ("representatives.eu", {"representatives": {"eu": {}}}, True),
])
def test_conditions(text, answers, expected):
    assert qn.parse_condition(text)(answers) is expected


@pytest.mark.parametrize("text, message", [
    ("__import__('os').system('x')", "cannot read"),
    ("kyc.vendr != none", "not a facts key"),
    ("kyc.vendor !=", "needs a value"),
    ("(kyc.vendor != none", r"expected \)"),
    ("kyc.vendor != none none", "unexpected"),
])
def test_conditions_are_parsed_never_evaluated_as_code(text, message):
    with pytest.raises(qn.QuestionnaireError, match=message):
        qn.parse_condition(text)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_transfer_condition_matches_the_cross_field_rule(path):
    data, _, _ = load_file(path)
    data.pop("transfer_safeguards", None)
    needs = any(key == ("transfer_safeguards",) for key, _ in cross_field_problems(Facts.model_validate(data)))
    assert qn.parse_condition("transfers_restricted")(data) is needs
    for regions in (["nz"], ["eea"], ["global"], ["us"]):
        changed = copy.deepcopy(data) | {"data_regions": regions}
        needs = any(key == ("transfer_safeguards",) for key, _ in cross_field_problems(Facts.model_validate(changed)))
        assert qn.parse_condition("transfers_restricted")(changed) is needs


def _file_message(data: dict, key: str) -> str:
    with pytest.raises(FactsError) as caught:
        validate(data, "f.yaml", LineMap(None))
    return next(p.message for p in caught.value.problems if p.key == key)


@pytest.mark.parametrize("key, value", [
    ("audience.minimum_age", "eighteen"),
    ("audience.minimum_age", 12),
    ("company.website", "example.com"),
    ("contact.email", "privacy at example.com"),
    ("company.country", "germny"),
    ("policy.effective_date", "2025-13-01"),
    ("audience.regions", []),
    ("company.legal_name", "   "),
])
def test_typed_answers_get_the_messages_of_file_validation(minimal_facts, key, value):
    path = tuple(key.split("."))
    qn.put(minimal_facts, path, value)
    question = qn.load().question(path)
    assert question.validate(value) == _file_message(minimal_facts, key)


def test_valid_answers_pass_and_empty_optional_answers_leave_the_fact_out(questions):
    assert questions.question(("company", "website")).validate("https://hashbox.example") is None
    brand = questions.question(("company", "brand"))
    assert qn.from_text("text", "  ", optional=True) is qn.MISSING
    assert brand.validate(qn.MISSING) is None
    assert questions.question(("company", "legal_name")).validate(qn.MISSING) == "is required but missing"
    assert qn.from_text("number", " 18 ", optional=False) == 18
    assert qn.from_text("number", "eighteen", optional=False) == "eighteen"
    assert qn.from_text("text", "", optional=True, flag_when_empty=True) is False


def test_region_names_are_accepted_as_ids():
    assert qn.region_id("Germany") == "de"
    assert qn.region_id("hong kong") == "hk"
    assert qn.region_id("UK") == "uk"
    assert qn.region_id("Atlantis") == "Atlantis"  # left for validation to reject
    assert qn.split_ids("au, Japan  nz") == ["au", "jp", "nz"]


def test_strict_questions_are_skipped_and_soft_ones_kept_when_an_edited_file_gives_them(questions):
    documents = questions.question(("kyc", "documents"))
    dpo_name = questions.question(("contact", "dpo_name"))
    assert documents.strict and not dpo_name.strict
    assert not documents.relevant({}, {"kyc": {"documents": ["selfie"]}})
    assert not dpo_name.relevant({}, {})
    assert dpo_name.relevant({}, {"contact": {"dpo_name": "Jane Roe"}})
    assert dpo_name.relevant({"contact": {"dpo_email": "dpo@x.example"}}, {})


def test_put_removes_facts_and_the_sections_they_leave_empty():
    data = {"representatives": {"eu": {"name": "R"}}, "contact": {"email": "a@b.example"}}
    qn.put(data, ("representatives", "eu"), qn.MISSING)
    assert data == {"contact": {"email": "a@b.example"}}
    qn.put(data, ("kyc", "vendor"), "sumsub")
    assert qn.get(data, ("kyc", "vendor")) == "sumsub"
    assert qn.current(data, ("kyc", "documents")) == []  # the model's default
    assert qn.current(data, ("kyc", "screening")) is None  # no default: the policy says nothing until it is set


def test_a_problem_key_leads_back_to_its_question(questions):
    assert questions.question_for_problem("analytics[1].website").key == ("analytics",)
    assert questions.question_for_problem("kyc.documents").key == ("kyc", "documents")
    assert questions.question_for_problem("company").key == ("company", "legal_name")
    assert questions.question_for_problem("nonsense") is None


# --- the facts writer ----------------------------------------------------------------

@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_written_facts_round_trip(path, questions):
    data, _, _ = load_file(path)
    text = factsyaml.dump(data, questions.comment)
    assert parse(text) == validate(copy.deepcopy(data), "x", LineMap(None))


def test_writer_keeps_contract_order_comments_and_awkward_values(minimal_facts, questions):
    data = copy.deepcopy(minimal_facts)
    data["company"] = {"website": "https://hashbox.example", "legal_name": "Yes: No, Inc.", "country": "no",
                       "address": "1 Rue d'Été\nOslo", "brand": "123"}
    data["policy"]["effective_date"] = dt.date(2026, 1, 15)
    data["kyc"] = {"vendor": {"name": "Acme ID", "website": "https://acme.example", "country": "no"},
                   "documents": ["government_id"]}
    data["analytics"] = ["matomo", {"name": "Tracker, [beta]", "website": "https://t.example", "country": "us",
                                    "purpose": "counts visits"}]
    data["automated_decisions"] = "true"
    text = factsyaml.dump(data, questions.comment)
    loaded, _ = __import__("generator.yamlio", fromlist=["load_text"]).load_text(text, "x")
    assert loaded == data
    top = [line.split(":")[0] for line in text.splitlines() if line and not line.startswith((" ", "#"))]
    assert top == [k for k in Facts.model_fields if k in data]
    assert "  # What is your company's registered legal name?\n  legal_name: " in text
    assert "effective_date: 2026-01-15\n" in text
    assert "data_collected: [account, contact, log_data]\n" in text
    assert "  # Provider's name?\n    name: Acme ID" in text
    company = text.split("company:\n")[1].split("\n\n")[0]
    assert [line.split(":")[0].strip() for line in company.splitlines() if not line.strip().startswith("#")] == \
        ["legal_name", "brand", "website", "country", "address"]


def test_each_question_has_a_short_distinct_title(questions, tmp_path):
    titles = [q.title for q in questions.questions]
    assert all(titles) and len(set(titles)) == len(titles)
    assert max(map(len, titles)) <= 40
    assert questions.question(("contact", "response_days")).title == "Days to answer a request"
    # A question added without a title is named after its key.
    untitled = qn.load(_questionnaire_file(tmp_path, [{"key": "company.legal_name", "kind": "text", "prompt": "?"}]))
    assert untitled.questions[0].title == "Company legal name"


def test_answers_are_counted_and_summarised_for_the_lists_of_init(questions, minimal_facts):
    assert questions.answered({}) == 0
    assert questions.answered(minimal_facts) == 11  # schema_version is a constant, not an answer
    assert questions.index("kyc.vendor") == [q.name for q in questions.questions].index("kyc.vendor")
    assert questions.index("no.such.key") is None
    assert qn.summary(qn.MISSING) == "(not given)" and qn.summary(True) == "yes" and qn.summary([]) == "(none)"
    assert qn.summary(["nz", {"name": "Acme ID", "website": "https://acme.example"}]) == "nz, Acme ID"
    assert qn.summary(dt.date(2026, 1, 15)) == "2026-01-15"
    long = qn.summary("a\nvery " * 20)  # one line, cut to 40 characters
    assert long.startswith("a very a very") and long.endswith("…") and len(long) <= 40 and "\n" not in long
