"""The facts model (schema_version 1): types, defaults, help text and cross-field rules.

Each field is defined once here; YAML validation, the JSON Schema, the questionnaire
and the docs all read it from this model.
"""

from __future__ import annotations

import calendar
import copy
import datetime as dt
import json
import re
import unicodedata
from pathlib import Path
from typing import Annotated, Any, Callable, Literal, Union, get_args, get_origin

from pydantic import (AfterValidator, BaseModel, BeforeValidator, ConfigDict, Discriminator, Field, Tag,
                      ValidationError, ValidationInfo, model_validator)
from pydantic.json_schema import GenerateJsonSchema
from pydantic_core import PydanticCustomError

from generator import catalog
from generator.errors import FactsError, Problem
from generator.transfers import safeguard_ids
from generator.yamlio import LineMap, TypedText, load_file, load_text, typed_text

SCHEMA_VERSION = 1
_CATALOG = catalog.load()


def _fail(expected: str) -> PydanticCustomError:
    return PydanticCustomError("policygen", expected)


def _schema(fragment: dict | Callable[[dict], dict]):
    """Attach the JSON Schema of what a validator accepts, next to the code that accepts it.

    `json_schema()` merges the fragment (or calls it with the schema pydantic made) wherever
    the validator is used, so the schema and the validator cannot drift apart.
    """
    def attach(check):
        check.json_schema = fragment
        return check
    return attach


# --- leaf types: each one says what it expects in the words users see -------------

TEXT_MAX = 2000
URL_MAX = 2000
EMAIL_MAX = 254
LIST_MAX = 50   # a list of free-form entries (custom vendors); a catalog list holds each id once

# Character classes shared by the validators and the JSON Schema patterns (Python `re` and
# ECMA-262 read them the same way). C0/C1 controls and DEL can drive a terminal; the bidi
# overrides and isolates make a name read differently from what it is.
_CONTROL = r"\x00-\x08\x0b-\x1f\x7f-\x9f"   # all but tab and line feed; a carriage return rewrites a terminal line
_BIDI = r"\u202a-\u202e\u2066-\u2069"
_SURROGATE = r"\ud800-\udfff"   # a lone half of a UTF-16 pair: no file can be written with one
# Characters that show nothing: spaces, format characters (zero-width space, joiners, BOM,
# soft hyphen), variation selectors and the blank "letters" (Hangul fillers, braille blank).
_INVISIBLE = (r"\t\n\r \xa0\xad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f\u2000-\u200f"
              r"\u2028-\u202f\u205f-\u206f\u2800\u3000\u3164\ufe00-\ufe0f\ufeff\ufff9-\ufffb\uffa0")
TEXT_PATTERN = rf"^(?=[\s\S]*[^{_INVISIBLE}{_CONTROL}{_BIDI}{_SURROGATE}])[^{_CONTROL}{_BIDI}{_SURROGATE}]*$"
# `$(?!\n)`: in Python `$` also matches before a final newline; ECMA-262 never does.
_URL_CHAR = rf"[^\x00-\x20\x7f-\x9f<>\"'{_INVISIBLE}{_BIDI}{_SURROGATE}]"
URL_PATTERN = (r"^https?://[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?(?::[0-9]{1,5})?"
               rf"(?:[/?#]{_URL_CHAR}*)?$(?!\n)")
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
EMAIL_PATTERN = (rf"^[^@\x00-\x20\x7f-\x9f<>\"'(),;:{_INVISIBLE}{_BIDI}{_SURROGATE}]+@{_LABEL}(?:\.{_LABEL})+$(?!\n)")
DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$(?!\n)"
_TEXT_RE, _URL_RE, _EMAIL_RE, _DATE_RE = (re.compile(p) for p in (TEXT_PATTERN, URL_PATTERN, EMAIL_PATTERN, DATE_PATTERN))
_UNPRINTABLE_RE = re.compile(f"[{_CONTROL}{_SURROGATE}]")
_BIDI_RE = re.compile(f"[{_BIDI}]")

_TEXT_SCHEMA = {"type": "string", "minLength": 1, "maxLength": TEXT_MAX, "pattern": TEXT_PATTERN}


