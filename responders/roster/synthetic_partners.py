"""Synthetic partner organisations for the generated roster (names, capabilities, coverage, resources)."""

from __future__ import annotations

import numpy as np
import pycountry

from config.taxonomy import load_taxonomy
from responders.roster.models import Partner
from responders.roster.places import CRISIS_COUNTRIES
from responders.roster.values import PartnerType

# Name patterns per type: {country} is a country name, {region} a region label.
NAMES: dict[PartnerType, tuple[str, ...]] = {
    PartnerType.UN_AGENCY: ("UN Early Recovery Programme, {region}", "UN Humanitarian Logistics Service, {region}",
                            "UN Refugee Livelihoods Office, {region}", "UN Migration Office, {country}",
                            "UN Food Security Programme, {country}"),
    PartnerType.DEVELOPMENT_BANK: ("{region} Development Bank", "International Reconstruction Fund",
                                   "{region} Investment Bank", "Global Monetary Facility, {region} desk"),
    PartnerType.DONOR: ("{country} Development Cooperation Agency", "{country} Humanitarian Aid Office",
                        "{region} Solidarity Trust Fund"),
    PartnerType.REGIONAL_BODY: ("{region} Economic Community", "{region} Disaster Management Centre",
                                "{region} Forum of Labour Ministers"),
    PartnerType.NGO: ("{country} Livelihoods Network", "Rebuild {country}", "Decent Work Relief, {region}",
                      "Skills Without Borders, {country}", "{region} Cash Alliance"),
    PartnerType.EMPLOYERS_ORGANISATION: ("{country} Federation of Employers",
                                         "{country} Chamber of Commerce and Industry"),
    PartnerType.WORKERS_ORGANISATION: ("{country} Trade Union Confederation", "General Union of {country} Workers"),
    PartnerType.GOVERNMENT: ("Ministry of Labour, {country}", "{country} National Disaster Management Authority",
                             "{country} Public Employment Service"),
}
# Capabilities a type always has, and skills it may add.
CORE: dict[PartnerType, tuple[str, ...]] = {
    PartnerType.UN_AGENCY: ("coordination", "logistics"),
    PartnerType.DEVELOPMENT_BANK: ("funding",),
    PartnerType.DONOR: ("funding",),
    PartnerType.REGIONAL_BODY: ("coordination",),
    PartnerType.NGO: ("logistics",),
    PartnerType.EMPLOYERS_ORGANISATION: ("enterprise_recovery", "employers_workers_organisations"),
    PartnerType.WORKERS_ORGANISATION: ("social_dialogue", "employers_workers_organisations"),
    PartnerType.GOVERNMENT: ("coordination", "labour_administration"),
}
TYPE_P = {PartnerType.UN_AGENCY: 0.14, PartnerType.DEVELOPMENT_BANK: 0.06, PartnerType.DONOR: 0.12,
          PartnerType.REGIONAL_BODY: 0.06, PartnerType.NGO: 0.3, PartnerType.EMPLOYERS_ORGANISATION: 0.1,
          PartnerType.WORKERS_ORGANISATION: 0.1, PartnerType.GOVERNMENT: 0.12}
# (unit, capacity low, capacity high, lead time low, lead time high) per capability kind.
RESOURCE = {"funding": ("USD", 50_000, 20_000_000, 7, 60), "logistics": ("trucks", 2, 120, 2, 21),
            "coordination": ("staff", 1, 20, 1, 14), "cash_for_work": ("workers", 100, 5_000, 7, 30),
            "employment_intensive_investment": ("workers", 100, 5_000, 14, 45),
            "skills_vocational_training": ("trainees", 50, 2_000, 14, 60)}
SKILL_RESOURCE = ("experts", 1, 30, 7, 45)


def _country_name(iso3: str) -> str:
    c = pycountry.countries.get(alpha_3=iso3)
    return getattr(c, "common_name", None) or c.name if c else iso3


def generate_partners(n: int, seed: int) -> list[Partner]:
    """n partners drawn from `seed` (a random stream separate from the experts')."""
    rng = np.random.default_rng([seed, 1])
    tax = load_taxonomy()
    countries = list(CRISIS_COUNTRIES)
    weights = np.array(list(CRISIS_COUNTRIES.values()))
    weights = weights / weights.sum()
    types = list(TYPE_P)
    skills = list(tax.skill_ids)
    out = []
    for i in range(n):
        ptype = types[rng.choice(len(types), p=list(TYPE_P.values()))]
        home = countries[rng.choice(len(countries), p=weights)]
        region = tax.region_of(home)
        pattern = NAMES[ptype][rng.integers(len(NAMES[ptype]))]
        name = pattern.format(country=_country_name(home), region=tax.regions[region].label)
        caps = list(CORE[ptype])
        for s in rng.choice(len(skills), size=int(rng.integers(0, 4)), replace=False):
            if skills[s] not in caps:
                caps.append(skills[s])
        if ptype in (PartnerType.UN_AGENCY, PartnerType.REGIONAL_BODY) and rng.random() < 0.3:
            caps.append("funding")
        covered = [home] + [countries[c] for c in rng.choice(len(countries), size=int(rng.integers(0, 6)),
                                                                replace=False, p=weights) if countries[c] != home]
        resources = []
        for cap in caps:
            if rng.random() < 0.8:
                unit, lo, hi, llo, lhi = RESOURCE.get(cap, SKILL_RESOURCE)
                capacity = float(rng.integers(lo, hi + 1)) if unit != "USD" else float(rng.integers(lo // 1000, hi // 1000) * 1000)
                resources.append({"capability": cap, "capacity": capacity, "unit": unit,
                                  "lead_time_days": int(rng.integers(llo, lhi + 1))})
        slug = f"ptn{i + 1:05d}"
        contact = {"email": f"crisis@{slug}.example.org"}
        if rng.random() < 0.5:
            contact["webhook_url"] = f"https://{slug}.example.org/rrc/webhook"
        out.append({
            "partner_id": f"ptn-{i + 1:05d}", "organisation": name, "type": ptype, "capabilities": caps,
            "countries": covered, "regions": [region] if rng.random() < 0.5 else [],
            "global_coverage": bool(ptype in (PartnerType.UN_AGENCY, PartnerType.DEVELOPMENT_BANK) and rng.random() < 0.5),
            "resources": resources, "contact": contact, "active": bool(rng.random() < 0.95),
        })
    return [Partner.model_validate(p) for p in out]
