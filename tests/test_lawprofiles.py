"""The law profiles in generator/catalog/laws/ load, validate and state what each law says."""

from __future__ import annotations

import datetime as dt
import shutil
import tomllib
from pathlib import Path

import pytest

from generator import lawprofiles
from generator.catalog import load as load_catalog
from generator.errors import CatalogError, PolicygenError

ROOT = Path(__file__).resolve().parent.parent
AS_OF = dt.date(2026, 12, 1)


@pytest.fixture(scope="module")
def profiles():
    return lawprofiles.load()


def _copy_laws(tmp_path: Path) -> Path:
    folder = tmp_path / "laws"
    shutil.copytree(lawprofiles.LAWS_DIR, folder)
    return folder


def _all_sourced(value):
    """Every Sourced item inside a profile, however deeply nested."""
    if isinstance(value, lawprofiles.Sourced):
        yield value
    if isinstance(value, lawprofiles._Item):
        for name in type(value).model_fields:
            yield from _all_sourced(getattr(value, name))
    elif isinstance(value, (tuple, list)):
        for item in value:
            yield from _all_sourced(item)
    elif hasattr(value, "values") and not isinstance(value, str):
        for item in value.values():
            yield from _all_sourced(item)


# --- the loader -------------------------------------------------------------------------------

def test_every_law_has_a_profile_in_order(profiles):
    assert tuple(profiles) == lawprofiles.LAW_IDS
    assert all(profile.id == law_id for law_id, profile in profiles.items())


def test_law_ids_match_the_catalog():
    assert set(lawprofiles.LAW_IDS) == set(load_catalog().laws)


def test_load_is_cached():
    assert lawprofiles.load() is lawprofiles.load()
    assert lawprofiles.get("gdpr") is lawprofiles.load()["gdpr"]


def test_every_statement_is_cited_and_a_verified_one_names_its_source(profiles):
    items = [item for profile in profiles.values() for item in _all_sourced(profile)]
    assert len(items) > 300
    assert all(item.citation.strip() for item in items)
    assert all(item.source for item in items if item.verified)
    assert any(item.verified for item in items) and any(not item.verified for item in items)


def test_summaries_are_short_and_name_no_provision(profiles):
    for profile in profiles.values():
        for right in profile.rights:
            assert len(right.summary.split()) <= lawprofiles.SUMMARY_MAX_WORDS, (profile.id, right.id)
            assert "Art." not in right.summary and "§" not in right.summary, (profile.id, right.id)


def test_a_summary_with_an_article_number_is_refused():
    with pytest.raises(ValueError, match="names a provision"):
        lawprofiles.Right(id="access", name="right of access", summary="Get a copy under Art. 15 of your data.",
                          citation="GDPR Art. 15", verified=False)


def test_an_unknown_right_id_is_refused():
    with pytest.raises(ValueError, match="unknown right id"):
        lawprofiles.Right(id="acess", name="right of access", summary="Get a copy of your data.",
                          citation="GDPR Art. 15", verified=False)


def test_verified_without_a_source_is_refused():
    with pytest.raises(ValueError, match="needs a source"):
        lawprofiles.Note(text="something", citation="GDPR Art. 1", verified=True)


def test_a_malformed_profile_is_reported_one_line_per_problem(tmp_path):
    folder = _copy_laws(tmp_path)
    path = folder / "pdpo.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("  days: 40\n", "  days: forty\n"), encoding="utf-8")
    (folder / "nz_privacy.yaml").unlink()
    with pytest.raises(CatalogError) as info:
        lawprofiles.load_dir(folder)
    lines = info.value.lines()
    assert any(line.startswith(f"{path}: response.days: ") for line in lines), lines
    assert any(line.endswith("nz_privacy.yaml: missing profile") for line in lines), lines
    assert isinstance(info.value, PolicygenError)


def test_a_profile_whose_id_differs_from_its_file_name_is_refused(tmp_path):
    folder = _copy_laws(tmp_path)
    path = folder / "pdpa.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace("id: pdpa\n", "id: pdpo\n", 1), encoding="utf-8")
    with pytest.raises(CatalogError, match="id: expected 'pdpa'"):
        lawprofiles.load_dir(folder)


def test_an_unknown_profile_file_is_refused(tmp_path):
    folder = _copy_laws(tmp_path)
    shutil.copy(folder / "gdpr.yaml", folder / "appi.yaml")
    with pytest.raises(CatalogError, match="appi.yaml: unknown law id"):
        lawprofiles.load_dir(folder)


