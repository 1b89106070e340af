"""The catalogs (vendors, trackers, data categories, regions, laws) as read-only data."""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from generator.yamlio import load_data_file

CATALOG_DIR = Path(__file__).parent / "catalog"
FILES = ("kyc_vendors", "trackers", "kyc_documents", "data_categories", "purposes",
         "legal_bases", "regions", "laws", "security_measures")


@dataclass(frozen=True)
class Catalog:
    kyc_vendors: Mapping[str, Any]
    trackers: Mapping[str, Any]
    kyc_documents: Mapping[str, Any]
    data_categories: Mapping[str, Any]
    purposes: Mapping[str, Any]
    legal_bases: Mapping[str, Any]
    regions: Mapping[str, Any]
    laws: Mapping[str, Any]
    security_measures: Mapping[str, Any]

    def canonical_region(self, region: str) -> str:
        return self.regions[region].get("alias_of", region)

    def region_name(self, region: str) -> str:
        return self.regions[region]["name"]

    def region_within(self, inner: str, outer: str) -> bool:
        """True when every place of `inner` is inside `outer` (de within eea, us-ca within us)."""
        inner, outer = self.canonical_region(inner), self.canonical_region(outer)
        if inner == outer or outer == "global":
            return True
        entry = self.regions[inner]
        if outer in entry.get("within", ()):
            return True
        members = set(entry.get("members", ()))
        # A group lies within another group when all of its members do (eu within eea).
        return bool(members) and all(self.region_within(m, outer) for m in members)

    def laws_for_region(self, region: str) -> list[str]:
        """The laws a user region brings: its own, or every law for `global`."""
        region = self.canonical_region(region)
        if region == "global":
            return list(self.laws)
        laws = []
        # A region also brings the law of each region it lies within: California users get
        # the CCPA and the US state-law section, a German user the GDPR.
        for place in (region, *self.regions[region].get("within", ())):
            law = self.regions[place].get("law")
            if law and law not in laws:
                laws.append(law)
        return laws

    def law_regions(self, law: str) -> list[str]:
        return [rid for rid, entry in self.regions.items() if entry.get("law") == law]


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@functools.cache
def load() -> Catalog:
    return Catalog(**{name: _freeze(load_data_file(CATALOG_DIR / f"{name}.yaml")) for name in FILES})


@functools.cache
def fingerprint() -> str:
    """A hash of every catalog file, so that a catalog change rebuilds what depends on it."""
    digest = hashlib.sha256()
    for name in FILES:
        digest.update((CATALOG_DIR / f"{name}.yaml").read_bytes())
    return digest.hexdigest()