def _typed(value: Any) -> Any:
    """A number from YAML as the text that was typed (`+14165550100`, `01234567`, `.inf`)."""
    typed = typed_text(value)
    if typed is not None:
        return typed
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


@_schema({"anyOf": [_TEXT_SCHEMA, {"type": "number"}]})
def _text(value: Any) -> str:
    value = _typed(value)
    if isinstance(value, bool):
        raise _fail("must be a text (write it in quotes if you mean the word)")
    if not isinstance(value, str) or not value:
        raise _fail("must be a non-empty text")
    if len(value) > TEXT_MAX:
        raise _fail(f"is too long (at most {TEXT_MAX} characters)")
    if not _TEXT_RE.search(value):
        if _UNPRINTABLE_RE.search(value):
            raise _fail("must be text without control characters")
        if _BIDI_RE.search(value):
            raise _fail("must be text without right-to-left or left-to-right override characters")
        raise _fail("must contain visible text, not only spaces or invisible characters")
    if all(unicodedata.category(c) in ("Cf", "Zs", "Zl", "Zp", "Cc") for c in value):
        # Format characters outside the Basic Multilingual Plane (tags), which the pattern cannot name.
        raise _fail("must contain visible text, not only spaces or invisible characters")
    return " ".join(value.split()) if "\n" not in value.strip() else value.strip()


Text = Annotated[str, BeforeValidator(_text)]


@_schema({"type": "string", "maxLength": EMAIL_MAX, "pattern": EMAIL_PATTERN, "format": "email"})
def _email(value: Any) -> str:
    if not isinstance(value, str) or len(value) > EMAIL_MAX or not _EMAIL_RE.search(value):
        raise _fail("must be an email address such as privacy@example.com")
    return value


@_schema({"type": "string", "maxLength": URL_MAX, "pattern": URL_PATTERN, "format": "uri"})
def _url(value: Any) -> str:
    if not isinstance(value, str) or len(value) > URL_MAX or not _URL_RE.search(value):
        raise _fail("must be an http(s) URL such as https://example.com/privacy")
    return value


@_schema({"type": "string", "pattern": DATE_PATTERN, "format": "date"})
def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.date(value.year, value.month, value.day)
    if isinstance(value, str) and re.match(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?![0-9])", value):
        year, month, day = int(value[:4]), int(value[5:7]), int(value[8:10])
        if year < 1:
            raise _fail("is not a real date (there is no year 0)")
        if not 1 <= month <= 12:
            raise _fail(f"is not a real date (there is no month {month})")
        last = calendar.monthrange(year, month)[1]
        if not 1 <= day <= last:
            raise _fail(f"is not a real date ({calendar.month_name[month]} {year} has {last} days)")
        if _DATE_RE.search(value):
            return dt.date(year, month, day)
    raise _fail("must be an ISO date (YYYY-MM-DD, no time of day) such as 2025-04-01")


@_schema({"type": "boolean"})
def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise _fail("must be true or false")


@_schema({"anyOf": [{"const": False}, {"type": "null"}, _TEXT_SCHEMA, {"type": "number"}]})
def _decisions(value: Any) -> bool | str:
    if value is False or value is None:
        return False
    if value is not True:
        try:
            return _text(value)
        except PydanticCustomError:
            pass
    raise _fail("must be false, or a sentence describing the decisions software makes on its own")


def _bounded_int(low: int, high: int):
    # JSON Schema counts 18.0 as an integer, so the validator does too.
    @_schema({"type": "integer", "minimum": low, "maximum": high})
    def check(value: Any) -> int:
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, int) and not isinstance(value, bool) and low <= value <= high:
            return int(value)
        raise _fail(f"must be an integer between {low} and {high}")
    return check


def _catalog_id(kind: str, ids, example: str):
    choices = sorted(ids)

    def check(value: Any) -> str:
        if isinstance(value, str) and value in ids:
            return str(value)
        message = f"must be one of the {kind}" + (
            f": {', '.join(choices)}" if len(choices) <= 15 else f" such as {example} (see `policygen schema`)")
        if isinstance(value, str) and len(value) <= 100:
            import difflib
            close = difflib.get_close_matches(value.lower(), choices, n=1, cutoff=0.6)
            if value.lower() in ids:
                close = [value.lower()]
            if close:
                message += f" (did you mean {close[0]!r}?)"
        raise _fail(message)
    return check


