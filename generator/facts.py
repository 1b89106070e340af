"""The facts model (schema_version 1): types, defaults, help text and cross-field rules.

Each field is defined once here; YAML validation, the JSON Schema, the questionnaire
and the docs all read it from this model.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Annotated, Any, Literal, Union

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag,
                      ValidationError, ValidationInfo, model_validator)
from pydantic_core import PydanticCustomError

from generator import catalog
from generator.errors import FactsError, Problem
from generator.yamlio import LineMap, load_file, load_text

SCHEMA_VERSION = 1
_CATALOG = catalog.load()


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError("policygen", expected)


# --- leaf types: each one says what it expects in the words users see -------------

def _text(value: Any) -> str:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str) or not value.strip():
        raise _fail("must be a non-empty text")
    if re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", value):
        raise _fail("must be text without control characters")
    return " ".join(value.split()) if "\n" not in value.strip() else value.strip()


Text = Annotated[str, BeforeValidator(_text), Field(max_length=2000)]

_EMAIL = re.compile(r"^[^@\s<>\"'(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")
_URL = re.compile(r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::\d{1,5})?(?:[/?#][^\s<>\"']*)?$")


def _email(value: Any) -> str:
    if not isinstance(value, str) or not _EMAIL.match(value.strip()):
        raise _fail("must be an email address such as privacy@example.com")
    return value.strip()


def _url(value: Any) -> str:
    if not isinstance(value, str) or not _URL.match(value.strip()):
        raise _fail("must be an http(s) URL such as https://example.com/privacy")
    return value.strip()


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise _fail("must be an ISO date such as 2025-04-01")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail("must be true or false")


def _decisions(value: Any) -> bool | str:
    if value is False or value is None:
        return False
    if isinstance(value, str) and value.strip():
        return _text(value)
    raise _fail("must be false, or a sentence describing the decisions software makes on its own")


def _bounded_int(low: int, high: int):
    def check(value: Any) -> int:
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return value
        raise _fail(f"must be an integer between {low} and {high}")
    return check


def _catalog_id(kind: str, ids, example: str):
    choices = sorted(ids)

    def check(value: Any) -> str:
        if isinstance(value, str) and value in ids:
            return value
        message = f"must be one of the {kind}" + (
            f": {', '.join(choices)}" if len(choices) <= 15 else f" such as {example} (see `policygen schema`)")
        if isinstance(value, str):
            import difflib
            close = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.6)
            if value.lower() in ids:
                close = [value.lower()]
            if close:
                message += f" (did you mean {close[0]!r}?)"
        raise _fail(message)
    return check


def _unique_list(kind: str):
    def check(value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise _fail(f"must be a list of {kind}")
        seen = set()
        for item in value:
            key = item if isinstance(item, (str, int)) else repr(item)
            if key in seen:
                raise _fail(f"must list each of its {kind} once ({item!r} is repeated)")
            seen.add(key)
        return value
    return check


Email = Annotated[str, BeforeValidator(_email), Field(json_schema_extra={"format": "email"})]
Url = Annotated[str, BeforeValidator(_url), Field(json_schema_extra={"format": "uri"})]
IsoDate = Annotated[dt.date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_bool)]
RegionId = Annotated[
    Literal[tuple(_CATALOG.regions)],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("region ids", _CATALOG.regions, "us, eea, uk, us-ca or global")),
]
KycVendorId = Annotated[
    Literal[tuple(_CATALOG.kyc_vendors) + ("in_house", "none")],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("KYC vendors", set(_CATALOG.kyc_vendors) | {"in_house", "none"}, "sumsub")),
]
TrackerId = Annotated[
    Literal[tuple(_CATALOG.trackers)],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("analytics and advertising tools", _CATALOG.trackers, "google_analytics")),
]
KycDocumentId = Annotated[
    Literal[tuple(_CATALOG.kyc_documents)],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("KYC documents", _CATALOG.kyc_documents, "government_id")),
]
DataCategoryId = Annotated[
    Literal[tuple(_CATALOG.data_categories)],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("data categories", _CATALOG.data_categories, "account")),
]
SERVICES = ("cloud_hashrate", "hosting", "monitoring", "pool", "marketplace", "mining_software",
            "equipment_sales")
ServiceId = Annotated[
    Literal[SERVICES],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("services", SERVICES, "cloud_hashrate")),
]
SAFEGUARDS = ("scc", "adequacy", "consent", "bcr")
SafeguardId = Annotated[
    Literal[SAFEGUARDS],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("transfer safeguards", SAFEGUARDS, "scc")),
]


def UniqueList(item: Any, kind: str) -> Any:  # noqa: N802 - reads as a type
    return Annotated[list[item], BeforeValidator(_unique_list(kind))]


# --- the model ----------------------------------------------------------------------

class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _brand_color(value: Any) -> str:
    from generator.branding import BrandingError, brand_color  # noqa: PLC0415

    try:
        return brand_color(value)
    except BrandingError as exc:
        raise _fail(str(exc)) from None


def _logo(value: str, info: ValidationInfo):
    from generator.branding import BrandingError, load_logo  # noqa: PLC0415

    folder = (info.context or {}).get("facts_folder") or Path.cwd()
    try:
        return load_logo(value, Path(folder))
    except BrandingError as exc:
        raise _fail(str(exc)) from None


class Company(Section):
    legal_name: Text = Field(description="The controller's registered legal name, as it appears in the company register. The law requires the policy to say who is responsible for the data.")
    brand: Text | None = Field(None, description="The name users know the service by, if it differs from the legal name.")
    website: Url = Field(description="The main website of the service (an http or https URL).")
    country: RegionId = Field(description="Region id of the country where the company has its seat, such as us, hk, nz or de.")
    address: Text | None = Field(None, description="Postal address of the company. GDPR, NZ and COPPA notices need a physical address, not only an email.")
    registration_number: Text | None = Field(None, description="Company registration number, if you want it shown next to the legal name.")
    description: Text | None = Field(None, description="What the service is, in one short phrase, such as 'cloud hashrate and mining services'.")

    @property
    def display_name(self) -> str:
        return self.brand or self.legal_name

    # Branding (issue 10): checked here so a bad colour or logo is a facts error with its line.
    brand_color: Annotated[str, BeforeValidator(_brand_color)] | None = Field(None, description="Your brand colour as a hex code (#1f5f8b), used for headings, links and accents. It must have a contrast of at least 4.5:1 with white (WCAG AA); dark mode uses a lighter shade of it.")
    logo: Annotated[str, AfterValidator(_logo)] | None = Field(None, description="Your logo: a PNG, SVG or JPEG file of at most 512 KB, as a path relative to the facts file's folder. It is embedded in the policy (HTML and PDF); an SVG loses scripts and external references.")


class Contact(Section):
    email: Email = Field(description="Where privacy questions and requests go. Every law asks for a working contact.")
    dpo_email: Email | None = Field(None, description="Email of your data protection officer, if you have appointed one (GDPR Art. 37; PDPA requires one for Singapore).")
    dpo_name: Text | None = Field(None, description="Name or job title of the data protection officer (optional; the email is what the law requires).")
    phone: Text | None = Field(None, description="A phone number for privacy requests. The CCPA expects a toll-free number unless you operate only online.")
    response_days: Annotated[int, BeforeValidator(_bounded_int(1, 90))] = Field(30, description="How many days you promise to take at most to answer a privacy request (1 to 90; GDPR allows one month).")
    request_form_url: Url | None = Field(None, description="A web form where users can make privacy requests.")
    complaint_form_url: Url | None = Field(None, description="A web form for complaints about how you handle personal data (the UK's Data (Use and Access) Act 2025 expects one).")


class Representative(Section):
    name: Text = Field(description="Name of the representative.")
    address: Text = Field(description="Postal address of the representative.")
    email: Email = Field(description="Email address of the representative.")


class Representatives(Section):
    eu: Representative | None = Field(None, description="Your representative in the EU (GDPR Art. 27), needed when you have no establishment there but serve EU users.")
    uk: Representative | None = Field(None, description="Your representative in the UK (UK GDPR Art. 27), needed when you have no establishment there but serve UK users.")
    cn: Representative | None = Field(None, description="Your representative in mainland China (PIPL Art. 53), needed when you serve users there from abroad.")


CHANGE_NOTICES = ("email_and_website", "website", "email")


class Policy(Section):
    effective_date: IsoDate | None = Field(None, description="The date this version takes effect, shown as 'Last updated' (YYYY-MM-DD). When left out, batch builds keep the date of the last build whose text was the same.")
    url: Url | None = Field(None, description="The address where the policy is published.")
    language: Literal["en"] = Field("en", description="Language of the policy (only English is written today).")
    change_notice: Literal[CHANGE_NOTICES] = Field("email_and_website", description="How users are told about important changes: email_and_website, website or email.")  # type: ignore[valid-type]


class Audience(Section):
    minimum_age: Annotated[int, BeforeValidator(_bounded_int(13, 21))] = Field(description="The minimum age to use the service (13 to 21). Crypto and hashrate services almost always use 18.")
    regions: UniqueList(RegionId, "regions") = Field(min_length=1, description="Where your users are. Each region brings the section its privacy law requires (eea: GDPR, uk: UK GDPR, us-ca: CCPA, cn: PIPL, hk: PDPO, nz: Privacy Act, sg: PDPA, br: LGPD, ca: PIPEDA).")


class CustomVendor(Section):
    name: Text = Field(description="The provider's name.")
    website: Url = Field(description="The provider's website.")
    country: RegionId = Field(description="Region id of the country where the provider is based.")
    purpose: Text | None = Field(None, description="What the provider does for you, in one phrase.")
    privacy_url: Url | None = Field(None, description="The provider's own privacy policy.")


def _vendor_kind(value: Any) -> str:
    return "custom" if isinstance(value, (dict, CustomVendor)) else "catalog"


KycVendorRef = Annotated[
    Union[Annotated[KycVendorId, Tag("catalog")], Annotated[CustomVendor, Tag("custom")]],
    Discriminator(_vendor_kind),
]
TrackerRef = Annotated[
    Union[Annotated[TrackerId, Tag("catalog")], Annotated[CustomVendor, Tag("custom")]],
    Discriminator(_vendor_kind),
]


class Kyc(Section):
    vendor: KycVendorRef = Field("none", description="Who checks identity documents: a catalog id (sumsub, onfido, jumio, veriff, persona), a custom provider, in_house if your own staff check them, or none for no identity checks.")
    documents: UniqueList(KycDocumentId, "KYC documents") = Field(default_factory=list, description="What identity verification asks users for. A selfie check is biometric data, which several laws treat as sensitive.")
    storage_region: RegionId | None = Field(None, description="Region id where the KYC provider stores the documents.")
    obliged_entity: Flag = Field(False, description="true if anti-money-laundering law requires you to identify customers (you are an obliged or reporting entity); false if you verify identity by choice, to prevent fraud.")
    screening: Flag = Field(True, description="true if users are screened against sanctions and politically-exposed-person lists.")
    automated_rejection: Flag = Field(False, description="true if the provider's software can reject a verification without a person reviewing it.")

    @property
    def enabled(self) -> bool:
        return self.vendor != "none"


class Cookies(Section):
    analytics: Flag | None = Field(None, description="Whether the site sets analytics cookies. Defaults to true when analytics tools are listed.")
    marketing: Flag = Field(False, description="Whether the site sets advertising or marketing cookies.")
    do_not_track: Literal["honour", "ignore"] = Field("ignore", description="How the site responds to the browser's Do Not Track signal: honour or ignore. California's CalOPPA requires you to say.")
    global_privacy_control: Literal["honour", "ignore"] = Field("honour", description="How the site responds to Global Privacy Control opt-out signals: honour or ignore. California requires businesses that sell or share data to honour them.")
    consent_tool_url: Url | None = Field(None, description="A link that reopens your cookie-consent banner, so users can change their choices.")


class Retention(Section):
    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Text = Field(description="How long personal data is kept when nothing more specific is said. Give a period or a concrete criterion, not 'as long as necessary'.")
    account: Text | None = Field(None, description="How long account data is kept, such as '5 years after account closure'.")
    kyc: Text | None = Field(None, description="How long identity-verification and transaction records are kept, such as '5 years after the business relationship ends'.")
    logs: Text | None = Field(None, description="How long server logs are kept, such as '90 days'.")


class Facts(Section):
    schema_version: Literal[1] = Field(description="Version of the facts-file format; always 1.")
    company: Company = Field(description="Who the controller is.")
    services: UniqueList(ServiceId, "services") = Field(min_length=1, description="What you offer: cloud_hashrate, hosting, monitoring, pool, marketplace, mining_software, equipment_sales.")
    contact: Contact = Field(description="Where users send privacy requests.")
    representatives: Representatives = Field(default_factory=Representatives, description="Legal representatives in regions where you have no establishment.")
    policy: Policy = Field(default_factory=Policy, description="About the policy document itself.")
    audience: Audience = Field(description="Who your users are and where.")
    data_collected: UniqueList(DataCategoryId, "data categories") = Field(min_length=1, description="The kinds of personal data you collect.")
    kyc: Kyc = Field(default_factory=Kyc, description="Identity verification (know your customer).")
    analytics: UniqueList(TrackerRef, "tools") = Field(default_factory=list, description="Analytics and advertising tools on your website and apps: catalog ids or custom providers; an empty list means none.")
    cookies: Cookies = Field(default_factory=Cookies, description="Cookies and similar technologies.")
    data_regions: UniqueList(RegionId, "regions") = Field(min_length=1, description="Region ids where personal data is stored or processed.")
    transfer_safeguards: UniqueList(SafeguardId, "safeguards") = Field(default_factory=list, description="How transfers abroad are protected: scc (standard contractual clauses), adequacy, consent or bcr (binding corporate rules). Needed when data leaves a region with transfer rules.")
    retention: Retention = Field(description="How long data is kept.")
    marketing_emails: Literal["consent", "opt_out", "none"] = Field("none", description="Whether you send marketing emails: consent (only to those who opt in), opt_out (to customers until they unsubscribe) or none.")
    automated_decisions: Annotated[Union[bool, str], BeforeValidator(_decisions)] = Field(False, description="false if no decision with legal or similar effect is made by software alone; otherwise a sentence describing the decision, its logic and its effect.")
    sells_personal_data: Flag = Field(False, description="true if you sell personal data for money or other value. Advertising pixels count as 'sharing' under the CCPA even when this is false.")

    @model_validator(mode="after")
    def _cookie_defaults(self) -> "Facts":
        if self.cookies.analytics is None:
            object.__setattr__(self.cookies, "analytics", bool(self.analytics))
        return self


# --- cross-field rules ------------------------------------------------------------

def cross_field_problems(facts: Facts) -> list[tuple[tuple, str]]:
    """Rules that tie one fact to another; each returns (key path, message)."""
    problems: list[tuple[tuple, str]] = []
    if not facts.kyc.enabled:
        if facts.kyc.documents:
            problems.append((("kyc", "documents"), "is only allowed with a KYC vendor; set kyc.vendor or remove kyc.documents"))
        if facts.kyc.storage_region:
            problems.append((("kyc", "storage_region"), "is only allowed with a KYC vendor; set kyc.vendor or remove kyc.storage_region"))
    elif not facts.kyc.documents:
        problems.append((("kyc", "documents"), "must list what identity verification asks for when kyc.vendor is set, got nothing"))
    if not facts.transfer_safeguards:
        for user_region, outside in restricted_transfers(facts):
            names = ", ".join(outside)
            problems.append((("transfer_safeguards",),
                             f"is required because data of users in {user_region} is stored or processed in {names}, "
                             f"outside {user_region}; give one or more of {', '.join(SAFEGUARDS)}"))
            break
    return problems


# The region that stands for each law when users are `global`: eea for the GDPR, not each member.
_LAW_HOME_REGIONS = [
    rid for rid, entry in _CATALOG.regions.items()
    if entry.get("law") and "alias_of" not in entry and not (entry.get("law") == "gdpr" and rid != "eea")
]


# Data moves freely inside the area a law covers: a German user's data may be stored in France.
_FREE_FLOW_ZONE = {"gdpr": "eea", "uk_gdpr": "uk"}


def storage_regions(facts: Facts) -> list[str]:
    """Every region where personal data is stored, including the KYC provider's."""
    regions = list(facts.data_regions)
    if facts.kyc.enabled and facts.kyc.storage_region and facts.kyc.storage_region not in regions:
        regions.append(facts.kyc.storage_region)
    return regions


