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
    ("how-we-use", "How we use your data and on what legal basis", _always),
    ("identity-verification", "Identity verification (KYC)", _has_kyc),
    ("cookies", "Cookies and similar technologies", _always),
    ("analytics-advertising", "Analytics and advertising", _has_trackers),
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


def applicable_laws(facts: Facts) -> list[str]:
    """Each law whose section the policy needs, in catalog order, from the user regions."""
    cat = catalog.load()
    laws = {law for region in facts.audience.regions for law in cat.laws_for_region(region)}
    return [law for law in cat.laws if law in laws]


def law_section_id(law: str) -> str:
    return law.replace("_", "-")


def plan(facts: Facts) -> list[PlannedSection]:
    cat = catalog.load()
    entries = [(sid, title, f"sections/{sid}.html.j2", None) for sid, title, applies in CORE_SECTIONS if applies(facts)]
    entries += [(law_section_id(law), cat.laws[law]["section_title"], f"regional/{law}.html.j2", law)
                for law in applicable_laws(facts)]
    entries += [(sid, title, f"sections/{sid}.html.j2", None) for sid, title, applies in CLOSING_SECTIONS if applies(facts)]
    return [PlannedSection(sid, number, title, template, law)
            for number, (sid, title, template, law) in enumerate(entries, start=1)]