def _list_schema(limit: int):
    def fragment(inner: dict) -> dict:
        listed = {**inner, "uniqueItems": True, "maxItems": limit}
        # An empty value (`analytics:`) reads as an empty list, unless the list may not be empty.
        return listed if inner.get("minItems", 0) > 0 else {"anyOf": [listed, {"type": "null"}]}
    return fragment


def _identity(item: Any) -> str:
    """Equal mappings (in any key order) give equal identities, as JSON Schema's uniqueItems sees them."""
    try:
        return json.dumps(item, sort_keys=True, default=str)
    except (TypeError, ValueError):  # keys of mixed types, from Python rather than YAML
        return repr(item)


def _unique_list(kind: str, limit: int):
    @_schema(_list_schema(limit))
    def check(value: Any) -> Any:
        if value is None:
            return []
        if not isinstance(value, list):
            raise _fail(f"must be a list of {kind}")
        if len(value) > limit:
            raise _fail(f"must list at most {limit} {kind}")
        seen = set()
        for item in value:
            key = item if isinstance(item, (str, int)) else _identity(item)
            if key in seen:
                raise _fail(f"must list each of its {kind} once ({_show(item)} is repeated)")
            seen.add(key)
        return value
    return check


Email = Annotated[str, BeforeValidator(_email)]
Url = Annotated[str, BeforeValidator(_url)]
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
SAFEGUARDS = safeguard_ids()
SafeguardId = Annotated[
    Literal[SAFEGUARDS],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("transfer safeguards", SAFEGUARDS, "scc")),
]


def _choices(item: Any) -> tuple | None:
    """The ids a catalog item type allows (Annotated[Literal[...], ...]), or None for free-form items."""
    while get_origin(item) is Annotated:
        item = get_args(item)[0]
    return get_args(item) if get_origin(item) is Literal else None


def UniqueList(item: Any, kind: str) -> Any:  # noqa: N802 - reads as a type
    """A list of distinct items: at most one of each catalog id, at most LIST_MAX free-form entries."""
    choices = _choices(item)
    limit = len(choices) if choices else LIST_MAX
    return Annotated[list[item], BeforeValidator(_unique_list(kind, limit))]


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
    response_days: Annotated[int, BeforeValidator(_bounded_int(1, 90))] | None = Field(None, description="How many days you promise to take at most to answer a privacy request (1 to 90). Left unset, the policy gives each law's own deadline.")
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
    governance_url: Url | None = Field(None, description="Where your policies and practices for the governance of personal information are published (Quebec's Law 25 asks for them with Canadian users).")
    language: Literal["en"] = Field("en", description="Language of the policy (only English is written today).")
    change_notice: Literal[CHANGE_NOTICES] = Field("email_and_website", description="How users are told about important changes: email_and_website, website or email.")  # type: ignore[valid-type]


class Audience(Section):
    minimum_age: Annotated[int, BeforeValidator(_bounded_int(13, 21))] = Field(description="The minimum age to use the service (13 to 21). Crypto and hashrate services almost always use 18.")
    regions: UniqueList(RegionId, "regions") = Field(min_length=1, description="Where your users are. Each region brings the section its privacy law requires (eea: GDPR, uk: UK GDPR, us-ca: CCPA, us: US state laws, cn: PIPL, hk: PDPO, nz: Privacy Act, sg: PDPA, br: LGPD, ca: PIPEDA; global: every one of them except exclude_regions).")
    exclude_regions: UniqueList(RegionId, "regions") = Field(default_factory=list, description="Regions you do not target, left out of `global` (for example cn if you do not offer the service in mainland China).")
    ccpa_business: Flag | None = Field(None, description="true if you meet a CCPA threshold (annual revenue over the CPI-adjusted USD 25 million, buy, sell or share data of 100,000+ California consumers or households, or earn half your revenue from selling or sharing it); false if not. With us users, true brings the California (CCPA) section.")


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
    obliged_entity: Flag | None = Field(None, description="true if anti-money-laundering law requires you to identify customers (you are an obliged or reporting entity); false if you verify identity by choice, to prevent fraud. Left unset, the policy says nothing about it and check asks for it.")
    screening: Flag | None = Field(None, description="true if users are screened against sanctions and politically-exposed-person lists; false if not. Left unset, the policy says nothing about screening and check asks for it.")
    selfie_alternative: Flag | None = Field(None, description="true if users who do not want the selfie (face) check can verify another way, such as a video call or a manual document check; false if not. The policy offers an alternative only when this is true.")
    automated_rejection: Flag | None = Field(None, description="true if the provider's software can reject a verification without a person reviewing it; false if a person reviews every rejection.")

    @property
    def enabled(self) -> bool:
        return self.vendor != "none"


