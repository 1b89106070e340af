"""The catalogs: every contract id is there, and every entry has what the clauses need."""

from __future__ import annotations

import pytest

from generator import catalog

CAT = catalog.load()

CONTRACT_IDS = {
    "kyc_vendors": ["sumsub", "onfido", "jumio", "veriff", "persona"],
    "trackers": ["google_analytics", "google_ads", "facebook_pixel", "facebook_sdk", "matomo", "plausible",
                 "hotjar", "mixpanel", "amplitude"],
    "kyc_documents": ["government_id", "selfie", "proof_of_address", "date_of_birth", "nationality", "address",
                      "source_of_funds"],
    "data_categories": ["log_data", "account", "contact", "device", "wallet_addresses", "transactions",
                        "mining_equipment", "payment", "tax_id", "support", "marketing", "event_registration"],
    "regions": ["us", "de", "hk", "nz", "sg", "cn", "br", "ca", "eea", "eu", "uk", "us-ca", "global"],
}


@pytest.mark.parametrize("kind", sorted(CONTRACT_IDS))
def test_contract_ids_exist(kind):
    assert set(CONTRACT_IDS[kind]) <= set(getattr(CAT, kind))


@pytest.mark.parametrize("vendor", sorted(CAT.kyc_vendors) + sorted(CAT.trackers))
def test_vendor_entries_are_complete(vendor):
    entry = CAT.kyc_vendors.get(vendor) or CAT.trackers[vendor]
    for key in ("name", "legal_name", "country", "website", "privacy_url", "purpose"):
        assert entry[key], key
    assert entry["country"] in CAT.regions
    assert entry["privacy_url"].startswith("https://")


@pytest.mark.parametrize("category", sorted(CAT.data_categories))
def test_data_categories_have_purposes_bases_and_retention(category):
    entry = CAT.data_categories[category]
    assert entry["description"] and entry["ccpa"]
    assert entry["purposes"]
    for use in entry["purposes"]:
        assert use["purpose"] in CAT.purposes
        assert use["basis"] in CAT.legal_bases
    assert entry["retention"]["fact"] in ("default", "account", "kyc", "logs")


def test_every_law_has_its_region_and_authority():
    expected = {"gdpr": "eea", "uk_gdpr": "uk", "ccpa": "us-ca", "us_states": "us", "pipl": "cn", "pdpo": "hk",
                "nz_privacy": "nz", "pdpa": "sg", "lgpd": "br", "pipeda": "ca"}
    assert set(CAT.laws) == set(expected)
    for law, region in expected.items():
        assert CAT.regions[region]["law"] == law
        assert CAT.regions[region]["authority"]["url"].startswith("https://")


@pytest.mark.parametrize("inner,outer,inside", [
    ("de", "eea", True), ("de", "eu", True), ("no", "eu", False), ("no", "eea", True),
    ("eu", "eea", True), ("eea", "eu", False), ("us-ca", "us", True), ("us", "us-ca", False),
    ("gb", "uk", True), ("us", "global", True), ("fr", "de", False),
])
def test_region_containment(inner, outer, inside):
    assert CAT.region_within(inner, outer) is inside


def test_laws_for_regions():
    assert CAT.laws_for_region("fr") == ["gdpr"]
    assert CAT.laws_for_region("gb") == ["uk_gdpr"]
    assert CAT.laws_for_region("us") == ["us_states"]
    assert CAT.laws_for_region("us-ca") == ["ccpa", "us_states"]
    assert CAT.laws_for_region("ch") == []
    assert CAT.laws_for_region("global") == list(CAT.laws)


def test_catalog_is_read_only():
    with pytest.raises(TypeError):
        CAT.kyc_vendors["sumsub"]["name"] = "changed"


def test_fingerprint_is_stable():
    assert catalog.fingerprint() == catalog.fingerprint()
    assert len(catalog.fingerprint()) == 64