def restricted_transfers(facts: Facts) -> list[tuple[str, list[str]]]:
    """(user region, storage regions outside it) for each user region whose law restricts transfers."""
    found = []
    for user_region in facts.audience.regions:
        regions = _LAW_HOME_REGIONS if user_region == "global" else [user_region]
        for region in regions:
            if not _CATALOG.regions[region].get("restricts_transfers"):
                continue
            zone = _FREE_FLOW_ZONE.get(_CATALOG.regions[region].get("law"), region)
            outside = [d for d in storage_regions(facts) if not _CATALOG.region_within(d, zone)]
            if outside:
                found.append((region, outside))
    return found


# --- reading facts files ------------------------------------------------------------

def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        shown = value if len(value) <= 60 else value[:57] + "..."
        return '"' + shown.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        shown = "[" + ", ".join(_show(v) if not isinstance(v, str) else v for v in value) + "]"
        return shown if len(shown) <= 60 else "a list of " + str(len(value))
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value)


_PYDANTIC_EXPECTED = {
    "model_type": "must be a mapping of keys",
    "model_attributes_type": "must be a mapping of keys",
    "dict_type": "must be a mapping of keys",
    "list_type": "must be a list",
    "string_type": "must be a text",
    "too_short": "must not be empty",
    "string_too_long": "is too long (at most 2000 characters)",
}


