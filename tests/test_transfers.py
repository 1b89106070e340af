"""The one transfer computation: who receives data where, and under which safeguard for each law."""

from __future__ import annotations

import copy

import pytest

from conftest import MINIMAL, html_text, render_html, section_fragments
from generator.facts import validate
from generator.transfers import transfer_plan
from generator.yamlio import LineMap


def facts_of(**changes):
    data = copy.deepcopy(MINIMAL)
    for path, value in changes.items():
        target = data
        keys = path.split("__")
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    return data, validate(copy.deepcopy(data), "<test>", LineMap(None))


def test_collection_by_a_company_outside_the_zone_is_not_a_transfer():
    data, facts = facts_of(company__country="nz", audience__regions=["eea"], data_regions=["nz"])
    plan = transfer_plan(facts)
    assert plan.for_law("gdpr").destinations == () and not plan.any_transfer
    text = html_text(section_fragments(data)["international-transfers"])
    assert "not a transfer" in text and "standard contractual clauses" not in text


def test_storage_abroad_by_a_company_inside_the_zone_is_a_transfer_under_the_safeguard_given():
    data, facts = facts_of(company__country="de", audience__regions=["eea"], data_regions=["de", "us"],
                           transfer_safeguards=["scc"])
    gdpr = transfer_plan(facts).for_law("gdpr")
    assert [d.region for d in gdpr.destinations] == ["us"]
    assert gdpr.destinations[0].mechanism.id == "scc" and not gdpr.unprotected
    text = html_text(section_fragments(data)["international-transfers"])
    assert "standard contractual clauses" in text and "copy of the safeguards" in text
    assert "Data Privacy Framework" not in text and "adequacy" not in text.lower()


def test_adequacy_is_named_only_where_the_destination_has_it():
    _, to_nz = facts_of(company__country="de", audience__regions=["eea"], data_regions=["nz"],
                        transfer_safeguards=["adequacy"])
    assert transfer_plan(to_nz).for_law("gdpr").destinations[0].mechanism.id == "adequacy"
    _, to_us = facts_of(company__country="de", audience__regions=["eea"], data_regions=["us"],
                        transfer_safeguards=["adequacy"])
    plan = transfer_plan(to_us)
    assert plan.for_law("gdpr").destinations[0].mechanism is None  # the US finding covers DPF-certified recipients only
    assert plan.invalid_safeguards == ("adequacy",)
    _, with_dpf = facts_of(company__country="de", audience__regions=["eea"], data_regions=["us"],
                           transfer_safeguards=["dpf"])
    assert transfer_plan(with_dpf).for_law("gdpr").destinations[0].mechanism.id == "dpf"


def test_a_provider_abroad_receives_data_by_a_transfer_even_from_a_company_outside_the_zone():
    data, facts = facts_of(company__country="us", audience__regions=["eea"], data_regions=["us"],
                           analytics=["google_analytics"], transfer_safeguards=["scc"])
    gdpr = transfer_plan(facts).for_law("gdpr")
    assert [(d.region, [f.recipient for f in d.flows]) for d in gdpr.destinations] == [("us", ["Google Analytics"])]


def test_a_safeguard_of_another_law_does_not_cover_a_transfer():
    data, facts = facts_of(company__country="hk", audience__regions=["cn"], data_regions=["hk"],
                           analytics=["google_analytics"], transfer_safeguards=["scc"])
    pipl = transfer_plan(facts).for_law("pipl")
    assert pipl.unprotected and pipl.unprotected[0].region == "us"
    assert "none in place" in html_text(section_fragments(data)["international-transfers"])


def test_consent_is_a_derogation_used_only_where_no_routine_safeguard_serves():
    _, facts = facts_of(company__country="de", audience__regions=["eea"], data_regions=["us"],
                        transfer_safeguards=["consent", "scc"])
    destination = transfer_plan(facts).for_law("gdpr").destinations[0]
    assert destination.mechanism.id == "scc" and not destination.mechanism.derogation


def test_the_uk_reads_scc_as_the_uk_addendum():
    _, facts = facts_of(company__country="uk", audience__regions=["uk"], data_regions=["us"],
                        transfer_safeguards=["scc"])
    assert transfer_plan(facts).for_law("uk_gdpr").destinations[0].mechanism.id == "uk_addendum"


@pytest.mark.parametrize("country,regions,stored,needed", [
    ("nz", ["eea"], ["us"], False),   # a company in New Zealand collecting from EEA users
    ("sg", ["sg"], ["us"], True),     # a Singapore company's own storage abroad (PDPA s.26)
    ("nz", ["nz"], ["us"], False),    # in New Zealand a storage provider is an agent, not a recipient (s.11)
])
def test_the_facts_need_a_safeguard_only_for_stored_data_that_leaves_a_zone(country, regions, stored, needed):
    from generator.errors import FactsError

    data = copy.deepcopy(MINIMAL)
    data["company"]["country"] = country
    data["audience"]["regions"], data["data_regions"] = regions, stored
    if needed:
        with pytest.raises(FactsError, match="transfer_safeguards"):
            validate(data, "<test>", LineMap(None))
    else:
        validate(data, "<test>", LineMap(None))


def test_general_and_regional_sections_tell_one_story():
    data, facts = facts_of(company__country="us", audience__regions=["eea", "cn"], data_regions=["us"],
                           analytics=["google_analytics"], transfer_safeguards=["scc", "cn_standard_contract"])
    html = render_html(data)
    sections = section_fragments(data)
    table = html_text(sections["international-transfers"])
    assert "GDPR: standard contractual clauses" in table and "PIPL: CAC standard contract" in table
    assert "CAC standard contract" in html_text(sections["pipl"])
    assert "Data Privacy Framework" not in html and "adequacy" not in html_text(html).lower()


def test_new_zealand_counts_only_disclosures_to_recipients_that_use_data_for_themselves():
    """Privacy Act 2020 s.11: what an agent (a processor) holds only for us is ours, so IPP12 does not apply."""
    _, facts = facts_of(company__country="nz", audience__regions=["nz"], data_regions=["nz"],
                        analytics=["google_analytics", "facebook_pixel"], transfer_safeguards=["nz_comparable_law"],
                        kyc={"vendor": "sumsub", "documents": ["government_id"], "storage_region": "eea"})
    nz = transfer_plan(facts).for_law("nz_privacy")
    recipients = {f.recipient for d in nz.destinations for f in d.flows}
    assert recipients == {"Meta Pixel"}   # the advertiser uses the data for itself; Sumsub and GA are agents
