"""Which sections a policy has, in which order and variant: pure functions of the facts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from generator import catalog
from generator.facts import Facts


@dataclass(frozen=True)
class PlannedSection:
    id: str            # stable HTML id, also the anchor other sections link to
    number: int
    title: str
    template: str      # path under templates/
    law: str | None = None


def _has_kyc(f: Facts) -> bool:
    return f.kyc.enabled


def _has_trackers(f: Facts) -> bool:
    return bool(f.analytics)


def _sends_marketing(f: Facts) -> bool:
    return f.marketing_emails != "none"


def _always(f: Facts) -> bool:
    return True


# (id, title, applies) in reading order; the regional sections go in after "your-rights".
CORE_SECTIONS: list[tuple[str, str, Callable[[Facts], bool]]] = [
    ("introduction", "About this policy", _always),
    ("controller", "Who we are", _always),
    ("data-we-collect", "The personal data we collect", _always),
    ("how-we-use", "How we use your data", _always),
    ("identity-verification", "Identity verification (KYC)", _has_kyc),
    ("cookies", "Cookies, analytics and advertising", _always),
    ("marketing", "Marketing messages", _sends_marketing),
    ("sharing", "Who we share your data with", _always),
    ("international-transfers", "Where your data is stored and transferred", _always),
    ("security", "How we protect your data", _always),
    ("retention", "How long we keep your data", _always),
    ("automated-decisions", "Automated decisions", _always),
    ("children", "Children", _always),
    ("your-rights", "Your rights", _always),
]
CLOSING_SECTIONS: list[tuple[str, str, Callable[[Facts], bool]]] = [
    ("changes", "Changes to this policy", _always),
    ("contact", "How to contact us", _always),
]


def _excluded(cat, law: str, excluded) -> bool:
    """True when every region of the law lies in a region the company says it does not target."""
    if not excluded:
        return False
    homes = [r for r in cat.law_regions(law) if "alias_of" not in cat.regions[r]]
    return all(any(cat.region_within(h, x) for x in excluded) for h in homes)


def last_call(function):
    """Remember the result for the facts object of the last call: check asks the same facts many times.

    Facts are frozen once validated, so the same object always gives the same answer.
    """
    memo: list = [None, None]

    def wrapper(facts):
        if memo[0] is not facts:
            memo[1] = function(facts)
            memo[0] = facts
        return list(memo[1]) if isinstance(memo[1], list) else memo[1]

    wrapper.__wrapped__ = function
    wrapper.__doc__ = function.__doc__
    return wrapper


@last_call
def applicable_laws(facts: Facts) -> list[str]:
    """Each law whose section the policy needs, in catalog order, from the user regions.

    A region brings its own law (us-ca the CCPA only: a business targeting California makes no
    promise to other states) and the laws of the regions it lies within (de brings the GDPR). `us`
    brings the state laws, and the CCPA too when audience.ccpa_business is true. `global` brings
    every law but those of audience.exclude_regions (and the CCPA when ccpa_business is false).
    """
    cat = catalog.load()
    excluded = facts.audience.exclude_regions
    ccpa = facts.audience.ccpa_business is True
    laws: set[str] = set()
    for region in facts.audience.regions:
        region = cat.canonical_region(region)
        if region == "global":
            # Worldwide users include Californians: the CCPA stays unless the company says it is below its thresholds.
            laws |= {law for law in cat.laws if law != "ccpa" or facts.audience.ccpa_business is not False}
        elif cat.regions[region].get("kind") == "subregion":
            laws.add(cat.regions[region]["law"])
        else:
            laws |= set(cat.laws_for_region(region))
            if ccpa and region == "us":
                laws.add("ccpa")
    return [law for law in cat.laws if law in laws and not _excluded(cat, law, excluded)]


def us_users(facts: Facts) -> bool:
    """Users in the United States (a US law applies, or a targeted region lies there), unless the US is excluded:
    they bring CalOPPA's and COPPA's statements."""
    cat = catalog.load()
    if any(cat.region_within(r, "us") for r in facts.audience.exclude_regions):
        return False
    return bool({"ccpa", "us_states"} & set(applicable_laws(facts))) or any(
        r == "global" or cat.region_within(r, "us") for r in facts.audience.regions)


def folded_law(facts: Facts) -> str | None:
    """The one law whose text the general sections carry themselves, with no section of its own.

    A company established in the EEA whose users are only there writes a GDPR notice throughout;
    a separate GDPR annex would repeat it.
    """
    laws = applicable_laws(facts)
    if laws == ["gdpr"] and catalog.load().region_within(facts.company.country, "eea"):
        return "gdpr"
    return None


def regional_laws(facts: Facts) -> list[str]:
    """The laws that get a section of their own."""
    folded = folded_law(facts)
    return [law for law in applicable_laws(facts) if law != folded]


# Laws that share a shape with another: when both apply, one section holds both, the differences marked.
SHARED_SECTIONS = {"uk_gdpr": "gdpr", "us_states": "ccpa"}
SHARED_TITLES = {
    "gdpr": "Users in the European Economic Area and the United Kingdom (GDPR and UK GDPR)",
    "ccpa": "Users in the United States (CCPA and state privacy laws)",
}


def section_laws(facts: Facts) -> list[str]:
    """The laws that head a section of their own: a law sharing its host's section has none."""
    regional = regional_laws(facts)
    return [law for law in regional if SHARED_SECTIONS.get(law) not in regional]


def law_section_id(law: str) -> str:
    return law.replace("_", "-")


def plan(facts: Facts) -> list[PlannedSection]:
    cat = catalog.load()
    entries = [(sid, title, f"sections/{sid}.html.j2", None) for sid, title, applies in CORE_SECTIONS if applies(facts)]
    regional = regional_laws(facts)
    shared = {SHARED_SECTIONS[law] for law in regional if SHARED_SECTIONS.get(law) in regional}
    entries += [(law_section_id(law), SHARED_TITLES[law] if law in shared else cat.laws[law]["section_title"],
                 f"regional/{law}.html.j2", law) for law in section_laws(facts)]
    entries += [(sid, title, f"sections/{sid}.html.j2", None) for sid, title, applies in CLOSING_SECTIONS if applies(facts)]
    return [PlannedSection(sid, number, title, template, law)
            for number, (sid, title, template, law) in enumerate(entries, start=1)]
