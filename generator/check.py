"""`policygen check`: which required disclosures the rendered policy makes, per applicable law.

Pure evaluation: the policy is rendered in memory and each rule of rules.yaml is tested
against the visible text of the sections it names. Nothing is written. A rule fails for
one of two reasons, and the report keeps them apart: a fact the disclosure needs is not
in the facts file (the user can fix that), or the wording is not in the text (a gap in
the clause templates).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import asdict, dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any, Callable

from generator import catalog, problems
from generator.clauses import CLOSING_SECTIONS, CORE_SECTIONS, applicable_laws, last_call, law_section_id, us_users
from generator.facts import Facts, nonessential_cookies
from generator.transfers import LAW_ZONES, transfer_plan
from generator.view import CHANGE_NOTICE_TEXT, build_view, long_date

RULES_FILE = Path(__file__).with_name("rules.yaml")
TEMPLATE_GAP_FIX = "no facts key changes this wording: the clause templates must say it (a policygen template gap)"

# ----------------------------------------------------------------------------------
# The report
# ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    rule_id: str
    law: str               # the law; for a problem, its kind (leakage, contradiction, …)
    status: str            # "met" | "missing" | "wrong" (a problem found)
    disclose: str
    reason: str
    fix: str
    verified: bool


@dataclass(frozen=True)
class LawReport:
    law: str
    title: str
    findings: list[Finding]

    @property
    def missing(self) -> list[Finding]:
        return [f for f in self.findings if f.status == "missing"]


@dataclass(frozen=True)
class CheckReport:
    laws: list[LawReport]
    missing: list[Finding] = field(default_factory=list)
    problems: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(law.findings) for law in self.laws)

    @property
    def made(self) -> int:
        return self.total - len(self.missing)

    @property
    def ok(self) -> bool:
        return not self.missing and not self.problems

    def warnings(self, file: str) -> list[str]:
        """One line per missing disclosure and per problem: `file: rule: message`."""
        lines = [f"{file}: {f.rule_id}: missing: {f.disclose.rstrip('.')}; fix: {f.fix}" for f in self.missing]
        lines += [f"{file}: {f.rule_id}: {f.disclose.rstrip('.')}: {f.reason}; fix: {f.fix}" for f in self.problems]
        return lines

    def to_dict(self) -> dict:
        return {
            "laws": [{"law": law.law, "title": law.title, "findings": [asdict(f) for f in law.findings]}
                     for law in self.laws],
            "missing": [asdict(f) for f in self.missing],
            "problems": [asdict(f) for f in self.problems],
            "summary": {"required": self.total, "made": self.made, "missing": len(self.missing),
                        "problems": len(self.problems)},
        }


# ----------------------------------------------------------------------------------
# Conditions (`when`, `if`, `unless`): pure functions of the facts
# ----------------------------------------------------------------------------------

def _cat():
    return catalog.load()


# check asks the view of the same facts for many conditions: build it once per facts object.
_view = last_call(build_view)


def _laws(f: Facts) -> set[str]:
    return set(applicable_laws(f))


def _leaves(region: str) -> Callable[[Facts], bool]:
    return lambda f: bool(_destinations_outside(f, region))


def _outside(region: str) -> Callable[[Facts], bool]:
    return lambda f: not _cat().region_within(f.company.country, region)


def _trackers(f: Facts) -> list:
    return _view(f).trackers


def _advertising(f: Facts) -> bool:
    return any(t.shares_for_ads for t in _trackers(f)) or f.cookies.marketing


def _sells_or_shares(f: Facts) -> bool:
    return f.sells_personal_data or _advertising(f)


def _kyc_biometric(f: Facts) -> bool:
    kyc = _view(f).kyc
    return bool(kyc and kyc.biometric)


def _sensitive(f: Facts) -> bool:
    return bool(_view(f).sensitive_data)


def _automated(f: Facts) -> bool:
    return isinstance(f.automated_decisions, str)


CONDITIONS: dict[str, Callable[[Facts], bool]] = {
    "always": lambda f: True,
    "kyc_enabled": lambda f: f.kyc.enabled,
    "kyc_vendor": lambda f: f.kyc.enabled and f.kyc.vendor != "in_house",
    "kyc_storage_given": lambda f: f.kyc.enabled and f.kyc.storage_region is not None,
    "kyc_biometric": _kyc_biometric,
    "kyc_screening": lambda f: f.kyc.enabled and f.kyc.screening,
    "kyc_obliged": lambda f: f.kyc.enabled and f.kyc.obliged_entity,
    "kyc_automated_rejection": lambda f: f.kyc.enabled and f.kyc.automated_rejection,
    "indirect_sources": lambda f: f.kyc.enabled,
    "public_sources": lambda f: (f.kyc.enabled and f.kyc.screening) or "wallet_addresses" in f.data_collected,
    "special_or_criminal_data": lambda f: _kyc_biometric(f) or (f.kyc.enabled and f.kyc.screening),
    "has_trackers": lambda f: bool(f.analytics),
    "advertising_tools": lambda f: any(t.kind == "advertising" for t in _trackers(f)),
    "non_cookie_trackers": lambda f: any(not t.cookies or re.search(r"pixel|SDK|software development kit|storage",
                                                                     t.technology or "", re.I)
                                         for t in _trackers(f)),
    "nonessential_cookies": nonessential_cookies,
    "advertising": _advertising,
    "sells_or_shares": _sells_or_shares,
    "sells_sensitive": lambda f: f.sells_personal_data and _sensitive(f),
    "biometric_or_sells_sensitive": lambda f: _kyc_biometric(f) or (f.sells_personal_data and _sensitive(f)),
    "sensitive_data": _sensitive,
    "marketing": lambda f: f.marketing_emails != "none",
    "consent_used": lambda f: (nonessential_cookies(f) or _kyc_biometric(f)
                               or any("consent" in row.bases for row in _view(f).purposes)),
    "legitimate_interests_used": lambda f: any(row.uses_interest for row in _view(f).purposes),
    "automatic_data": lambda f: any(_cat().data_categories[c]["source"] == "automatic" for c in f.data_collected),
    "automated_decisions": _automated,
    "automated_any": lambda f: _automated(f) or (f.kyc.enabled and f.kyc.automated_rejection),
    "transfers_eea": _leaves("eea"),
    "transfers_uk": _leaves("uk"),
    "transfers_cn": _leaves("cn"),
    "transfers_br": _leaves("br"),
    "transfers_nz": _leaves("nz"),
    "transfers_sg": _leaves("sg"),
    "transfers_ca": _leaves("ca"),
    "company_outside_eea": _outside("eea"),
    "company_outside_uk": _outside("uk"),
    "company_outside_cn": _outside("cn"),
    "dpo_given": lambda f: f.contact.dpo_email is not None,
    "form_given": lambda f: f.contact.request_form_url is not None,
    "dnt_honoured": lambda f: f.cookies.do_not_track == "honour",
    "minimum_age_below_16": lambda f: f.audience.minimum_age < 16,
    "minimum_age_below_14": lambda f: f.audience.minimum_age < 14,
    "under16_and_shares": lambda f: f.audience.minimum_age < 16 and _sells_or_shares(f),
    "eu_or_uk_users": lambda f: bool(_laws(f) & {"gdpr", "uk_gdpr"}),
    "us_users": us_users,
    "us_state_laws_apply": lambda f: "us_states" in _laws(f),
    "group_companies_given": lambda f: bool(f.group_companies),
    # PIPL Art. 28: biometrics, financial accounts and the data of children under 14, as collected here.
    "pipl_sensitive_data": lambda f: _kyc_biometric(f) or "payment" in f.data_collected or f.audience.minimum_age < 14,
    "kyc_obliged_legal_obligation": lambda f: f.kyc.enabled and _view(f).kyc.basis == "legal_obligation"
                                              and _view(f).bases_law is not None,
    "kyc_legitimate_interest": lambda f: f.kyc.enabled and _view(f).kyc.basis == "legitimate_interests"
                                         and _view(f).bases_law is not None,
    "consent_tool": lambda f: bool(f.cookies.consent_tool or f.cookies.consent_tool_url),
}
# The problem rules' conditions (generator/problems.py) are named apart from these.
CONDITIONS.update({k: v for k, v in problems.CONDITIONS.items() if k not in CONDITIONS})

# When each cross-cutting law applies; the regional ones come from the clause plan.
CROSS_CUTTING_LAWS: dict[str, Callable[[Facts], bool]] = {
    "caloppa": us_users,
    "coppa": lambda f: True,
    "kyc": lambda f: f.kyc.enabled,
    "cookies": lambda f: True,
}


# ----------------------------------------------------------------------------------
# Fact values: what the rendered text must contain (a string, a list, or groups)
# ----------------------------------------------------------------------------------

_ZONE_LAWS = {zone: law for law, zone in LAW_ZONES.items() if zone != "us"}


def _destinations_outside(f: Facts, region: str) -> list[str]:
    """The places data goes to from `region`, as the one transfer computation (generator/transfers.py) finds them."""
    law = _ZONE_LAWS[region]
    transfers = transfer_plan(f, [law]).for_law(law)
    return [d.name for d in transfers.destinations] if transfers else []


def _unique(items) -> list:
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def _ccpa_label(category) -> str:
    return category.ccpa


def _ccpa_categories(f: Facts, view) -> list[str]:
    """The statutory labels of everything collected, identity documents included."""
    labels = [_ccpa_label(c) for c in view.categories]
    if f.kyc.enabled:
        labels += [_cat().kyc_documents[d].get("ccpa") for d in f.kyc.documents]
    return _unique(label for label in labels if label)


def _vendor(view):
    return view.kyc.vendor if view.kyc else None


FACT_VALUES: dict[str, Callable[[Facts, Any], Any]] = {
    "policy.effective_date": lambda f, v: long_date(f.policy.effective_date) if f.policy.effective_date else None,
    "policy.change_notice": lambda f, v: CHANGE_NOTICE_TEXT[f.policy.change_notice],
    "contact.response_days": lambda f, v: f"{f.contact.response_days} days",
    "audience.minimum_age": lambda f, v: str(f.audience.minimum_age),
    "automated_decisions": lambda f, v: f.automated_decisions if isinstance(f.automated_decisions, str) else None,
    "purposes.names": lambda f, v: [row.name for row in v.purposes],
    "purposes.with_bases": lambda f, v: [[row.name, *row.basis_names] for row in v.purposes],
    "purposes.with_interests": lambda f, v: [[row.name, row.interest] for row in v.purposes if row.uses_interest],
    "categories.names": lambda f, v: [c.name for c in v.categories],
    "categories.consequences": lambda f, v: [c.consequence for c in v.categories if c.required],
    "retention.values": lambda f, v: _unique(x for x in (f.retention.default, f.retention.account,
                                                         f.retention.kyc, f.retention.logs) if x),
    "recipients.names": lambda f, v: ([_vendor(v).name] if _vendor(v) else []) + [t.name for t in v.trackers],
    "trackers.names": lambda f, v: [t.name for t in v.trackers],
    "trackers.advertising.names": lambda f, v: [t.name for t in v.trackers if t.kind == "advertising"],
    "cookies.entries": lambda f, v: [[c.name, c.duration] for t in v.trackers for c in t.cookies],
    "kyc.vendor.name": lambda f, v: _vendor(v).name if _vendor(v) else None,
    "kyc.vendor.country": lambda f, v: _vendor(v).country_name if _vendor(v) else None,
    "kyc.documents.names": lambda f, v: [d.name for d in v.kyc.documents] if v.kyc else None,
    "kyc.storage_region.name": lambda f, v: v.kyc.storage_region_name if v.kyc else None,
    "sensitive.categories": lambda f, v: list(v.sensitive_data),
    "ccpa.categories": _ccpa_categories,
    "ccpa.categories_with_retention": lambda f, v: _unique([_ccpa_label(c), c.retention] for c in v.categories),
    **{f"transfers.destinations.{r}": (lambda region: lambda f, v: _destinations_outside(f, region))(r)
       for r in ("eea", "uk", "cn", "br", "nz", "sg", "ca")},
}

# Dates for `fresh` checks, as dates rather than as the policy shows them.
DATE_FACTS: dict[str, Callable[[Facts], dt.date | None]] = {
    "policy.effective_date": lambda f: f.policy.effective_date,
}

# Plain paths into the facts model that rules may name directly.
FACT_PATHS = {
    "company.legal_name", "company.address", "contact.email", "contact.dpo_email", "contact.dpo_name",
    "contact.phone", "contact.request_form_url", "contact.complaint_form_url", "cookies.consent_tool_url",
    "cookies.global_privacy_control", "retention.kyc", "policy.url",
    "kyc.obliged_entity", "kyc.screening", "kyc.automated_rejection", "cookies.do_not_track", "cookies.consent_tool",
    "sells_personal_data", "audience.ccpa_business", "marketing_unsubscribe.days", "kyc.selfie_alternative", "policy.governance_url",
    *(f"representatives.{where}.{part}" for where in ("eu", "uk", "cn") for part in ("name", "address", "email")),
}


def fact_value(facts: Facts, view, name: str) -> Any:
    """The value of a named fact as the policy shows it; None or [] when the facts lack it."""
    if name in FACT_VALUES:
        return FACT_VALUES[name](facts, view)
    if name not in FACT_PATHS:
        raise KeyError(f"unknown fact {name!r} in rules")
    value: Any = facts
    for part in name.split("."):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


# ----------------------------------------------------------------------------------
# The rendered policy, as text per section
# ----------------------------------------------------------------------------------

_BLOCK_TAGS = {"p", "li", "tr", "td", "th", "dt", "dd", "h1", "h2", "h3", "h4", "h5", "h6", "div", "section",
               "table", "ul", "ol", "dl", "br", "caption", "header", "footer", "main", "nav", "address",
               "blockquote", "thead", "tbody"}
_UNIT_TAGS = {"p", "li", "tr"}                       # a "block": one row, list item or paragraph
_EMPHASIS_TAGS = {"h2", "h3", "h4", "h5", "h6", "strong", "b"}
_SKIP_TAGS = {"style", "script", "head", "nav"}
_VOID_TAGS = {"br", "img", "meta", "link", "hr", "input", "wbr", "col", "source"}


def normalise(text: str) -> str:
    text = text.replace("\u00a0", " ").replace("\u2019", "'").replace("\u2018", "'")
    text = text.replace("\u201c", '"').replace("\u201d", '"').replace("\u2011", "-")
    return " ".join(text.split())


@dataclass
class SectionText:
    text: str = ""
    blocks: list[str] = field(default_factory=list)
    emphasis: list[str] = field(default_factory=list)
    hrefs: list[str] = field(default_factory=list)


class _PolicyParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.doc: list[str] = []
        self.sections: dict[str, dict] = {}
        self.hrefs: list[str] = []
        self._current: str | None = None
        self._section_depth = 0
        self._skip = 0
        self._open: list[tuple[str, str, list[str]]] = []   # (tag, kind, buffer)
        self._dt = ""

    def _emit(self, text: str) -> None:
        if self._skip:
            return
        self.doc.append(text)
        if self._current:
            self.sections[self._current]["text"].append(text)
        for _, _, buffer in self._open:
            buffer.append(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        # The layout's numbered section heading comes from the plan, not the clause: never evidence.
        if tag in _SKIP_TAGS or (tag == "h2" and self._current):
            self._skip += 1
            return
        if tag in _BLOCK_TAGS:
            self._emit(" ")
        if tag == "section":
            if self._current is None and attrs.get("id"):
                self._current = attrs["id"]
                self.sections[self._current] = {"text": [], "blocks": [], "emphasis": [], "hrefs": []}
                self._section_depth = 0
            self._section_depth += 1
        if tag in _VOID_TAGS:
            return
        kind = None
        if tag in _UNIT_TAGS or tag in ("dt", "dd"):
            kind = "block"
        if tag in _EMPHASIS_TAGS or (tag == "div" and "callout" in (attrs.get("class") or "").split()):
            kind = "emphasis" if kind is None else kind
        self._open.append((tag, kind or "", []))
        if tag == "a" and attrs.get("href") and not self._skip:
            self.hrefs.append(attrs["href"])
            if self._current:
                self.sections[self._current]["hrefs"].append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in _SKIP_TAGS or (tag == "h2" and self._current):
            self._skip = max(0, self._skip - 1)
            return
        if tag in _BLOCK_TAGS:
            self._emit(" ")
        if any(t == tag for t, _, _ in self._open):
            while self._open:
                open_tag, kind, buffer = self._open.pop()
                self._close(open_tag, kind, normalise("".join(buffer)))
                if open_tag == tag:
                    break
        if tag == "section" and self._current is not None:
            self._section_depth -= 1
            if self._section_depth == 0:
                self._current = None

    def _close(self, tag: str, kind: str, text: str) -> None:
        if not self._current or not kind:
            return
        target = self.sections[self._current]
        if tag == "dt":
            self._dt = text
        elif tag == "dd":
            target["blocks"].append(f"{self._dt} {text}")
        elif kind == "block":
            target["blocks"].append(text)
        if kind == "emphasis" or tag in _EMPHASIS_TAGS:
            target["emphasis"].append(text)

    def handle_data(self, data):
        self._emit(data)


@dataclass
class PolicyText:
    """The visible text of the whole policy and of each `<section id>`."""

    whole: SectionText
    sections: dict[str, SectionText]

    @classmethod
    def from_html(cls, html: str) -> "PolicyText":
        parser = _PolicyParser()
        body = html.find("<body")   # the head (its CSS above all) holds no text a rule reads
        parser.feed(html[body:] if body >= 0 else html)
        parser.close()
        sections = {sid: SectionText(text=normalise("".join(s["text"])), blocks=s["blocks"],
                                     emphasis=s["emphasis"], hrefs=s["hrefs"])
                    for sid, s in parser.sections.items()}
        whole = SectionText(text=normalise("".join(parser.doc)),
                            blocks=[b for s in sections.values() for b in s.blocks],
                            emphasis=[e for s in sections.values() for e in s.emphasis],
                            hrefs=parser.hrefs)
        return cls(whole, sections)

    def scope(self, section: str | list[str] | None) -> tuple[SectionText | None, str]:
        """The text a check reads, and how to name it in a reason; None when no such section exists."""
        if section is None:
            return self.whole, "the policy"
        ids = [section] if isinstance(section, str) else list(section)
        found = [self.sections[s] for s in ids if s in self.sections]
        label = " or ".join(f'section "{s}"' for s in ids)
        if not found:
            return None, label
        return SectionText(text=" ".join(s.text for s in found), blocks=[b for s in found for b in s.blocks],
                           emphasis=[e for s in found for e in s.emphasis],
                           hrefs=[h for s in found for h in s.hrefs]), label


# ----------------------------------------------------------------------------------
# Rules
# ----------------------------------------------------------------------------------

CHECK_KINDS = ("text", "absent", "emphasis", "fact", "link", "href", "blocks", "near", "require", "fresh",
               "any", "all", "rules", "conflict")
CHECK_OPTIONS = {"section", "if", "unless", "fix", "within", "equals", "days", "except"}
RULE_KEYS = {"id", "law", "cite", "disclose", "when", "checks", "fix", "verified", "applies", "never_because"}
LAW_IDS = ("gdpr", "uk_gdpr", "ccpa", "caloppa", "coppa", "pipl", "pdpo", "nz_privacy", "pdpa", "lgpd",
           "pipeda", "kyc", "cookies")


@dataclass(frozen=True)
class Rule:
    id: str
    law: str
    cite: str
    disclose: str
    when: tuple[str, ...]
    checks: tuple[dict, ...]
    fix: str
    verified: bool
    never_because: str | None

    @property
    def applies_ever(self) -> bool:
        return self.never_because is None


@dataclass(frozen=True)
class RuleSet:
    titles: dict[str, str]
    rules: tuple[Rule, ...]
    problems: tuple[problems.ProblemRule, ...] = ()


def section_ids() -> set[str]:
    """Every section id a policy can have."""
    ids = {sid for sid, _, _ in CORE_SECTIONS + CLOSING_SECTIONS}
    return ids | {law_section_id(law) for law in _cat().laws}


def _walk(checks):
    for check in checks:
        yield check
        for key in ("any", "all"):
            yield from _walk(check.get(key, ()))
        if "near" in check:
            yield from check["near"]


def _names(value) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _validate(rules: list[Rule]) -> None:
    """Fail loudly on a rules file the evaluator would misread."""
    known_sections = section_ids()
    seen = set()
    for rule in rules:
        where = f"rules.yaml: {rule.id}"
        if rule.id in seen:
            raise ValueError(f"{where}: duplicate id")
        seen.add(rule.id)
        if rule.law not in LAW_IDS:
            raise ValueError(f"{where}: unknown law {rule.law!r}")
        if rule.applies_ever and not rule.checks:
            raise ValueError(f"{where}: a rule that applies needs checks")
        for name in rule.when:
            if name not in CONDITIONS:
                raise ValueError(f"{where}: unknown condition {name!r}")
        for check in rule.checks:
            _validate_check(where, check, known_sections)


def _validate_check(where: str, check: dict, known_sections: set[str] | None = None) -> None:
    known_sections = known_sections or section_ids()
    for check in _walk([check]):
        kinds = [k for k in CHECK_KINDS if k in check]
        extra = set(check) - set(CHECK_KINDS) - CHECK_OPTIONS
        if len(kinds) != 1 or extra:
            raise ValueError(f"{where}: malformed check {check!r}")
        for name in _names(check.get("if")) + _names(check.get("unless")):
            if name not in CONDITIONS:
                raise ValueError(f"{where}: unknown condition {name!r}")
        for sid in _names(check.get("section")):
            if sid not in known_sections:
                raise ValueError(f"{where}: unknown section {sid!r}")
        if "fresh" in check and check["fresh"] not in DATE_FACTS:
            raise ValueError(f"{where}: unknown date fact {check['fresh']!r}")
        for kind in ("fact", "link", "blocks", "require"):
            if kind in check and check[kind] not in FACT_VALUES and check[kind] not in FACT_PATHS:
                raise ValueError(f"{where}: unknown fact {check[kind]!r}")
        for kind in ("text", "absent", "emphasis", "href"):
            if kind in check:
                re.compile(check[kind])
        if "conflict" in check:
            for pattern in check["conflict"]:
                re.compile(pattern)


@functools.cache
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    from generator.yamlio import load_data_file  # noqa: PLC0415

    data = load_data_file(path)
    rules = []
    for entry in data["rules"]:
        unknown = set(entry) - RULE_KEYS
        if unknown:
            raise ValueError(f"rules.yaml: {entry.get('id')}: unknown keys {sorted(unknown)}")
        never = entry.get("never_because") if entry.get("applies") == "never" else None
        rules.append(Rule(id=entry["id"], law=entry["law"], cite=entry["cite"], disclose=entry["disclose"],
                          when=tuple(_names(entry.get("when", "always"))),
                          checks=tuple(_thaw(c) for c in entry.get("checks", ())), fix=entry["fix"],
                          verified=entry.get("verified", True), never_because=never))
    _validate(rules)
    known = section_ids()
    found = problems.parse([_thaw(p) for p in data.get("problems", ())], LAW_IDS + ("us_states",),
                           lambda where, check: _validate_check(where, check, known))
    for rule in found:
        for name in rule.when:
            if name not in CONDITIONS:
                raise ValueError(f"rules.yaml: problems: {rule.id}: unknown condition {name!r}")
    return RuleSet(titles=dict(data.get("laws", {})), rules=tuple(rules), problems=found)


def _thaw(value):
    """Plain dicts and lists from the read-only structures the YAML loader may return."""
    if hasattr(value, "items"):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_thaw(v) for v in value]
    return value


# ----------------------------------------------------------------------------------
# Evaluation
# ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Failure:
    message: str
    facts_gap: bool            # True: a fact is missing from the facts file
    fix: str | None = None


def _literal(value: str) -> re.Pattern:
    words = normalise(str(value)).split(" ")
    return re.compile(r"\s+".join(re.escape(w) for w in words), re.I)


def _search(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


class _Evaluator:
    def __init__(self, facts: Facts, text: PolicyText, today: dt.date, results: dict[str, bool]):
        self.facts = facts
        self.view = build_view(facts)
        self.text = text
        self.today = today
        self.results = results

    def holds(self, names) -> bool:
        return all(CONDITIONS[name](self.facts) for name in _names(names))

    def active(self, check: dict) -> bool:
        if "if" in check and not self.holds(check["if"]):
            return False
        if "unless" in check and any(CONDITIONS[n](self.facts) for n in _names(check["unless"])):
            return False
        return True

    def run(self, check: dict) -> list[Failure]:
        """The failures of one check (empty when it passes or does not apply)."""
        if not self.active(check):
            return []
        failures = self._run(check)
        if check.get("fix"):
            failures = [Failure(f.message, f.facts_gap, check["fix"]) for f in failures]
        return failures

    def _run(self, check: dict) -> list[Failure]:
        if "any" in check:
            options = [self.run(c) for c in check["any"] if self.active(c)]
            if not options or any(not failed for failed in options):
                return []
            flat = [f for failed in options for f in failed]
            return [Failure("none of: " + " / ".join(f.message for f in flat), any(f.facts_gap for f in flat),
                            next((f.fix for f in flat if f.fix), None))]
        if "all" in check:
            return [f for c in check["all"] for f in self.run(c)]
        if "rules" in check:
            unmet = [rid for rid in check["rules"] if not self.results.get(rid, False)]
            return [Failure(f"depends on {', '.join(unmet)}, not met", False)] if unmet else []
        if "require" in check:
            return self._require(check)
        if "conflict" in check:
            return self._conflict(check)
        if "fresh" in check:
            return self._fresh(check)
        scope, label = self.text.scope(check.get("section"))
        if scope is None:
            return [Failure(f"the policy has no {label}", False)]
        for kind in ("text", "absent", "emphasis", "href"):
            if kind in check:
                return self._pattern(kind, check[kind], scope, label)
        if "near" in check:
            return self._near(check, scope, label)
        name = check.get("fact") or check.get("link") or check.get("blocks")
        value = fact_value(self.facts, self.view, name)
        if value is None:
            return [Failure(f"the facts do not give {name}", True)]
        if "fact" in check:
            return self._fact(name, value, scope, label)
        if "link" in check:
            if value not in scope.hrefs:
                return [Failure(f"no link to {value} ({name}) in {label}", False)]
            return []
        return self._blocks(name, value, scope, label)

    def _pattern(self, kind: str, pattern: str, scope: SectionText, label: str) -> list[Failure]:
        regex = _search(pattern)
        if kind == "text" and not regex.search(scope.text):
            return [Failure(f"no text matching /{pattern}/ in {label}", False)]
        if kind == "absent":
            found = regex.search(scope.text)
            if found:
                return [Failure(f'{label} says "{found.group(0)}"', False)]
        if kind == "emphasis" and not any(regex.search(e) for e in scope.emphasis):
            return [Failure(f"no heading, bold text or box matching /{pattern}/ in {label}", False)]
        if kind == "href" and not any(regex.search(h) for h in scope.hrefs):
            return [Failure(f"no link matching /{pattern}/ in {label}", False)]
        return []

    def _fact(self, name: str, value, scope: SectionText, label: str) -> list[Failure]:
        values = value if isinstance(value, list) else [value]
        absent = [str(v) for v in values if not _literal(str(v)).search(scope.text)]
        if absent:
            shown = ", ".join(f'"{v}"' for v in absent)
            return [Failure(f"{shown} ({name}) not found in {label}", False)]
        return []

    def _blocks(self, name: str, groups, scope: SectionText, label: str) -> list[Failure]:
        lost = []
        for group in groups:
            patterns = [_literal(str(v)) for v in group]
            if not any(all(p.search(block) for p in patterns) for block in scope.blocks):
                lost.append(" + ".join(f'"{v}"' for v in group))
        if lost:
            return [Failure(f"not together in one row, item or paragraph of {label} ({name}): {'; '.join(lost)}",
                            False)]
        return []

    def _near(self, check: dict, scope: SectionText, label: str) -> list[Failure]:
        within = check.get("within", 200)
        regexes, shown = [], []
        for side in check["near"]:
            if "fact" in side:
                value = fact_value(self.facts, self.view, side["fact"])
                if value is None:
                    return [Failure(f"the facts do not give {side['fact']}", True)]
                regexes.append(_literal(str(value)))
                shown.append(f'"{value}"')
            else:
                regexes.append(_search(side["text"]))
                shown.append(f"/{side['text']}/")
        text = scope.text
        # The second pattern is looked for only around matches of the first (a policy is long).
        slack = within + 200
        close = any(max(a.start(), b.start()) - min(a.end(), b.end()) <= within
                    for a in regexes[0].finditer(text)
                    for b in regexes[1].finditer(text, max(0, a.start() - slack), a.end() + slack))
        if not close:
            return [Failure(f"{shown[0]} and {shown[1]} not within {within} characters in {label}", False)]
        return []

    def _conflict(self, check: dict) -> list[Failure]:
        """Both patterns match: the text says two things that cannot both be true."""
        scope, label = self.text.scope(check.get("section"))
        if scope is None:
            return []
        sentences = re.split(r"(?<=[.;:!?])\s+", scope.text)
        spare = _search(check["except"]) if check.get("except") else None
        found = [next((m for m in map(_search(p).search, sentences) if m and not (spare and spare.search(m.string))),
                      None) for p in check["conflict"]]
        if all(found):
            quoted = " and ".join(f'"{m.group(0)}"' for m in found)
            return [Failure(f"{label} says {quoted}", False)]
        return []

    def _require(self, check: dict) -> list[Failure]:
        name = check["require"]
        if name in FACT_PATHS and not problems.has_field(name):
            return []   # a key this version of the facts model does not have
        value = fact_value(self.facts, self.view, name)
        if value is None:
            return [Failure(f"the facts do not give {name}", True)]
        if "equals" in check and value != check["equals"]:
            return [Failure(f"{name} is {value}, needs {check['equals']}", True)]
        return []

    def _fresh(self, check: dict) -> list[Failure]:
        name = check["fresh"]
        day = DATE_FACTS[name](self.facts)
        if day is None:
            return [Failure(f"the facts do not give {name}", True)]
        age = (self.today - day).days
        if age > check["days"]:
            return [Failure(f"{name} is {day.isoformat()}, {age} days before today (at most {check['days']})", True)]
        return []


def _finding(rule: Rule, failures: list[Failure]) -> Finding:
    if not failures:
        return Finding(rule.id, rule.law, "met", rule.disclose, "", "", rule.verified)
    # Missing facts come first: wording that depends on them may appear once they are given.
    gaps = [f for f in failures if f.facts_gap] or failures
    fixes = _unique(f.fix or (rule.fix if f.facts_gap else TEMPLATE_GAP_FIX) for f in gaps)
    return Finding(rule.id, rule.law, "missing", rule.disclose, "; ".join(f.message for f in failures),
                   "; ".join(fixes), rule.verified)


# The US state-laws section is checked by the CalOPPA and other-state rules, filed under caloppa.
_CHECKED_AS = {"us_states": "caloppa"}


def laws_that_apply(facts: Facts) -> list[str]:
    regional = [law for law in applicable_laws(facts) if law not in _CHECKED_AS]
    return regional + [law for law, applies in CROSS_CUTTING_LAWS.items() if applies(facts)]


def law_title(law: str, rules: RuleSet) -> str:
    if law in rules.titles:
        return rules.titles[law]
    entry = _cat().laws[law]
    return f"{entry['short']}: {entry['name']}"


def evaluate(facts: Facts, html: str, today: dt.date | None = None) -> CheckReport:
    """The report for one rendered policy: every applicable rule, met or missing."""
    rules = load_rules()
    text = PolicyText.from_html(html)
    laws = laws_that_apply(facts)
    results: dict[str, bool] = {}
    evaluator = _Evaluator(facts, text, today or dt.date.today(), results)
    applicable = [r for r in rules.rules if r.law in laws and r.applies_ever and evaluator.holds(r.when)]
    # Rules that depend on other rules ("rules:") go last, so their dependencies are known.
    ordered = sorted(applicable, key=lambda r: any("rules" in c for c in _walk(r.checks)))
    findings: dict[str, Finding] = {}
    for rule in ordered:
        failures = [f for check in rule.checks for f in evaluator.run(check)]
        findings[rule.id] = _finding(rule, failures)
        results[rule.id] = not failures
    reports = [LawReport(law, law_title(law, rules), [findings[r.id] for r in applicable if r.law == law])
               for law in laws]
    reports = [r for r in reports if r.findings]
    missing = [f for report in reports for f in report.findings if f.status == "missing"]
    return CheckReport(laws=reports, missing=missing, problems=_problems(facts, text, evaluator, rules))


def _problems(facts: Facts, text: PolicyText, evaluator: "_Evaluator", rules: RuleSet) -> list[Finding]:
    """Every problem rule that applies and fails, in rules.yaml order."""
    found = []
    for rule in rules.problems:
        if not evaluator.holds(rule.when):
            continue
        if rule.terms:
            reasons = problems.leaked(rule, facts, text)
        elif rule.probe:
            reasons = problems.PROBES[rule.probe](facts)
        else:
            reasons = [f.message for check in rule.checks for f in evaluator.run(check)]
        if reasons:
            found.append(Finding(rule.id, rule.kind, "wrong", rule.problem, "; ".join(reasons), rule.fix, True))
    return found


def check(facts: Facts, today: dt.date | None = None) -> CheckReport:
    """Render the policy in memory (nothing is written) and check it."""
    from generator.render import render  # noqa: PLC0415

    return evaluate(facts, render(facts).html, today)


# ----------------------------------------------------------------------------------
# Output for the command line
# ----------------------------------------------------------------------------------

def report_lines(report: CheckReport) -> list[str]:
    """Per law a heading, one line per rule, the reason and fix under each missing one, a summary."""
    lines: list[str] = []
    for law in report.laws:
        lines.append(f"{law.title} [{law.law}]")
        for finding in law.findings:
            mark = "\u2713 met    " if finding.status == "met" else "\u2717 MISSING"
            unverified = " [unverified]" if not finding.verified else ""
            lines.append(f"  {mark} {finding.rule_id}: {finding.disclose}{unverified}")
            if finding.status == "missing":
                lines.append(f"      why: {finding.reason}")
                lines.append(f"      fix: {finding.fix}")
        lines.append("")
    if report.problems:
        lines.append("Problems: text or facts that are wrong for these facts and laws")
        for finding in report.problems:
            lines.append(f"  \u2717 WRONG   {finding.rule_id}: {finding.disclose}")
            lines.append(f"      why: {finding.reason}")
            lines.append(f"      fix: {finding.fix}")
        lines.append("")
    if any(not f.verified for law in report.laws for f in law.findings):
        lines.append("[unverified]: the requirement is stated from knowledge and not yet checked against the law's text")
    lines.append(f"{report.made} of {report.total} required disclosures made; {len(report.missing)} missing")
    lines.append(f"{len(report.problems)} problem{'' if len(report.problems) == 1 else 's'} found")
    return lines


def report_json(report: CheckReport) -> str:
    import json  # noqa: PLC0415

    return json.dumps(report.to_dict(), indent=2, ensure_ascii=False)