class Cookies(Section):
    analytics: Flag | None = Field(None, description="Whether the site sets analytics cookies. Defaults to true when analytics tools are listed.")
    marketing: Flag = Field(False, description="Whether the site sets advertising or marketing cookies.")
    do_not_track: Literal["honour", "ignore"] | None = Field(None, description="How the site responds to the browser's Do Not Track signal: honour or ignore. CalOPPA requires a site with US users to say; the policy mentions it only for US users.")
    global_privacy_control: Literal["honour", "ignore"] | None = Field(None, description="How the site responds to Global Privacy Control opt-out signals: honour or ignore. California requires businesses that sell or share data to honour them; the policy mentions it only for US users.")
    consent_tool: Flag | None = Field(None, description="true if a cookie banner asks for consent before any non-essential cookie is set; false if not. The policy describes a banner only when this is true (or consent_tool_url is given).")
    consent_tool_url: Url | None = Field(None, description="A link that reopens your cookie-consent banner, so users can change their choices.")


SECURITY_MEASURES = tuple(_CATALOG.security_measures)
SecurityMeasureId = Annotated[
    Literal[SECURITY_MEASURES],  # type: ignore[valid-type]
    BeforeValidator(_catalog_id("security measures", _CATALOG.security_measures, "tls")),
]
GROUP_ROLES = ("processor", "controller", "joint_controller")


class GroupCompany(Section):
    name: Text = Field(description="The group company's legal name.")
    country: RegionId = Field(description="Region id of the country where it is established.")
    role: Literal[GROUP_ROLES] = Field(description="What it does with the data: processor (works for you, on your instructions), controller (uses it for its own purposes) or joint_controller (decides with you).")  # type: ignore[valid-type]
    purpose: Text | None = Field(None, description="What it does with the data, in one phrase, such as 'runs our data centre in Iceland'.")


UNSUBSCRIBE_METHODS = ("email_link", "account_settings", "reply")


class MarketingUnsubscribe(Section):
    methods: UniqueList(Literal[UNSUBSCRIBE_METHODS], "ways to unsubscribe") = Field(default_factory=list, description="How users can stop marketing emails besides writing to you: email_link (a link in each email), account_settings, reply (replying to the email).")  # type: ignore[valid-type]
    days: Annotated[int, BeforeValidator(_bounded_int(1, 30))] | None = Field(None, description="The most days you take to act on an unsubscribe request (1 to 30); the policy promises a period only when you give one.")


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
    marketing_unsubscribe: MarketingUnsubscribe = Field(default_factory=MarketingUnsubscribe, description="How users stop marketing emails, and how fast you act on it.")
    automated_decisions: Annotated[Union[bool, str], BeforeValidator(_decisions)] = Field(False, description="false if no decision with legal or similar effect is made by software alone; otherwise a sentence describing the decision, its logic and its effect.")
    sells_personal_data: Flag | None = Field(None, description="true if you sell personal data for money or other value; false if you never do. Advertising pixels count as 'sharing' under the CCPA even when this is false. The policy says 'we do not sell' only when this is false.")
    security_measures: UniqueList(SecurityMeasureId, "security measures") = Field(default_factory=list, description="The security measures you really take; the policy promises only these. One or more of: " + ", ".join(SECURITY_MEASURES) + ".")
    group_companies: UniqueList(GroupCompany, "group companies") = Field(default_factory=list, description="Companies of your group that receive personal data (name, country, role); none means the policy names no group companies.")

    @model_validator(mode="after")
    def _cookie_defaults(self) -> "Facts":
        if self.cookies.analytics is None:
            object.__setattr__(self.cookies, "analytics", any(sets_cookies(tool) for tool in self.analytics))
        return self