def _allowed_keys(model: type[BaseModel], path: tuple) -> list[str]:
    for part in path:
        field = model.model_fields.get(part) if isinstance(part, str) else None
        if field is None:
            return []
        annotation = field.annotation
        inner = [a for a in getattr(annotation, "__args__", (annotation,)) if isinstance(a, type) and issubclass(a, BaseModel)]
        if not inner:
            return []
        model = inner[0]
    return list(model.model_fields)


def _message(error: dict, path: tuple) -> str:
    kind = error["type"]
    if kind == "missing":
        return "is required but missing"
    if kind == "extra_forbidden":
        import difflib
        allowed = _allowed_keys(Facts, path[:-1])
        close = difflib.get_close_matches(str(path[-1]), allowed, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}?)" if close else (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        return f"unknown key{hint}"
    if kind == "policygen":
        expected = error["msg"]
    elif kind == "literal_error":
        expected = "must be " + error["ctx"]["expected"].replace("'", "")
    elif kind == "too_short" and path and path[-1] in ("regions", "services", "data_collected", "data_regions"):
        expected = "must list at least one entry"
    else:
        expected = _PYDANTIC_EXPECTED.get(kind, error["msg"][0].lower() + error["msg"][1:])
    return f"{expected}, got {_show(error.get('input'))}"


