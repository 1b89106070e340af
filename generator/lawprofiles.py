"""The law profiles: what each privacy law grants, requires and calls things, as typed data.

One YAML file per law in `generator/catalog/laws/<id>.yaml`. Every statement carries the
provision it rests on (`citation`), whether it was checked against a source (`verified`)
and, where one was read, the `source` URL. `load()` validates every file once and returns
the profiles keyed by law id, in the order of LAW_IDS.

A profile (LawProfile) has: id, short, name; terms (company, processor, personal_data,
individual); rights [Right: id, name, summary, scope]; response (days | working_days, text,
extension_text, confirm_receipt_text, confirm_receipt_business_days); fees (free, text,
exception); complaint (kind, text, authorities [name, url, region], appeal (text,
deadline_days, deadline_text)); lawful_bases [id, name] or None; restricts_transfers;
adequacy_source (text); transfer_mechanisms [id, name, summary, derogation]; representative
(required_when, facts_key) or None; sensitive_data (term, items, notes) or None; children
(age, text, by_country {region: age}); language (languages, text) or None; notes [text];
and, for us_states only, states [StateLaw] and disclosures [id, text]; for ccpa only,
california (thresholds, lookback, notice_at_collection, sale, share,
opt_out_preference_signal, annual_update, opt_out_response).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from pathlib import Path
from typing import Literal, Mapping

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from generator.errors import CatalogError
from generator.yamlio import load_data_file

LAWS_DIR = Path(__file__).parent / "catalog" / "laws"

# The law ids, in the order the regional sections appear (generator/catalog/laws.yaml).
LAW_IDS = ("gdpr", "uk_gdpr", "ccpa", "us_states", "pipl", "pdpo", "nz_privacy", "pdpa", "lgpd", "pipeda")

# Stable cross-law right ids; a profile names each right it grants under its own term.
RIGHT_IDS = (
    "access", "correction", "deletion", "portability", "restriction", "objection",
    "object_direct_marketing", "withdraw_consent", "automated_decisions", "opt_out_sale_sharing",
    "opt_out_targeted_ads", "opt_out_profiling", "limit_sensitive", "know", "non_discrimination",
    "explanation", "deceased_relatives", "anonymisation", "information_on_sharing", "appeal",
    "complain",
    # Rights that only some laws have.
    "confirmation", "refuse_consent_information", "contest_profiling", "third_party_list",
    "complain_to_controller", "deindexation",
)

# The facts keys that can hold a representative.
REPRESENTATIVE_KEYS = ("representatives.eu", "representatives.uk", "representatives.cn")

SUMMARY_MAX_WORDS = 25
# Article numbers and section signs belong in `citation`, not in the plain-English summary.
_PROVISION_RE = re.compile(r"§|\bArt(icle)?s?\.?\s*\d|\bs(ection|s)?\.?\s*\d|\bIPP\s*\d|\bDPP\s*\d|\bcl\.\s*\d",
                           re.IGNORECASE)


class _Item(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Sourced(_Item):
    """A statement with the provision it rests on and whether a source confirmed it."""

    citation: str = Field(min_length=3)
    verified: bool
    source: str | None = None  # the URL (or checklist item) that confirmed it

    @model_validator(mode="after")
    def _verified_has_source(self) -> "Sourced":
        if self.verified and not self.source:
            raise ValueError("verified: true needs a source (URL or checklist item)")
        return self


class Right(Sourced):
    id: str
    name: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    scope: str | None = None  # where only part of the law's area grants it (e.g. "Quebec")

    @field_validator("id")
    @classmethod
    def _known_id(cls, value: str) -> str:
        if value not in RIGHT_IDS:
            raise ValueError(f"unknown right id {value!r}; add it to lawprofiles.RIGHT_IDS if a law has it")
        return value

    @field_validator("summary")
    @classmethod
    def _plain_summary(cls, value: str) -> str:
        if len(value.split()) > SUMMARY_MAX_WORDS:
            raise ValueError(f"summary has {len(value.split())} words; at most {SUMMARY_MAX_WORDS}")
        if _PROVISION_RE.search(value):
            raise ValueError("summary names a provision; put article numbers in citation")
        return value


class Response(Sourced):
    days: int | None = Field(default=None, ge=1, le=120)  # when the deadline is a fixed number of days
    working_days: int | None = Field(default=None, ge=1, le=60)  # when it is counted in working days
    text: str = Field(min_length=3)                         # e.g. "one month", "45 days", "20 working days"
    extension_text: str | None = None                       # when and why it can be extended
    confirm_receipt_text: str | None = None                 # a duty to confirm receipt, if any
    confirm_receipt_business_days: int | None = Field(default=None, ge=1)


class Fees(Sourced):
    free: bool              # free by default
    text: str = Field(min_length=3)
    exception: str | None = None


class Authority(_Item):
    name: str = Field(min_length=3)
    url: str = Field(pattern=r"^https://")
    region: str | None = None  # where it is competent, when the law has several (e.g. Quebec)


class Appeal(Sourced):
    text: str = Field(min_length=3)
    deadline_days: int | None = Field(default=None, ge=1)
    deadline_text: str | None = None


class Complaint(Sourced):
    kind: Literal["authority", "attorney_general", "authority_and_attorney_general"]
    text: str = Field(min_length=3)
    authorities: tuple[Authority, ...] = Field(min_length=1)
    appeal: Appeal | None = None


class LawfulBasis(Sourced):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=3)


class TransferMechanism(Sourced):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=3)
    summary: str = Field(min_length=10)
    derogation: bool = False  # an exception for specific cases, not a routine safeguard


class Representative(Sourced):
    required_when: str = Field(min_length=10)
    facts_key: Literal[REPRESENTATIVE_KEYS]  # type: ignore[valid-type]


class SensitiveData(Sourced):
    term: str = Field(min_length=3)
    items: tuple[str, ...] = Field(min_length=1)
    notes: tuple[str, ...] = ()


class CountryAge(Sourced):
    age: int = Field(ge=13, le=16)


class Children(Sourced):
    age: int | None = Field(default=None, ge=12, le=18)  # below this age a parent's consent is needed
    text: str = Field(min_length=3)
    by_country: Mapping[str, CountryAge] | None = None   # EEA country id -> digital age of consent


class Language(Sourced):
    languages: tuple[str, ...] = ()  # BCP 47 tags, e.g. zh-Hans, fr; empty when the duty is not one language
    text: str = Field(min_length=3)


class Terms(Sourced):
    company: str              # what the law calls the company deciding on the processing
    processor: str            # who processes on its behalf
    personal_data: str        # "personal data" or "personal information"
    individual: str           # the person the data is about


class Note(Sourced):
    text: str = Field(min_length=3)


class StateLaw(Sourced):
    """One US state's comprehensive privacy law (us_states profile)."""

    state: str = Field(pattern=r"^us-[a-z]{2}$")
    name: str
    effective: dt.date
    threshold: str
    response_days: int = Field(ge=1)
    response_extension_days: int = Field(ge=0)
    appeal_days: int | None = Field(default=None, ge=1)  # None: the law has no appeal right
    appeal_extension_days: int = Field(default=0, ge=0)
    rights: tuple[str, ...]                                 # right ids this state grants
    complaint: Authority
    notes: tuple[str, ...] = ()
    # The fields a source confirmed when the entry as a whole is not verified.
    confirmed: tuple[Literal["effective", "threshold", "response_days", "response_extension_days",
                             "appeal_days", "rights", "complaint"], ...] = ()

    @field_validator("rights")
    @classmethod
    def _known_rights(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [r for r in value if r not in RIGHT_IDS]
        if unknown:
            raise ValueError(f"unknown right ids {unknown}")
        return value


class Disclosure(Sourced):
    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    text: str = Field(min_length=3)


class California(_Item):
    """CCPA specifics the ccpa profile adds."""

    thresholds: tuple[Note, ...] = Field(min_length=1)
    lookback: Note
    notice_at_collection: tuple[Note, ...] = Field(min_length=1)
    sale: Note
    share: Note
    opt_out_preference_signal: Note
    annual_update: Note
    opt_out_response: Note


class LawProfile(_Item):
    id: Literal[LAW_IDS]  # type: ignore[valid-type]
    name: str
    short: str
    rights: tuple[Right, ...] = Field(min_length=1)
    response: Response
    fees: Fees
    complaint: Complaint
    lawful_bases: tuple[LawfulBasis, ...] | None  # None: the law has no lawful-basis concept
    restricts_transfers: bool
    adequacy_source: Note | None
    transfer_mechanisms: tuple[TransferMechanism, ...]
    representative: Representative | None
    sensitive_data: SensitiveData | None  # None: the law defines no sensitive category
    children: Children
    language: Language | None
    terms: Terms
    notes: tuple[Note, ...] = ()
    states: tuple[StateLaw, ...] | None = None        # us_states only
    disclosures: tuple[Disclosure, ...] = ()          # other policy disclosures the law requires (CalOPPA, ...)
    california: California | None = None              # ccpa only

    @model_validator(mode="after")
    def _consistent(self) -> "LawProfile":
        for kind, ids in (("right", [r.id + (f" ({r.scope})" if r.scope else "") for r in self.rights]),
                          ("transfer mechanism", [m.id for m in self.transfer_mechanisms]),
                          ("lawful basis", [b.id for b in self.lawful_bases or ()])):
            dupes = sorted({i for i in ids if ids.count(i) > 1})
            if dupes:
                raise ValueError(f"duplicate {kind} ids: {', '.join(dupes)}")
        if self.restricts_transfers and not self.transfer_mechanisms:
            raise ValueError("restricts_transfers is true but no transfer_mechanisms are listed")
        if (self.states is not None) != (self.id == "us_states"):
            raise ValueError("states belongs to the us_states profile only")
        if (self.california is not None) != (self.id == "ccpa"):
            raise ValueError("california belongs to the ccpa profile only")
        return self

    # Convenience readers for the templates and rules.
    def right(self, right_id: str, scope: str | None = None) -> Right | None:
        """The right with this id (and scope: None for the law's whole area, "Quebec", ...)."""
        return next((r for r in self.rights if r.id == right_id and r.scope == scope), None)

    def mechanism(self, mechanism_id: str) -> TransferMechanism | None:
        return next((m for m in self.transfer_mechanisms if m.id == mechanism_id), None)

    @property
    def has_lawful_bases(self) -> bool:
        return self.lawful_bases is not None


def _problem_lines(path: Path, exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(file)"
        lines.append(f"{path}: {key}: {err['msg']}")
    return lines


def load_dir(folder: Path) -> dict[str, LawProfile]:
    """Validate every profile in `folder`; a CatalogError lists every problem, one a line."""
    problems: list[str] = []
    profiles: dict[str, LawProfile] = {}
    present = {p.stem for p in folder.glob("*.yaml")}
    for law_id in sorted(present - set(LAW_IDS)):
        problems.append(f"{folder / (law_id + '.yaml')}: unknown law id; expected one of {', '.join(LAW_IDS)}")
    for law_id in LAW_IDS:
        path = folder / f"{law_id}.yaml"
        if law_id not in present:
            problems.append(f"{path}: missing profile")
            continue
        data = load_data_file(path)
        if not isinstance(data, dict):
            problems.append(f"{path}: expected a mapping, got {type(data).__name__}")
            continue
        if data.get("id") != law_id:
            problems.append(f"{path}: id: expected {law_id!r} (the file name), got {data.get('id')!r}")
            continue
        try:
            profiles[law_id] = LawProfile.model_validate(data)
        except ValidationError as exc:
            problems.extend(_problem_lines(path, exc))
    if problems:
        raise CatalogError(problems)
    return profiles


@functools.cache
def load() -> dict[str, LawProfile]:
    """Every law profile, keyed by law id in LAW_IDS order; validated once per process."""
    return load_dir(LAWS_DIR)


def get(law_id: str) -> LawProfile:
    return load()[law_id]


def union_rights(law_ids: list[str] | tuple[str, ...]) -> dict[str, list[tuple[str, Right]]]:
    """Right id -> [(law id, the right under that law's name)], for the laws that apply, in order."""
    profiles = load()
    merged: dict[str, list[tuple[str, Right]]] = {}
    for law_id in law_ids:
        for right in profiles[law_id].rights:
            merged.setdefault(right.id, []).append((law_id, right))
    return merged


def mechanism_ids() -> tuple[str, ...]:
    """Every transfer mechanism id some law recognises, in profile order: what `transfer_safeguards` may name."""
    seen: dict[str, None] = {}
    for profile in load().values():
        for mechanism in profile.transfer_mechanisms:
            seen.setdefault(mechanism.id, None)
    return tuple(seen)


def digital_consent_age(region: str) -> int | None:
    """The age below which a parent must consent to an online service, for an EEA country id or `uk`; else None."""
    if region in ("uk", "gb"):
        return load()["uk_gdpr"].children.age
    entry = (load()["gdpr"].children.by_country or {}).get(region)
    return entry.age if entry else None
