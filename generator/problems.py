"""What `check` finds wrong, beside missing disclosures: the `problems:` of rules.yaml.

Five kinds, each a rule in rules.yaml:

- leakage:       text of a law that does not apply to these users (searched section by section);
- contradiction: the text says what the facts deny, or promises what no fact states;
- safeguard:     a transfer safeguard in the facts that no applying law recognises;
- risk:          a fact that is lawful to write down but risky to rely on (an age of consent);
- unset:         a fact the policy needs that the facts file leaves unset.

A problem rule applies when its `when` conditions hold. It then fails when any of its checks
fails (checks read like those of the disclosure rules: `absent`, `require`, …), when one of
its `terms` appears in a policy none of whose `laws` applies, or when its `probe` (a named
function of the facts below) returns a message.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Callable

from generator import catalog
from generator.clauses import applicable_laws, us_users
from generator.facts import Facts, nonessential_cookies

KINDS = ("leakage", "contradiction", "safeguard", "risk", "unset")
PROBLEM_KEYS = {"id", "kind", "cite", "problem", "when", "laws", "terms", "checks", "probe", "fix"}


@dataclass(frozen=True)
class ProblemRule:
    id: str
    kind: str
    cite: str
    problem: str
    when: tuple[str, ...]
    laws: tuple[str, ...]
    terms: str | None
    checks: tuple[dict, ...]
    probe: str | None
    fix: str


# ----------------------------------------------------------------------------------
# Facts the new rules read. Keys the facts model does not have (yet) read as their defaults.
# ----------------------------------------------------------------------------------

def fact(facts: Facts, path: str, default=None):
    value = facts
    for part in path.split("."):
        value = getattr(value, part, default)
        if value is None:
            return None if default is None else default
    return value


def has_field(path: str) -> bool:
    """True when the facts model has this key (a rule about an unset key needs the key to exist)."""
    model = Facts
    for part in path.split("."):
        fields = getattr(model, "model_fields", {})
        if part not in fields:
            return False
        model = fields[part].annotation
    return True


def unset(facts: Facts, path: str) -> bool:
    return has_field(path) and fact(facts, path) is None


def laws_present(facts: Facts) -> set[str]:
    """The laws whose words a policy for these facts may use."""
    laws = set(applicable_laws(facts))
    if us_users(facts):
        laws |= {"caloppa", "coppa"}
    return laws


def consent_tool(facts: Facts) -> bool | None:
    """cookies.consent_tool, implied true by a consent-tool link."""
    if fact(facts, "cookies.consent_tool_url"):
        return True
    return fact(facts, "cookies.consent_tool")


def security_measures(facts: Facts) -> set[str]:
    return set(fact(facts, "security_measures") or ())


def group_companies(facts: Facts) -> list:
    return list(fact(facts, "group_companies") or ())


def _kyc(facts: Facts, key: str):
    return fact(facts, f"kyc.{key}") if facts.kyc.enabled else False


MEASURES = ("tls", "encryption_at_rest", "2fa", "access_control", "staff_training", "pen_testing", "backups",
            "monitoring", "incident_response")

CONDITIONS: dict[str, Callable[[Facts], bool]] = {
    "sells_not_denied": lambda f: fact(f, "sells_personal_data") is not False,
    "no_consent_tool": lambda f: consent_tool(f) is not True,
    "no_group_companies": lambda f: not group_companies(f),
    "kyc_obliged_unset": lambda f: f.kyc.enabled and fact(f, "kyc.obliged_entity") is None,
    "kyc_not_obliged": lambda f: f.kyc.enabled and fact(f, "kyc.obliged_entity") is False,
    "kyc_screening_unset": lambda f: f.kyc.enabled and fact(f, "kyc.screening") is None,
    "kyc_screening_off": lambda f: f.kyc.enabled and not fact(f, "kyc.screening"),
    "dnt_unset": lambda f: fact(f, "cookies.do_not_track") is None,
    "gpc_unset": lambda f: fact(f, "cookies.global_privacy_control") is None,
    "nonessential_cookies": nonessential_cookies,
    "us_region": lambda f: any(catalog.load().canonical_region(r) == "us" for r in f.audience.regions),
    "us_state_laws": lambda f: bool({"ccpa", "us_states"} & set(applicable_laws(f))),
    "has_marketing": lambda f: f.marketing_emails != "none",
    "unsubscribe_days_unset": lambda f: fact(f, "marketing_unsubscribe.days") is None,
    **{f"measure_{m}": (lambda m: lambda f: m in security_measures(f))(m) for m in MEASURES},
}


# ----------------------------------------------------------------------------------
# Probes: problems computed from the facts alone
# ----------------------------------------------------------------------------------

def _eea_countries_targeted(facts: Facts) -> set[str]:
    """The EEA countries whose users the company serves, its own seat included."""
    cat = catalog.load()
    eea = set(cat.regions["eea"]["members"])
    countries: set[str] = set()
    for region in (*facts.audience.regions, facts.company.country):
        region = cat.canonical_region(region)
        if region == "global" and region != facts.company.country:
            countries |= eea
        elif region in eea:
            countries.add(region)
        elif cat.regions[region].get("members") and cat.region_within(region, "eea"):
            countries |= set(cat.regions[region]["members"])
    excluded = set(fact(facts, "audience.exclude_regions") or ())
    return {c for c in countries if not any(cat.region_within(c, x) for x in excluded)}


@functools.cache
def digital_consent_ages() -> dict[str, tuple[int, str]]:
    """GDPR Art. 8 age and its citation by EEA country, from the GDPR law profile."""
    from generator import lawprofiles  # noqa: PLC0415

    children = lawprofiles.load()["gdpr"].children
    return {str(country): (entry.age, entry.citation) for country, entry in children.by_country.items()}


def probe_digital_age_of_consent(facts: Facts) -> list[str]:
    cat = catalog.load()
    ages = digital_consent_ages()
    age = facts.audience.minimum_age
    above = sorted((c for c in _eea_countries_targeted(facts) if c in ages and ages[c][0] > age),
                   key=lambda c: (-ages[c][0], c))
    if not above:
        return []
    shown = ", ".join(f"{cat.region_name(c)} ({ages[c][0]}, {ages[c][1]})" for c in above[:4])
    more = f" and {len(above) - 4} more" if len(above) > 4 else ""
    return [f"audience.minimum_age is {age}, below the digital age of consent (Art. 8 GDPR) in {shown}{more}"]


def invalid_safeguards(facts: Facts) -> list[str]:
    from generator.transfers import transfer_plan  # noqa: PLC0415 - transfers reads the clause plan

    return [str(s) for s in transfer_plan(facts).invalid_safeguards]


def probe_invalid_safeguards(facts: Facts) -> list[str]:
    invalid = invalid_safeguards(facts)
    if not invalid:
        return []
    return [f"transfer_safeguards lists {', '.join(invalid)}, which no law that applies recognises for the "
            "transfers these facts make"]


def view_in_text(name: str) -> str:
    from generator.view import in_text  # noqa: PLC0415

    return in_text(name)


def probe_unprotected_transfers(facts: Facts) -> list[str]:
    from generator import lawprofiles  # noqa: PLC0415
    from generator.transfers import transfer_plan  # noqa: PLC0415

    found = []
    for transfers in transfer_plan(facts).laws.values():
        for d in transfers.unprotected:
            found.append(f"data from {catalog.load().region_name(transfers.zone)} goes to {view_in_text(d.name)} with no safeguard "
                         f"the {lawprofiles.get(transfers.law).short} recognises")
    return found


def probe_mainland_china(facts: Facts) -> list[str]:
    if "pipl" not in applicable_laws(facts):
        return []
    how = "audience.regions is global" if "global" in facts.audience.regions else "audience.regions lists cn"
    return [f"{how}, so the policy addresses users in mainland China, where crypto trading and mining "
            "services are treated as illegal financial activity (PBoC notice of 24 September 2021); a privacy "
            "policy cannot cure that"]


def probe_derogation_as_safeguard(facts: Facts) -> list[str]:
    from generator import lawprofiles  # noqa: PLC0415
    from generator.transfers import transfer_plan  # noqa: PLC0415

    found = []
    for transfers in transfer_plan(facts).laws.values():
        for d in transfers.destinations:
            if d.mechanism is not None and d.mechanism.derogation:
                found.append(f"data from {catalog.load().region_name(transfers.zone)} goes to {view_in_text(d.name)} "
                             f"regularly under {d.mechanism.name} ({lawprofiles.get(transfers.law).short}), an "
                             "exception meant for occasional transfers")
    return found


PROBES: dict[str, Callable[[Facts], list[str]]] = {
    "mainland_china": probe_mainland_china,
    "derogation_as_safeguard": probe_derogation_as_safeguard,
    "unprotected_transfers": probe_unprotected_transfers,
    "digital_age_of_consent": probe_digital_age_of_consent,
    "invalid_safeguards": probe_invalid_safeguards,
}


# ----------------------------------------------------------------------------------
# Loading and evaluation
# ----------------------------------------------------------------------------------

def parse(entries, law_ids, validate_check) -> tuple[ProblemRule, ...]:
    """ProblemRules from the `problems:` list; `validate_check(where, check)` checks one check."""
    rules = []
    seen = set()
    for entry in entries:
        where = f"rules.yaml: problems: {entry.get('id')}"
        unknown = set(entry) - PROBLEM_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        if entry["id"] in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(entry["id"])
        if entry["kind"] not in KINDS or not entry["id"].startswith(entry["kind"] + "."):
            raise ValueError(f"{where}: kind must be one of {KINDS} and prefix the id")
        when = entry.get("when", ())
        when = (when,) if isinstance(when, str) else tuple(when)
        rule = ProblemRule(id=entry["id"], kind=entry["kind"], cite=entry.get("cite", ""), problem=entry["problem"],
                           when=when, laws=tuple(entry.get("laws", ())), terms=entry.get("terms"),
                           checks=tuple(entry.get("checks", ())), probe=entry.get("probe"), fix=entry["fix"])
        ways = [bool(rule.terms), bool(rule.checks), bool(rule.probe)]
        if sum(ways) != 1:
            raise ValueError(f"{where}: give exactly one of terms, checks or probe")
        if rule.terms:
            re.compile(rule.terms)
            if not rule.laws or set(rule.laws) - set(law_ids):
                raise ValueError(f"{where}: terms need laws, each a known law id")
        if rule.probe and rule.probe not in PROBES:
            raise ValueError(f"{where}: unknown probe {rule.probe!r}")
        for check in rule.checks:
            validate_check(where, check)
        rules.append(rule)
    return tuple(rules)


def leaked(rule: ProblemRule, facts: Facts, text) -> list[str]:
    """Where the rule's terms appear, section by section, in a policy none of whose laws applies."""
    if set(rule.laws) & laws_present(facts):
        return []
    regex = re.compile(rule.terms, re.I)
    found = []
    for sid, section in text.sections.items():
        hits = []
        for match in regex.finditer(section.text):
            if match.group(0) not in hits:
                hits.append(match.group(0))
        if hits:
            found.append(f'section "{sid}" says ' + ", ".join(f'"{h}"' for h in hits[:3]))
    if not found:
        match = regex.search(text.whole.text)
        if match:
            found.append(f'the summary says "{match.group(0)}"')
    return found