def _clean_path(loc: tuple) -> tuple:
    return tuple(part for part in loc if part not in ("catalog", "custom") and not str(part).startswith("function-"))


def _path_text(path: tuple) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def validate(data: Any, file: str, lines: LineMap) -> Facts:
    """Turn parsed YAML into Facts, or raise FactsError with one line per problem."""
    if data is None:
        raise FactsError([Problem(file, None, "", "the file is empty; a facts file is a YAML mapping that starts with schema_version: 1")])
    if not isinstance(data, dict):
        raise FactsError([Problem(file, lines.line(()), "", f"must be a YAML mapping of keys (schema_version, company, ...), got {_show(data)}")])
    version = data.get("schema_version")
    if version is not None and version != SCHEMA_VERSION:
        raise FactsError([Problem(file, lines.line(("schema_version",)), "schema_version",
                                  f"must be {SCHEMA_VERSION} (the only version this policygen reads), got {_show(version)}")])
    try:
        facts = Facts.model_validate(data, context={"facts_folder": _folder_of(file)})
    except ValidationError as exc:
        problems = []
        for error in exc.errors(include_url=False):
            path = _clean_path(error["loc"])
            problems.append(Problem(file, lines.line(path), _path_text(path), _message(error, path)))
        raise FactsError(_dedupe(problems)) from None
    cross = cross_field_problems(facts)
    if cross:
        raise FactsError([Problem(file, lines.line(path), _path_text(path), message) for path, message in cross])
    return facts


def _folder_of(file: str) -> Path:
    """Where paths in the facts (company.logo) are relative to: the file's folder, or here for text."""
    path = Path(file)
    return path.parent if path.is_file() else Path.cwd()


def _dedupe(problems: list[Problem]) -> list[Problem]:
    seen, unique = set(), []
    for problem in problems:
        if (problem.key, problem.message) not in seen:
            seen.add((problem.key, problem.message))
            unique.append(problem)
    return sorted(unique, key=lambda p: (p.line or 0, p.key))


def load(path: Path | str) -> Facts:
    facts, _ = load_with_text(path)
    return facts


def load_with_text(path: Path | str) -> tuple[Facts, str]:
    path = Path(path)
    data, lines, text = load_file(path)
    return validate(data, str(path), lines), text


def parse(text: str, file: str = "<facts>") -> Facts:
    data, lines = load_text(text, file)
    return validate(data, file, lines)


def json_schema() -> dict:
    schema = Facts.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "policygen facts file"
    return schema
