"""What the templates see: the facts joined with the catalogs, in plain words.

Everything here is a pure function of the facts. Templates never look anything up
themselves, so a missing fact is decided once here (None or an empty list) and a
clause tests for it with a plain `{% if %}`.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace as NS
from typing import Any

from generator import catalog, lawprofiles
from generator.clauses import applicable_laws, us_users
from generator.facts import Facts, storage_regions
from generator.provenance import LawSet
from generator.transfers import LAW_ZONES, transfer_plan

SERVICE_NAMES = {
    "cloud_hashrate": "cloud hashrate contracts",
    "hosting": "hosting of mining machines",
    "monitoring": "a mining-farm monitoring platform",
    "pool": "a mining pool",
    "marketplace": "a marketplace for hashrate and mining equipment",
    "mining_software": "mining software and apps",
    "equipment_sales": "sales of mining equipment",
}

CHANGE_NOTICE_TEXT = {
    "email_and_website": "by email and by a notice on our website",
    "website": "by a notice on our website",
    "email": "by email",
}


def long_date(day: dt.date) -> str:
    return f"{day.day} {day.strftime('%B')} {day.year}"


def _vendor(ref: Any, entries) -> NS:
    cat = catalog.load()
    if isinstance(ref, str):
        entry = entries[ref]
        return NS(id=ref, custom=False, name=entry["name"], legal_name=entry["legal_name"],
                  country=entry["country"], country_name=cat.region_name(entry["country"]),
                  country_in_text=in_text(cat.region_name(entry["country"])),
                  website=entry["website"], privacy_url=entry["privacy_url"],
                  **{k: (list(v) if isinstance(v, tuple) else v) for k, v in entry.items()
                     if k not in ("name", "legal_name", "country", "website", "privacy_url")})
    return NS(id=None, custom=True, name=ref.name, legal_name=ref.name, country=ref.country,
              country_name=cat.region_name(ref.country), country_in_text=in_text(cat.region_name(ref.country)),
              website=ref.website,
              privacy_url=ref.privacy_url, purpose=ref.purpose, processes=None, returns=None)


def _tracker(ref: Any) -> NS:
    vendor = _vendor(ref, catalog.load().trackers)
    if vendor.custom:
        vendor.kind = "analytics"
        vendor.receives = None
        vendor.technology = None
        vendor.cookies = []
        vendor.shares_for_ads = False
    else:
        vendor.cookies = [NS(**c) for c in vendor.cookies]
    return vendor


def _retention_for(facts: Facts, entry) -> str:
    rule = entry["retention"]
    specific = getattr(facts.retention, rule["fact"], None)
    if rule.get("text"):
        return rule["text"]
    return specific or facts.retention.default


def _categories(facts: Facts) -> list[NS]:
    cat = catalog.load()
    rows = []
    for cid in facts.data_collected:
        entry = cat.data_categories[cid]
        purposes = []
        for use in entry["purposes"]:
            if use["purpose"] == "marketing" and facts.marketing_emails == "none":
                continue
            # Screening wallets is part of KYC: without KYC it is no purpose, and it is a legal
            # obligation only for an obliged entity.
            if use["purpose"] == "identity_verification" and not facts.kyc.enabled:
                continue
            purpose = cat.purposes[use["purpose"]]
            basis = use["basis"]
            if use["purpose"] == "identity_verification" and not (facts.kyc.obliged_entity and _established_where_bases_apply(facts)):
                basis = "legitimate_interests"
            if use["purpose"] == "marketing" and facts.marketing_emails == "opt_out":
                basis = "legitimate_interests"
            # Art. 6(3) GDPR: only EU, member-state (or UK, Brazilian) law makes a legal obligation.
            if basis == "legal_obligation" and not _established_where_bases_apply(facts):
                basis = "legitimate_interests"
            purposes.append(NS(id=use["purpose"], name=purpose["name"], basis=basis,
                               basis_name=cat.legal_bases[basis]["name"], interest=purpose["interest"]))
        rows.append(NS(id=cid, name=entry["name"], description=entry["description"], source=entry["source"],
                       ccpa=entry["ccpa"], sensitive=entry.get("sensitive"), purposes=purposes,
                       retention=_retention_for(facts, entry), required=entry["required"],
                       consequence=entry["consequence"]))
    return rows


def _purpose_table(facts: Facts, categories: list[NS], kyc: NS | None, trackers: list[NS]) -> list[NS]:
    """One row per purpose: which data, which legal basis (and interest), how long kept."""
    cat = catalog.load()
    rows: dict[str, NS] = {}

    def add(purpose_id: str, data_name: str, basis: str, retention: str, tools: str | None = None) -> None:
        purpose = cat.purposes[purpose_id]
        # The tools a visitor allows by consent get a row of their own: one basis per purpose.
        key = f"{purpose_id}:{tools}" if tools else purpose_id
        name = f"{purpose['name']} with {tools} tools" if tools else purpose["name"]
        row = rows.setdefault(key, NS(id=purpose_id, key=key, name=name, description=purpose["description"],
                                      data=[], bases=[], interest=purpose["interest"], kept={}))
        if data_name not in row.data:
            row.data.append(data_name)
        if basis not in row.bases:
            row.bases.append(basis)
        row.kept.setdefault(retention, []).append(data_name)

    for category in categories:
        for purpose in category.purposes:
            add(purpose.id, category.name, purpose.basis, category.retention)
    if kyc:
        for document in kyc.documents:
            add("identity_verification", document.name, kyc.basis, kyc.retention)
    for tracker in trackers:
        purpose = "marketing" if tracker.kind == "advertising" else "improve_service"
        add(purpose, f"cookie and device identifiers read by {tracker.name}", "consent",
            "as set out for each cookie in the cookies section", tools=tracker.kind)
    order = list(cat.purposes)
    table = sorted(rows.values(), key=lambda r: (order.index(r.id), r.key != r.id))
    for row in table:
        row.basis_names = [cat.legal_bases[b]["name"] for b in row.bases]
        row.uses_interest = "legitimate_interests" in row.bases
        # A bare "90 days" next to three kinds of data would not say which one it is for.
        row.retention = (list(row.kept) if len(row.kept) == 1 else
                         [f"{_join_names(names)}: {period}" for period, names in row.kept.items()])
    return table


def _lower_name(name: str) -> str:
    # Mid-sentence, "Contact details" reads "contact details"; acronyms such as "IP data" stay as they are.
    return name if len(name) > 1 and name[1].isupper() else name[:1].lower() + name[1:]


def _join_names(names: list[str]) -> str:
    names = names[:1] + [_lower_name(n) for n in names[1:]]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _established_where_bases_apply(facts: Facts) -> bool:
    cat = catalog.load()
    return any(cat.region_within(facts.company.country, LAW_ZONES[law]) for law in GDPR_STYLE_BASES)


def _kyc(facts: Facts) -> NS | None:
    if not facts.kyc.enabled:
        return None
    cat = catalog.load()
    in_house = facts.kyc.vendor == "in_house"
    vendor = None if in_house else _vendor(facts.kyc.vendor, cat.kyc_vendors)
    documents = [NS(id=d, **cat.kyc_documents[d]) for d in facts.kyc.documents]
    for document in documents:
        document.biometric = getattr(document, "biometric", False)
        document.sensitive = getattr(document, "sensitive", None)
    storage = facts.kyc.storage_region
    return NS(vendor=vendor, in_house=in_house, documents=documents,
              biometric=any(d.biometric for d in documents),
              storage_region=storage, storage_region_name=cat.region_name(storage) if storage else None,
              storage_region_in_text=in_text(cat.region_name(storage)) if storage else None,
              obliged_entity=facts.kyc.obliged_entity, screening=facts.kyc.screening,
              automated_rejection=facts.kyc.automated_rejection,
              # Only EU, member-state or UK law is a legal obligation under Art. 6(1)(c), 6(3) GDPR.
              basis="legal_obligation" if facts.kyc.obliged_entity and _established_where_bases_apply(facts) else "legitimate_interests",
              selfie_alternative=facts.kyc.selfie_alternative,
              retention=facts.retention.kyc or facts.retention.default)


REPRESENTATIVE_ROLES = {
    "eu": ("European Union", "Art. 27 GDPR"),
    "uk": ("United Kingdom", "Art. 27 UK GDPR"),
    "cn": ("mainland China", "Art. 53 PIPL"),
}


def _representatives(facts: Facts) -> list[NS]:
    reps = []
    for key, (where, article) in REPRESENTATIVE_ROLES.items():
        rep = getattr(facts.representatives, key)
        if rep is not None:
            reps.append(NS(key=key, where=where, article=article, name=rep.name, address=rep.address, email=rep.email))
    return reps


_ARTICLE_NAMES = ("Bahamas", "Comoros", "Gambia", "Maldives", "Netherlands", "Philippines", "Seychelles")


def in_text(name: str) -> str:
    """A place name as it reads inside a sentence: 'the United States', 'the Netherlands', 'Germany'."""
    if name == "Worldwide":
        return "countries around the world"
    plural = name.endswith(("Islands", "Territories"))
    if name.startswith(("United ", "European ")) or "Republic" in name or plural or name in _ARTICLE_NAMES:
        return f"the {name}"
    return name


def _regions(ids) -> list[NS]:
    cat = catalog.load()
    return [NS(id=r, name=cat.region_name(r), in_text=in_text(cat.region_name(r))) for r in ids]


# Cal. Civ. Code 1798.140(v)(1)(A)-(K), in statutory order: CCPA notices must use these labels.
CCPA_LABELS = (
    "Identifiers",
    "Personal information categories listed in Cal. Civ. Code 1798.80(e)",
    "Characteristics of protected classifications under California or federal law",
    "Commercial information",
    "Biometric information",
    "Internet or other electronic network activity information",
    "Geolocation data",
    "Audio, electronic, visual or similar information",
    "Professional or employment-related information",
    "Education information",
    "Inferences drawn from other personal information",
)
CCPA_SOURCES = {"you": "you", "automatic": "your device and your use of our services"}
# Screening matches a person by name, birth date and nationality, so only these documents draw on the lists.
SCREENED_DOCUMENTS = ("government_id", "date_of_birth", "nationality")


# The face comparison's biometric data outlives the check nowhere in the policy (BIPA 15(a), storage limitation).
BIOMETRIC_RETENTION = "deleted as soon as the check is complete"


def _ccpa_categories(facts: Facts, categories: list[NS], kyc: NS | None, trackers: list[NS],
                     shares_for_ads: bool) -> list[NS]:
    """One row per CCPA statutory category: what falls under it, sources, purposes, recipients, retention."""
    cat = catalog.load()
    rows: dict[str, NS] = {}

    def add(label: str, example: str, sources: list[str], purposes: list[str], recipients: list[str],
            retention: str | None) -> NS:
        row = rows.setdefault(label, NS(label=label, examples=[], sources=[], purposes=[], recipients=[],
                                        retention=[], shared=False))
        for field, values in (("examples", [example]), ("sources", sources), ("purposes", purposes),
                              ("recipients", recipients), ("retention", [retention] if retention else [])):
            for value in values:
                if value not in getattr(row, field):
                    getattr(row, field).append(value)
        return row

    hosting = "service providers that host and run our systems"
    authorities = "public authorities (where the law requires it)"
    for c in categories:
        recipients = [hosting]
        if c.id == "payment":
            recipients.append("payment processors")
        if any(u.id in ("legal_compliance", "identity_verification") for u in c.purposes):
            recipients.append(authorities)
        add(c.ccpa, c.name, [CCPA_SOURCES[c.source]], [u.name for u in c.purposes], recipients,
            f"{c.name}: {c.retention}")
    if kyc:
        sources = [CCPA_SOURCES["you"]]
        recipients = [hosting, authorities]
        if kyc.vendor:
            sources.append(f"our ID check provider ({kyc.vendor.name})")
            recipients.insert(0, f"our ID check provider ({kyc.vendor.name})")
        purpose = cat.purposes["identity_verification"]["name"]
        for document in kyc.documents:
            screened = ["sanctions lists and lists of politically exposed persons"] if kyc.screening and document.id in SCREENED_DOCUMENTS else []
            kept = BIOMETRIC_RETENTION if document.biometric else kyc.retention
            add(document.ccpa, document.name, sources + screened, [purpose], recipients, f"{document.name}: {kept}")
    analytics = [t.name for t in trackers if not t.shares_for_ads]
    tracked = [t.name for t in trackers]
    if tracked or shares_for_ads:
        source = "cookies and similar technologies on our website and apps"
        recipients = [f"analytics providers ({', '.join(analytics)})"] if analytics else []
        purposes = [cat.purposes["improve_service"]["name"]] + ([cat.purposes["marketing"]["name"]] if shares_for_ads else [])
        retention = "Cookie and device identifiers: as set out for each cookie in the cookies section of this policy"
        for label, example in (("Identifiers", "cookie and device identifiers"),
                               ("Internet or other electronic network activity information",
                                "the pages you visit and what you do on our website and apps")):
            row = add(label, example, [source], purposes, recipients, retention)
            row.shared = row.shared or shares_for_ads
    order = {label: index for index, label in enumerate(CCPA_LABELS)}
    return sorted(rows.values(), key=lambda r: order.get(r.label, len(order)))


# Plain names for the right ids of the law profiles, as the general rights section lists them.
RIGHT_TITLES = {
    "know": "Right to know", "access": "Right of access", "confirmation": "Right to confirmation", "correction": "Right to correction",
    "deletion": "Right to deletion", "portability": "Right to portability", "restriction": "Right to restriction",
    "objection": "Right to object", "object_direct_marketing": "Right to object to direct marketing",
    "withdraw_consent": "Right to withdraw consent", "automated_decisions": "Rights on automated decisions",
    "opt_out_sale_sharing": "Right to opt out of sale and sharing", "opt_out_targeted_ads": "Right to opt out of targeted advertising",
    "opt_out_profiling": "Right to opt out of profiling", "limit_sensitive": "Right to limit the use of sensitive information",
    "explanation": "Right to an explanation", "anonymisation": "Right to anonymisation, blocking or deletion",
    "information_on_sharing": "Right to information about sharing", "third_party_list": "Right to a list of recipients",
    "refuse_consent_information": "Right to information about refusing consent", "contest_profiling": "Right to contest profiling",
    "deceased_relatives": "Rights of close relatives", "deindexation": "Right to de-indexing",
    "non_discrimination": "Right to equal treatment", "complain_to_controller": "Right to complain to us",
}
# Rights the general section states elsewhere (complaints, appeals) or not as a list item.
_RIGHTS_STATED_APART = ("complain", "appeal")
# The laws whose lawful bases follow the GDPR's (consent, contract, legal obligation, legitimate interests).
GDPR_STYLE_BASES = ("gdpr", "uk_gdpr", "lgpd")


def _rights(law_ids: list[str]) -> list[NS]:
    rows = []
    merged = lawprofiles.union_rights(law_ids)
    for right_id in lawprofiles.RIGHT_IDS:
        if right_id not in merged or right_id in _RIGHTS_STATED_APART:
            continue
        granted = merged[right_id]
        first = granted[0][1]
        laws = [law for law, _ in granted]
        scopes = {right.scope for _, right in granted}
        # A right of one law goes by that law's own name; a right several laws share, by a plain one.
        title = first.name[:1].upper() + first.name[1:] if len(granted) == 1 else RIGHT_TITLES.get(right_id, first.name.capitalize())
        summary = first.summary
        if first.scope and summary.lower().startswith(f"in {first.scope.lower()}, "):
            summary = summary[len(first.scope) + 5:]  # the title already says where
        rows.append(NS(id=right_id, title=title, summary=summary,
                       laws=laws, law_names=[lawprofiles.get(law).short + (f" in {right.scope}" if right.scope else "")
                                             for law, right in granted],
                       everywhere=len(laws) == len(law_ids) and scopes == {None},
                       scope=first.scope if len(granted) == 1 else None))
    return rows


# PIPL Art. 13 has no legitimate-interests ground: each GDPR-style basis maps to a PIPL ground,
# and a purpose resting on legitimate interests takes the ground that fits it, else consent.
PIPL_GROUNDS = {"contract": "necessary to conclude or perform our contract with you",
                "legal_obligation": "necessary to meet our statutory duties", "consent": "your consent"}
PIPL_INTEREST_GROUNDS = {"secure_service": "contract", "legal_claims": "legal_obligation",
                         "legal_compliance": "legal_obligation",
                         "payouts": "contract", "mining_operations": "contract", "support": "contract",
                         "events": "contract", "provide_service": "contract"}


def _pipl_purposes(purposes: list[NS], kyc: NS | None) -> list[NS]:
    rows = []
    for row in purposes:
        grounds = []
        for basis in row.bases:
            if basis == "legitimate_interests":
                if row.id == "identity_verification":
                    basis = "legal_obligation" if kyc and kyc.obliged_entity else "consent"
                else:
                    basis = PIPL_INTEREST_GROUNDS.get(row.id, "consent")
            if basis not in grounds:
                grounds.append(basis)
        rows.append(NS(name=row.name, basis="; ".join(PIPL_GROUNDS[g] for g in grounds), consent="consent" in grounds))
    return rows


def _recipient_names(company_name: str):
    def names(flows) -> list[str]:
        found: list[str] = []
        for flow in flows:
            name = company_name if flow.own else flow.recipient
            if name not in found:
                found.append(name)
        return found
    return names


def _transfer_destinations(plan) -> list[NS]:
    """Each place data is transferred to, with its uses and the safeguard under each law that restricts it."""
    rows: dict[str, NS] = {}
    for transfers in plan.laws.values():
        if not transfers.restricts:
            continue
        for d in transfers.destinations:
            row = rows.setdefault(d.region, NS(name=d.name, uses=[], safeguards=[]))
            for flow in d.flows:
                if flow.use not in row.uses:
                    row.uses.append(flow.use)
            row.safeguards.append((transfers.law, d.mechanism))
    return list(rows.values())


def _group_companies(facts: Facts) -> list[NS]:
    cat = catalog.load()
    roles = {"processor": "processes data for us, on our instructions",
             "controller": "uses the data for its own purposes as a separate controller",
             "joint_controller": "decides with us how the data is used (joint controller)"}
    return [NS(name=g.name, country=g.country, country_name=cat.region_name(g.country), role=g.role,
               role_text=roles[g.role], purpose=g.purpose) for g in facts.group_companies]


def build_view(facts: Facts) -> NS:
    cat = catalog.load()
    company = facts.company
    kyc = _kyc(facts)
    trackers = [_tracker(t) for t in facts.analytics]
    categories = _categories(facts)
    laws = applicable_laws(facts)
    stored = storage_regions(facts)
    plan = transfer_plan(facts, laws)
    decisions = facts.automated_decisions
    sensitive = [c.sensitive for c in categories if c.sensitive]
    if kyc:
        sensitive += [d.sensitive for d in kyc.documents if d.sensitive and d.sensitive not in sensitive]
    effective = facts.policy.effective_date
    purposes = _purpose_table(facts, categories, kyc, trackers)
    used_bases = [NS(id=b, **cat.legal_bases[b]) for b in cat.legal_bases if any(b in row.bases for row in purposes)]
    return NS(
        company=NS(legal_name=company.legal_name, name=company.display_name, brand=company.brand,
                   website=company.website, country=company.country, country_name=cat.region_name(company.country),
                   country_in_text=in_text(cat.region_name(company.country)),
                   address=company.address, registration_number=company.registration_number,
                   description=company.description),
        services=[NS(id=s, name=SERVICE_NAMES[s]) for s in facts.services],
        contact=facts.contact,
        representatives=_representatives(facts),
        policy=NS(effective_date=effective, effective_date_text=long_date(effective) if effective else None,
                  url=facts.policy.url, language=facts.policy.language, governance_url=facts.policy.governance_url,
                  change_notice=CHANGE_NOTICE_TEXT[facts.policy.change_notice]),
        audience=NS(minimum_age=facts.audience.minimum_age, regions=_regions(facts.audience.regions),
                    is_global="global" in facts.audience.regions),
        law_ids=laws,
        laws=LawSet({law: lawprofiles.get(law) for law in laws}, known=lawprofiles.LAW_IDS),
        bases_law=next((law for law in GDPR_STYLE_BASES if law in laws), None),
        bases_zones=[in_text(cat.region_name(LAW_ZONES[law])) for law in GDPR_STYLE_BASES if law in laws],
        rights=_rights(laws),
        biometric_retention=BIOMETRIC_RETENTION,
        pipl_purposes=_pipl_purposes(purposes, kyc) if "pipl" in laws else [],
        recipient_names=_recipient_names(company.display_name),
        representative_for=lambda key: next((r for r in _representatives(facts) if f"representatives.{r.key}" == key), None),
        us_users=us_users(facts),
        security_measures=[NS(id=m, **cat.security_measures[m]) for m in facts.security_measures],
        group_companies=_group_companies(facts),
        unsubscribe=facts.marketing_unsubscribe,
        categories=categories,
        category_ids=[c.id for c in categories],
        purposes=purposes,
        used_bases=used_bases,
        consent_used=any("consent" in row.bases for row in purposes),
        kyc=kyc,
        trackers=trackers,
        analytics_tools=[t for t in trackers if t.kind == "analytics"],
        advertising_tools=[t for t in trackers if t.kind == "advertising"],
        shares_for_ads=any(t.shares_for_ads for t in trackers) or facts.cookies.marketing,
        cookies=facts.cookies,
        data_regions=_regions(facts.data_regions),
        storage_regions=_regions(stored),
        transfers=plan,
        transfer_laws=list(plan.laws.values()),
        transfer_destinations=_transfer_destinations(plan),
        # Users in a zone whose law restricts transfers, served by a company outside it: direct collection.
        collects_from_abroad=any(t.restricts and not cat.region_within(company.country, t.zone) for t in plan.laws.values()),
        transfer_zone_laws=[t for t in plan.laws.values() if t.restricts],
        retention=facts.retention,
        marketing_emails=facts.marketing_emails,
        automated_decisions=decisions if isinstance(decisions, str) else None,
        sells_personal_data=facts.sells_personal_data,
        sensitive_data=sensitive,
        legal_bases=cat.legal_bases,
        region=lambda rid: cat.region_name(rid),
        authority=lambda rid: NS(**cat.regions[cat.canonical_region(rid)]["authority"]),
        has_authority=lambda rid: "authority" in cat.regions[cat.canonical_region(rid)],
        within=lambda inner, outer: cat.region_within(inner, outer),
        ccpa_categories=_ccpa_categories(facts, categories, kyc, trackers,
                                         any(t.shares_for_ads for t in trackers) or facts.cookies.marketing),
    )
