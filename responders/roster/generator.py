"""A reproducible synthetic roster: `generate_roster(experts, partners, seed)` -> (experts, partners)."""

from __future__ import annotations

import unicodedata
from datetime import date

from pydantic import TypeAdapter

from config.taxonomy import load_taxonomy
from responders.roster.gcpause import gc_paused
from responders.roster.columns import EPOCH, RosterColumns, generate_columns
from responders.roster.models import Expert, Partner
from responders.roster.names import CULTURES
from responders.roster.places import HOME
from responders.roster.synthetic_partners import generate_partners
from responders.roster.values import DeploymentStatus, Seniority

_EXPERTS = TypeAdapter(list[Expert])
_SENIORITY = list(Seniority)
_ASCII = str.maketrans({"ı": "i", "ł": "l", "ø": "o", "ß": "ss", "đ": "d", "æ": "ae", "œ": "oe", "'": "", " ": ""})


def ascii_slug(text: str) -> str:
    """A lower-case ASCII rendering of a name for synthetic e-mail addresses ("Öztürk" -> "ozturk")."""
    folded = unicodedata.normalize("NFKD", text.lower().translate(_ASCII))
    return "".join(ch for ch in folded if ch.isascii() and (ch.isalnum() or ch == "-"))


def generate_roster(experts: int, partners: int, seed: int, epoch: date = EPOCH) -> tuple[list[Expert], list[Partner]]:
    """`experts` experts and `partners` partners drawn from `seed`; identical for identical arguments.

    Dates are placed around `epoch` (default 2025-01-01): availability windows start up to a month
    before it, deployments range from five months before to five months after it."""
    cols = generate_columns(experts, seed, epoch)
    return experts_from_columns(cols), generate_partners(partners, seed)


def experts_from_columns(cols: RosterColumns, start: int = 0, stop: int | None = None) -> list[Expert]:
    """Validated Expert records for rows [start, stop) of generated columns."""
    with gc_paused():
        return _EXPERTS.validate_python(list(expert_dicts(cols, start, stop)))


def expert_dicts(cols: RosterColumns, start: int = 0, stop: int | None = None):
    """The rows [start, stop) of generated columns as plain dicts in the Expert JSON shape."""
    stop = cols.n if stop is None else stop
    voc, tax = cols.vocab, load_taxonomy()
    region_of = [tax.region_of(c) for c in voc.countries]
    codes = {c: HOME[c][1] for c in voc.countries if c in HOME}
    epoch = cols.epoch.toordinal()
    sl = slice(start, stop)
    a = {name: getattr(cols, name)[sl].tolist() for name in (
        "culture", "home", "given", "family", "middle", "seniority", "skills", "lang_code", "lang_level", "exp_country",
        "extra_region", "station", "win_count", "win_start", "win_end", "dep_count", "dep_start", "dep_end",
        "dep_crisis", "cleared", "clearance_level", "max_days", "rest_days", "active", "phone", "webhook")}
    skill_ids, langs, countries, regions, stations = voc.skills, voc.languages, voc.countries, voc.regions, voc.stations
    slugs = [(tuple(map(ascii_slug, c.given)), tuple(map(ascii_slug, c.family))) for c in CULTURES]
    for j in range(stop - start):
        i = start + j
        eid = RosterColumns.expert_id(i)
        cul = CULTURES[a["culture"][j]]
        g, f, mid = a["given"][j], a["family"][j], a["middle"][j]
        gs, fs = slugs[a["culture"][j]]
        contact = {"email": f"{gs[g]}.{fs[f]}.{i + 1}@roster.example.org"}
        if a["phone"][j] >= 0:
            contact["phone"] = f"+{codes[countries[a['home'][j]]]}{a['phone'][j]}"
        if a["webhook"][j]:
            contact["webhook_url"] = f"https://hooks.example.org/rrc/experts/{eid}"
        exp = [countries[c] for c in a["exp_country"][j] if c >= 0]
        reg = list(dict.fromkeys([region_of[c] for c in a["exp_country"][j] if c >= 0]
                                 + ([regions[a["extra_region"][j]]] if a["extra_region"][j] >= 0 else [])))
        country, city = stations[a["station"][j]]
        deployments = []
        for k in range(a["dep_count"][j]):
            ds, de = a["dep_start"][j][k], a["dep_end"][j][k]
            status = (DeploymentStatus.COMPLETED if de < epoch else
                      DeploymentStatus.CURRENT if ds <= epoch else DeploymentStatus.PLANNED)
            deployments.append({"deployment_id": f"{eid}-d{k + 1}", "crisis_id": f"crisis-{a['dep_crisis'][j][k]:04d}",
                                "start": date.fromordinal(ds), "end": date.fromordinal(de), "status": status})
        yield {
            "expert_id": eid,
            "name": f"{cul.given[g]} {cul.given[mid]} {cul.family[f]}" if mid >= 0 else f"{cul.given[g]} {cul.family[f]}",
            "contact": contact,
            "skills": {skill_ids[s]: lvl for s, lvl in enumerate(a["skills"][j]) if lvl},
            "languages": {langs[c]: lvl for c, lvl in zip(a["lang_code"][j], a["lang_level"][j]) if c >= 0},
            "regions": reg,
            "countries": exp,
            "duty_station": {"country": country, "city": city},
            "availability": [{"start": date.fromordinal(a["win_start"][j][k]), "end": date.fromordinal(a["win_end"][j][k])}
                             for k in range(a["win_count"][j])],
            "deployments": deployments,
            "clearance": {"cleared": a["cleared"][j], "level": a["clearance_level"][j]},
            "max_deployment_days": a["max_days"][j],
            "rest_days": a["rest_days"][j],
            "seniority": _SENIORITY[a["seniority"][j]],
            "active": a["active"][j],
        }