def test_duplicate_transfer_mechanism_ids_are_refused(tmp_path):
    folder = _copy_laws(tmp_path)
    path = folder / "gdpr.yaml"
    text = path.read_text(encoding="utf-8").replace("  - id: bcr\n", "  - id: scc\n", 1)
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError, match="duplicate transfer mechanism ids: scc"):
        lawprofiles.load_dir(folder)


def test_the_profiles_are_packaged():
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "catalog/laws/*.yaml" in pyproject["tool"]["setuptools"]["package-data"]["generator"]


def test_union_rights_keeps_each_laws_own_name():
    merged = lawprofiles.union_rights(["gdpr", "pdpo"])
    assert [law for law, _ in merged["access"]] == ["gdpr", "pdpo"]
    assert dict(merged["access"])["pdpo"].name == "data access request"
    assert "restriction" in merged and [law for law, _ in merged["restriction"]] == ["gdpr"]


# --- what the profiles say --------------------------------------------------------------------

def test_lawful_bases_exist_only_where_the_law_has_them(profiles):
    without = {law for law, p in profiles.items() if not p.has_lawful_bases}
    assert without == {"ccpa", "us_states", "pdpo", "nz_privacy", "pipeda"}


def test_pipl_has_its_own_bases_and_no_legitimate_interests(profiles):
    bases = [b.id for b in profiles["pipl"].lawful_bases]
    assert bases[:3] == ["consent", "contract", "statutory_duties"]
    assert "legitimate_interests" not in bases
    assert all(b.citation.startswith("PIPL Art. 13(1)") for b in profiles["pipl"].lawful_bases)


def test_lgpd_bases_include_legitimate_interest(profiles):
    bases = {b.id: b for b in profiles["lgpd"].lawful_bases}
    assert len(bases) == 10 and "LGPD Art. 7(IX)" in bases["legitimate_interests"].citation


def test_gdpr_only_concepts_stay_in_gdpr_style_laws(profiles):
    for law in ("ccpa", "us_states", "pdpo", "nz_privacy", "pdpa", "pipeda"):
        ids = {r.id for r in profiles[law].rights}
        assert "restriction" not in ids and "objection" not in ids, law
    pdpo = {r.id for r in profiles["pdpo"].rights}
    assert pdpo == {"access", "correction", "object_direct_marketing", "complain"}


def test_response_deadlines(profiles):
    expected = {"gdpr": (None, None, "one month"), "uk_gdpr": (None, None, "one month"),
                "ccpa": (45, None, "45 days"), "pipl": (None, 15, "15 working days"),
                "pdpo": (40, None, "40 days"), "nz_privacy": (None, 20, "20 working days"),
                "pdpa": (30, None, "30 days"), "lgpd": (15, None, "15 days"), "pipeda": (30, None, "30 days")}
    for law, (days, working, text) in expected.items():
        response = profiles[law].response
        assert (response.days, response.working_days, response.text) == (days, working, text), law
    assert profiles["ccpa"].response.confirm_receipt_business_days == 10
    assert "two further months" in profiles["gdpr"].response.extension_text


def test_complaint_routes(profiles):
    ccpa = profiles["ccpa"].complaint
    assert ccpa.kind == "authority_and_attorney_general"
    assert ccpa.authorities[0].url.startswith("https://cppa.ca.gov/")
    states = profiles["us_states"].complaint
    assert states.kind == "attorney_general" and states.appeal.deadline_days == 45
    assert profiles["uk_gdpr"].complaint.authorities[0].url.startswith("https://ico.org.uk/")
    assert "CAC" in profiles["pipl"].complaint.authorities[0].name
    quebec = [a for a in profiles["pipeda"].complaint.authorities if a.region == "Quebec"]
    assert quebec and "Commission d'accès" in quebec[0].name


def test_fees(profiles):
    assert profiles["pdpo"].fees.free is False and "not excessive" in profiles["pdpo"].fees.text
    assert all(profiles[law].fees.free for law in ("gdpr", "uk_gdpr", "ccpa", "lgpd", "pipl"))


def test_transfer_mechanisms(profiles):
    gdpr = {m.id: m for m in profiles["gdpr"].transfer_mechanisms}
    assert {"scc", "adequacy", "consent", "bcr", "dpf"} <= set(gdpr)
    assert gdpr["consent"].derogation and not gdpr["scc"].derogation
    uk = {m.id for m in profiles["uk_gdpr"].transfer_mechanisms}
    assert {"uk_idta", "uk_addendum"} <= uk and "scc" not in uk  # EU SCCs alone do not cover UK transfers
    assert {m.id for m in profiles["pipl"].transfer_mechanisms} == {
        "cn_security_assessment", "cn_certification", "cn_standard_contract"}
    assert profiles["pipl"].adequacy_source and not profiles["pipl"].mechanism("adequacy")
    assert "lgpd_standard_clauses" in {m.id for m in profiles["lgpd"].transfer_mechanisms}
    assert not profiles["ccpa"].restricts_transfers and not profiles["ccpa"].transfer_mechanisms
    for law in ("gdpr", "uk_gdpr", "pipl", "lgpd", "pdpa", "nz_privacy"):
        assert profiles[law].restricts_transfers, law