def sets_cookies(tool) -> bool:
    """Whether a tool reads or stores anything on the device: a custom tool is assumed to."""
    return not isinstance(tool, str) or bool(_CATALOG.trackers[tool].get("cookies")) or \
        _CATALOG.trackers[tool].get("kind") == "advertising"


def nonessential_cookies(facts: "Facts") -> bool:
    """Cookies or similar technologies that need consent under the ePrivacy rules: cookieless analytics do not."""
    return any(sets_cookies(tool) for tool in facts.analytics) or bool(facts.cookies.analytics) or \
        bool(facts.cookies.marketing)


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
                             f"outside {user_region}; give one or more of {', '.join(SAFEGUARDS[:4])} "
                             "(or a mechanism of that law, see `policygen schema`)"))
            break
    excluded = set(facts.audience.exclude_regions)
    for region in facts.audience.regions:
        if region in excluded:
            problems.append((("audience", "exclude_regions"),
                             f"names {region}, which audience.regions also lists; a region is either targeted or excluded"))
    return problems


def storage_regions(facts: Facts) -> list[str]:
    """Every region where personal data is stored, including the KYC provider's."""
    regions = list(facts.data_regions)
    if facts.kyc.enabled and facts.kyc.storage_region and facts.kyc.storage_region not in regions:
        regions.append(facts.kyc.storage_region)
    return regions


def restricted_transfers(facts: Facts) -> list[tuple[str, list[str]]]:
    """(zone, stored places outside it) for each law that applies and restricts transfers of stored data.

    Read from generator/transfers.py, the one transfer computation: only storage counts here (the
    company's own, where it is a transfer, and the KYC records); a provider's receipt of data
    without a safeguard is for `check` to report.
    """
    from generator.transfers import transfer_plan  # noqa: PLC0415 - transfers reads the clause plan

    found = []
    for law in transfer_plan(facts).laws.values():
        if not law.restricts:
            continue
        outside = [d.region for d in law.destinations
                   if any(f.own or f.use == "ID check records" for f in d.flows)]
        if outside:
            found.append((law.zone, outside))
    return found


# --- reading facts files ------------------------------------------------------------

def _show(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "true" if value else "false"
    typed = typed_text(value)
    if typed is not None and not isinstance(value, str):
        return typed if len(typed) <= 60 else typed[:57] + "..."  # a number as it was typed
    if isinstance(value, TypedText) and len(value) > 60 and value.lstrip("+-").isdigit():
        return f"a number of {len(value.lstrip('+-'))} digits"
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
    try:
        shown = str(value)
    except ValueError:  # an int too long to print
        return "a number too long to show"
    return shown if len(shown) <= 60 else shown[:57] + "..."


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


class _FactsJsonSchema(GenerateJsonSchema):
    """Pydantic's schema, with each leaf validator's own fragment (see `_schema`) where it is used."""

    def function_before_schema(self, schema) -> dict:
        inner = super().function_before_schema(schema)
        fragment = getattr(schema["function"]["function"], "json_schema", None)
        if fragment is None:
            return inner
        return fragment(inner) if callable(fragment) else copy.deepcopy(fragment)


def json_schema() -> dict:
    """The JSON Schema of facts files: what `validate` accepts, short of the cross-field rules."""
    schema = Facts.model_json_schema(schema_generator=_FactsJsonSchema)
    # The one cross-field rule JSON Schema can say (see cross_field_problems): documents and a
    # storage region only with a KYC vendor, and then at least one document. The transfer rule
    # depends on the regions catalog and stays with the validator.
    schema["$defs"]["Kyc"].update({
        "if": {"properties": {"vendor": {"const": "none"}}},
        "then": {"properties": {"documents": {"maxItems": 0}, "storage_region": {"type": "null"}}},
        "else": {"required": ["documents"], "properties": {"documents": {"minItems": 1}}},
    })
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "policygen facts file"
    return schema
