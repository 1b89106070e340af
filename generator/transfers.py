"""Where personal data goes, and under what safeguard: the one transfer computation.

Every clause that speaks of storage places or transfers (the general transfers section, each
regional section, the summary) and `check` read `transfer_plan(facts)`, so they cannot disagree.

The rules it follows:
- a law restricts transfers out of its zone (the EEA for the GDPR, the UK, mainland China, ...);
- the company collecting data from users itself is not a transfer: storage in the company's own
  systems is a transfer only when the company is established inside the zone and the storage
  place is outside it (EDPB Guidelines 05/2021);
- a provider (KYC, analytics, a group company) receiving data outside the zone is a transfer;
- a safeguard of the facts is used for a destination only where that law recognises it there:
  adequacy only where the destination has a finding for that law, the Data Privacy Framework only
  for the United States, consent only as a derogation;
- a destination no safeguard covers is reported, never papered over.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

from generator import catalog, lawprofiles

# The zone inside which each law lets data move freely.
LAW_ZONES = {"gdpr": "eea", "uk_gdpr": "uk", "pipl": "cn", "pdpo": "hk", "nz_privacy": "nz",
             "pdpa": "sg", "lgpd": "br", "pipeda": "ca", "ccpa": "us", "us_states": "us"}

# Laws under which handing data to an agent (a processor) is no disclosure, so IPP12 does not apply to it.
AGENCY_IS_NO_DISCLOSURE = ("nz_privacy",)

# A facts safeguard id -> the mechanism id it stands for under each law (when the law's own id differs).
ALIASES = {
    "scc": {"gdpr": "scc", "uk_gdpr": "uk_addendum", "pdpa": "contract", "nz_privacy": "contract",
            "pdpo": "contract", "pipeda": "contract"},
}


@dataclass(frozen=True)
class Flow:
    """Personal data reaching one place for one use."""

    region: str          # canonical region id of the destination
    recipient: str       # "us" (the company's own systems) or the provider's name
    use: str             # what the data is there for, in plain words
    own: bool            # the company's own storage, not a provider's
    agent: bool = True   # the recipient holds the data only for us, using it for nothing of its own


@dataclass(frozen=True)
class Destination:
    region: str
    name: str
    flows: tuple[Flow, ...]
    mechanism: lawprofiles.TransferMechanism | None  # the safeguard relied on; None: none valid
    safeguard: str | None                            # the facts id it came from


@dataclass(frozen=True)
class LawTransfers:
    law: str
    zone: str
    zone_name: str
    restricts: bool
    destinations: tuple[Destination, ...]       # places outside the zone that receive data

    @property
    def unprotected(self) -> tuple[Destination, ...]:
        return tuple(d for d in self.destinations if self.restricts and d.mechanism is None)

    @property
    def mechanisms(self) -> tuple[lawprofiles.TransferMechanism, ...]:
        seen: dict[str, lawprofiles.TransferMechanism] = {}
        for d in self.destinations:
            if d.mechanism is not None:
                seen.setdefault(d.mechanism.id, d.mechanism)
        return tuple(seen.values())

    @property
    def derogation(self) -> bool:
        return any(m.derogation for m in self.mechanisms)


@dataclass(frozen=True)
class TransferPlan:
    laws: dict[str, LawTransfers] = field(default_factory=dict)
    invalid_safeguards: tuple[str, ...] = ()

    def for_law(self, law: str) -> LawTransfers | None:
        return self.laws.get(law)

    @property
    def any_transfer(self) -> bool:
        return any(t.restricts and t.destinations for t in self.laws.values())


def _flows(facts) -> list[Flow]:
    cat = catalog.load()
    flows: list[Flow] = []
    for region in facts.data_regions:
        flows.append(Flow(cat.canonical_region(region), "us", "our own storage and processing", True))
    kyc = facts.kyc
    if kyc.enabled:
        if kyc.vendor == "in_house":
            vendor_name, vendor_country = None, None
        elif isinstance(kyc.vendor, str):
            entry = cat.kyc_vendors[kyc.vendor]
            vendor_name, vendor_country = entry["name"], entry["country"]
        else:
            vendor_name, vendor_country = kyc.vendor.name, kyc.vendor.country
        if kyc.storage_region:
            flows.append(Flow(cat.canonical_region(kyc.storage_region), vendor_name or "us",
                              "ID check records", vendor_name is None))
        if vendor_name and vendor_country:
            flows.append(Flow(cat.canonical_region(vendor_country), vendor_name, "ID checks", False))
    for tracker in facts.analytics:
        if isinstance(tracker, str):
            entry = cat.trackers[tracker]
            name, country, kind = entry["name"], entry["country"], entry["kind"]
        else:
            name, country, kind = tracker.name, tracker.country, "analytics"
        flows.append(Flow(cat.canonical_region(country), name, kind, False, agent=kind != "advertising"))
    for company in facts.group_companies:
        flows.append(Flow(cat.canonical_region(company.country), company.name,
                          company.purpose or "work for our group", False, agent=company.role == "processor"))
    return flows


def _mechanism(law: str, safeguard: str, destination: str) -> lawprofiles.TransferMechanism | None:
    cat = catalog.load()
    profile = lawprofiles.get(law)
    mechanism_id = ALIASES.get(safeguard, {}).get(law, safeguard)
    mechanism = profile.mechanism(mechanism_id)
    if mechanism is None:
        return None
    if mechanism_id == "adequacy":
        zone = LAW_ZONES[law]
        entry = cat.regions[destination]
        # The US finding covers only recipients certified under the Data Privacy Framework: `dpf`.
        if zone not in entry.get("adequacy", ()) or entry.get("adequacy_note"):
            if not (law == "uk_gdpr" and cat.region_within(destination, "eea")):
                return None
    if mechanism_id == "dpf" and destination != "us":
        return None
    return mechanism


def _law_transfers(facts, law: str, flows: list[Flow]) -> LawTransfers:
    cat = catalog.load()
    zone = LAW_ZONES[law]
    profile = lawprofiles.get(law)
    company_inside = cat.region_within(facts.company.country, zone)
    outside: dict[str, list[Flow]] = {}
    for flow in flows:
        if cat.region_within(flow.region, zone):
            continue
        if flow.own and not company_inside:
            continue  # the company collects from users itself: not a transfer
        if law in AGENCY_IS_NO_DISCLOSURE and flow.agent:
            continue  # New Zealand: information an agent holds only for us is ours (Privacy Act 2020 s.11)
        outside.setdefault(flow.region, []).append(flow)
    destinations = []
    for region, region_flows in outside.items():
        chosen = None
        for safeguard in facts.transfer_safeguards:
            mechanism = _mechanism(law, safeguard, region)
            # A derogation serves only where no routine safeguard does.
            if mechanism is not None and (chosen is None or (chosen[1].derogation and not mechanism.derogation)):
                chosen = (safeguard, mechanism)
        destinations.append(Destination(region, cat.region_name(region), tuple(region_flows),
                                        chosen[1] if chosen else None, chosen[0] if chosen else None))
    return LawTransfers(law, zone, cat.region_name(zone), profile.restricts_transfers, tuple(destinations))


def transfer_plan(facts, laws: list[str] | None = None) -> TransferPlan:
    """The transfers the facts make, for the laws that apply (by default clauses.applicable_laws)."""
    if laws is None:
        from generator.clauses import applicable_laws  # noqa: PLC0415 - clauses imports facts

        laws = applicable_laws(facts)
    flows = _flows(facts)
    by_law = {law: _law_transfers(facts, law, flows) for law in laws if law in LAW_ZONES}
    any_transfer = any(t.restricts and t.destinations for t in by_law.values())
    given = list(facts.transfer_safeguards)
    recognised = {s for s in given for t in by_law.values() if t.restricts
                  for d in t.destinations if _mechanism(t.law, s, d.region) is not None}
    invalid = tuple(s for s in given if any_transfer and s not in recognised)
    return TransferPlan(by_law, invalid)


@functools.cache
def safeguard_ids() -> tuple[str, ...]:
    """Every id transfer_safeguards may name: the contract's four, then each mechanism a law profile has."""
    ids = ["scc", "adequacy", "consent", "bcr"]
    for mechanism_id in lawprofiles.mechanism_ids():
        if mechanism_id not in ids:
            ids.append(mechanism_id)
    return tuple(ids)