def test_representatives(profiles):
    keys = {law: p.representative.facts_key for law, p in profiles.items() if p.representative}
    assert keys == {"gdpr": "representatives.eu", "uk_gdpr": "representatives.uk", "pipl": "representatives.cn"}


def test_children_ages(profiles):
    gdpr = profiles["gdpr"].children
    assert gdpr.age == 16 and gdpr.by_country["de"].age == 16 and gdpr.by_country["be"].age == 13
    assert set(gdpr.by_country) == set(load_catalog().regions["eea"]["members"])
    assert profiles["uk_gdpr"].children.age == 13
    assert profiles["us_states"].children.age == 13 and "COPPA" in profiles["us_states"].children.text
    assert profiles["pipl"].children.age == 14


def test_languages(profiles):
    assert profiles["pipl"].language.languages == ("zh-Hans",)
    assert profiles["pipeda"].language.languages == ("fr",)
    assert profiles["gdpr"].language is None


def test_terms(profiles):
    assert profiles["pipl"].terms.company == "personal information handler"
    assert profiles["pdpo"].terms.company == "data user"
    assert profiles["ccpa"].terms.personal_data == "personal information"
    assert profiles["gdpr"].terms.personal_data == "personal data"


def test_us_state_laws_in_force(profiles):
    states = {s.state: s for s in profiles["us_states"].states}
    required = {"va", "co", "ct", "ut", "tx", "or", "mt", "ia", "de", "ne", "nh", "nj", "tn", "mn", "md",
                "in", "ky", "ri"}
    assert {f"us-{code}" for code in required} <= set(states)
    assert all(s.effective <= AS_OF for s in states.values())
    assert states["us-ut"].appeal_days is None and "appeal" not in states["us-ut"].rights
    assert states["us-ia"].response_days == 90 and "correction" not in states["us-ia"].rights
    for state in states.values():
        assert state.complaint.url.startswith("https://"), state.state
        assert (state.appeal_days is None) == ("appeal" not in state.rights), state.state
    appeal = profiles["us_states"].complaint.appeal
    assert appeal.deadline_days == min(s.appeal_days for s in states.values() if s.appeal_days)


def test_caloppa_and_ccpa_specifics(profiles):
    disclosures = {d.id for d in profiles["us_states"].disclosures}
    assert {"caloppa_do_not_track", "caloppa_third_party_tracking"} <= disclosures
    california = profiles["ccpa"].california
    assert "26,625,000" in california.thresholds[0].text
    assert "7025" in california.opt_out_preference_signal.citation
    assert "1798.130(a)(5)" in california.annual_update.citation
    assert profiles["ccpa"].right("limit_sensitive") is not None


def test_quebec_rights_are_scoped(profiles):
    pipeda = profiles["pipeda"]
    assert pipeda.right("portability") is None
    assert pipeda.right("portability", "Quebec").citation.startswith("Quebec")
    assert pipeda.right("complain") and pipeda.right("complain", "Quebec")


def test_mechanism_ids_cover_the_existing_safeguards_once():
    ids = lawprofiles.mechanism_ids()
    assert len(ids) == len(set(ids))
    assert {"scc", "adequacy", "consent", "bcr", "uk_idta", "uk_addendum", "cn_standard_contract",
            "cn_certification", "cn_security_assessment", "hk_model_clauses", "gba_standard_contract",
            "contract", "lgpd_standard_clauses"} <= set(ids)


def test_digital_consent_age():
    assert lawprofiles.digital_consent_age("de") == 16
    assert lawprofiles.digital_consent_age("fr") == 15
    assert lawprofiles.digital_consent_age("uk") == 13
    assert lawprofiles.digital_consent_age("us") is None


def test_scoped_rights_say_where_they_apply(profiles):
    """A right granted only in part of a law's area reads true wherever the law's rights are listed."""
    for profile in profiles.values():
        for right in profile.rights:
            if right.scope:
                assert right.summary.startswith(f"In {right.scope}, "), (profile.id, right.id)
                assert f"({right.scope})" in right.name, (profile.id, right.id)
