"""A synthetic roster in column form (numpy arrays), drawn reproducibly from a seed in vectorised chunks."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import lru_cache

import numpy as np

from config.taxonomy import load_taxonomy
from responders.roster.names import CULTURES
from responders.roster.places import CRISIS_COUNTRIES, HOME, ILO_OFFICES

EPOCH = date(2025, 1, 1)
CHUNK = 1 << 16
MAX_LANGS = 6
MAX_EXP = 6
CRISIS_IDS = 300

# International working languages: (code, probability of speaking it, P(level 2, 3, 4, 5)).
INTERNATIONAL = (("en", 0.78, (0.1, 0.35, 0.4, 0.15)), ("fr", 0.3, (0.25, 0.35, 0.3, 0.1)),
                 ("es", 0.22, (0.25, 0.35, 0.3, 0.1)), ("ar", 0.1, (0.3, 0.35, 0.25, 0.1)),
                 ("ru", 0.07, (0.3, 0.35, 0.25, 0.1)), ("pt", 0.06, (0.3, 0.35, 0.25, 0.1)))
# How often each skill appears on the roster (relative), by taxonomy id.
SKILL_WEIGHT = {"employment_intensive_investment": 3, "cash_for_work": 3, "emergency_employment_services": 3,
                "skills_vocational_training": 4, "enterprise_recovery": 4, "access_to_finance": 2,
                "local_economic_development": 3, "labour_market_assessment": 3, "post_disaster_needs_assessment": 2,
                "conflict_sensitive_programming": 2, "social_protection_systems": 3, "cash_transfers": 3,
                "occupational_safety_health": 3, "debris_removal_safety": 1.5, "child_labour_prevention": 2,
                "forced_labour_prevention": 1.5, "labour_migration": 2, "gender_equality": 3,
                "social_dialogue": 2, "labour_administration": 2}


@dataclass(frozen=True)
class Vocab:
    """The value lists the columns index into."""

    skills: tuple[str, ...]
    languages: tuple[str, ...]
    countries: tuple[str, ...]
    regions: tuple[str, ...]
    stations: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class RosterColumns:
    """n synthetic experts as arrays (row i is expert `expert_id(i)`); -1 pads variable-length lists.

    Day values are proleptic Gregorian ordinals (`date.toordinal`); windows and deployments are inclusive."""

    seed: int
    epoch: date
    vocab: Vocab
    culture: np.ndarray       # int16 (n,) index into CULTURES
    home: np.ndarray          # int16 (n,) index into vocab.countries
    given: np.ndarray         # int16 (n,) index into the culture's given names
    family: np.ndarray        # int16 (n,)
    middle: np.ndarray        # int16 (n,) second given name, -1 none
    seniority: np.ndarray     # uint8 (n,) 0 junior .. 3 principal
    skills: np.ndarray        # uint8 (n, S) level 0 (none) .. 5
    lang_code: np.ndarray     # int16 (n, MAX_LANGS) index into vocab.languages, -1 pad
    lang_level: np.ndarray    # uint8 (n, MAX_LANGS) 1..5
    exp_country: np.ndarray   # int16 (n, MAX_EXP) index into vocab.countries, -1 pad
    extra_region: np.ndarray  # int8 (n,) index into vocab.regions, -1 none
    station: np.ndarray       # int16 (n,) index into vocab.stations
    win_count: np.ndarray     # uint8 (n,) 0..2
    win_start: np.ndarray     # int32 (n, 2)
    win_end: np.ndarray       # int32 (n, 2)
    dep_count: np.ndarray     # uint8 (n,) 0..2
    dep_start: np.ndarray     # int32 (n, 2)
    dep_end: np.ndarray       # int32 (n, 2)
    dep_crisis: np.ndarray    # int16 (n, 2)
    cleared: np.ndarray       # bool (n,)
    clearance_level: np.ndarray  # uint8 (n,)
    max_days: np.ndarray      # int16 (n,)
    rest_days: np.ndarray     # int16 (n,)
    active: np.ndarray        # bool (n,)
    phone: np.ndarray         # int64 (n,) 8 subscriber digits, -1 none
    webhook: np.ndarray       # bool (n,)

    @property
    def n(self) -> int:
        return len(self.culture)

    @staticmethod
    def expert_id(i: int) -> str:
        return f"exp-{i + 1:07d}"


@lru_cache(maxsize=1)
def vocab() -> Vocab:
    tax = load_taxonomy()
    homes = [c for cul in CULTURES for c in cul.countries]
    countries = tuple(dict.fromkeys(homes + list(CRISIS_COUNTRIES) + [c for c, _ in ILO_OFFICES]))
    languages = tuple(dict.fromkeys([lang for c in countries for lang in tax.languages_of(c)]
                                    + [code for code, _, _ in INTERNATIONAL]))
    stations = tuple(dict.fromkeys(list(ILO_OFFICES) + [(c, HOME[c][0]) for c in homes]))
    return Vocab(tax.skill_ids, languages, countries, tax.region_ids, stations)


@lru_cache(maxsize=1)
def _tables() -> dict[str, np.ndarray]:
    voc, tax = vocab(), load_taxonomy()
    cidx = {c: i for i, c in enumerate(voc.countries)}
    lidx = {lang: i for i, lang in enumerate(voc.languages)}
    sidx = {s: i for i, s in enumerate(voc.stations)}
    cult_countries = [np.array([cidx[c] for c in cul.countries]) for cul in CULTURES]
    langs = [tax.languages_of(c) for c in voc.countries]
    crisis = np.array([cidx[c] for c in CRISIS_COUNTRIES])
    home_station = np.array([sidx.get((c, HOME.get(c, ("",))[0]), -1) for c in voc.countries])
    return {
        "cult_p": np.array([c.weight for c in CULTURES]) / sum(c.weight for c in CULTURES),
        "cult_off": np.cumsum([0] + [len(a) for a in cult_countries])[:-1],
        "cult_n": np.array([len(a) for a in cult_countries]),
        "cult_flat": np.concatenate(cult_countries),
        "n_given": np.array([len(c.given) for c in CULTURES]),
        "n_family": np.array([len(c.family) for c in CULTURES]),
        "lang1": np.array([lidx[ls[0]] if ls else -1 for ls in langs]),
        "lang2": np.array([lidx[ls[1]] if len(ls) > 1 else -1 for ls in langs]),
        "intl": np.array([lidx[code] for code, _, _ in INTERNATIONAL]),
        "skill_logw": np.log([SKILL_WEIGHT.get(s, 1.0) for s in voc.skills]),
        "crisis": crisis,
        "crisis_logw": np.log(list(CRISIS_COUNTRIES.values())),
        "home_station": home_station,
    }


def _gumbel_order(rng: np.random.Generator, logw: np.ndarray, m: int) -> np.ndarray:
    """Per row, all items ordered as a weighted sample without replacement (Gumbel top-k)."""
    keys = logw[None, :] - np.log(-np.log(rng.random((m, len(logw)))))
    return np.argsort(-keys, axis=1, kind="stable")


def _chunk(rng: np.random.Generator, m: int, epoch: int) -> dict[str, np.ndarray]:
    t, voc = _tables(), vocab()
    rows = np.arange(m)
    culture = rng.choice(len(CULTURES), size=m, p=t["cult_p"])
    home = t["cult_flat"][t["cult_off"][culture] + (rng.random(m) * t["cult_n"][culture]).astype(np.int64)]
    given = (rng.random(m) * t["n_given"][culture]).astype(np.int16)
    family = (rng.random(m) * t["n_family"][culture]).astype(np.int16)
    middle = (rng.random(m) * t["n_given"][culture]).astype(np.int16)
    middle = np.where((rng.random(m) < 0.3) & (middle != given), middle, -1).astype(np.int16)
    seniority = rng.choice(4, size=m, p=[0.25, 0.35, 0.28, 0.12]).astype(np.uint8)

    n_skills = len(voc.skills)
    k = rng.choice([2, 3, 4, 5, 6], size=m, p=[0.2, 0.3, 0.25, 0.15, 0.1])
    order = _gumbel_order(rng, t["skill_logw"], m)
    rank = np.empty_like(order)
    rank[rows[:, None], order] = np.arange(n_skills)[None, :]
    level = np.rint(1.0 + 0.8 * seniority[:, None] + rng.normal(0.0, 0.9, (m, n_skills))) + (rank == 0)
    skills = np.where(rank < k[:, None], np.clip(level, 1, 5), 0).astype(np.uint8)

    lang_code = np.full((m, MAX_LANGS), -1, np.int16)
    lang_level = np.zeros((m, MAX_LANGS), np.uint8)
    lang_code[:, 0], lang_level[:, 0] = t["lang1"][home], 5
    count = np.ones(m, np.int64)
    second = t["lang2"][home]
    add = (second >= 0) & (rng.random(m) < 0.5)
    lang_code[rows[add], 1], lang_level[rows[add], 1] = second[add], 4
    count += add
    for (_, p, level_p), code in zip(INTERNATIONAL, t["intl"]):
        levels = rng.choice([2, 3, 4, 5], size=m, p=level_p)
        add = (rng.random(m) < p) & ~(lang_code == code).any(axis=1) & (count < MAX_LANGS)
        lang_code[rows[add], count[add]], lang_level[rows[add], count[add]] = code, levels[add]
        count += add

    n_exp = rng.choice(6, size=m, p=[0.15, 0.25, 0.25, 0.17, 0.1, 0.08])
    picks = t["crisis"][_gumbel_order(rng, t["crisis_logw"], m)[:, :MAX_EXP - 1]]
    exp_country = np.where(np.arange(MAX_EXP - 1)[None, :] < n_exp[:, None], picks, -1).astype(np.int16)
    exp_country = np.concatenate([exp_country, np.full((m, 1), -1, np.int16)], axis=1)
    add = (rng.random(m) < 0.5) & ~(exp_country == home[:, None]).any(axis=1)
    exp_country[rows[add], n_exp[add]] = home[add]
    extra_region = np.where(rng.random(m) < 0.15, rng.integers(0, len(voc.regions), m), -1).astype(np.int8)

    station = np.where(rng.random(m) < 0.55, rng.integers(0, len(ILO_OFFICES), m), t["home_station"][home])

    win_count = rng.choice(3, size=m, p=[0.05, 0.55, 0.40]).astype(np.uint8)
    s1 = epoch + rng.integers(-30, 91, m)
    e1 = s1 + rng.integers(45, 366, m) - 1
    s2 = e1 + rng.integers(15, 91, m)
    e2 = s2 + rng.integers(30, 201, m) - 1
    dep_count = rng.choice(3, size=m, p=[0.55, 0.30, 0.15]).astype(np.uint8)
    d1 = epoch + rng.integers(-150, 151, m)
    f1 = d1 + rng.integers(14, 121, m) - 1
    d2 = f1 + rng.integers(20, 201, m)
    f2 = d2 + rng.integers(14, 91, m) - 1

    cleared = rng.random(m) < 0.45
    clearance_level = np.where(cleared, rng.choice([1, 2, 3], size=m, p=[0.5, 0.35, 0.15]), 0).astype(np.uint8)
    return {
        "culture": culture.astype(np.int16), "home": home.astype(np.int16), "given": given, "family": family,
        "middle": middle,
        "seniority": seniority, "skills": skills, "lang_code": lang_code, "lang_level": lang_level,
        "exp_country": exp_country, "extra_region": extra_region, "station": station.astype(np.int16),
        "win_count": win_count, "win_start": np.stack([s1, s2], 1).astype(np.int32),
        "win_end": np.stack([e1, e2], 1).astype(np.int32), "dep_count": dep_count,
        "dep_start": np.stack([d1, d2], 1).astype(np.int32), "dep_end": np.stack([f1, f2], 1).astype(np.int32),
        "dep_crisis": rng.integers(0, CRISIS_IDS, (m, 2)).astype(np.int16),
        "cleared": cleared, "clearance_level": clearance_level,
        "max_days": rng.choice([30, 60, 90, 120, 180, 365], size=m,
                               p=[0.1, 0.2, 0.3, 0.15, 0.15, 0.1]).astype(np.int16),
        "rest_days": rng.choice([0, 7, 14, 21, 28], size=m, p=[0.1, 0.25, 0.35, 0.15, 0.15]).astype(np.int16),
        "active": rng.random(m) < 0.94,
        "phone": np.where(rng.random(m) < 0.6, rng.integers(10_000_000, 100_000_000, m), -1).astype(np.int64),
        "webhook": rng.random(m) < 0.1,
    }


def generate_columns(n: int, seed: int, epoch: date = EPOCH) -> RosterColumns:
    """n synthetic experts as columns; the same (n, seed, epoch) always gives identical arrays."""
    if n < 0:
        raise ValueError("n must be >= 0")
    rng = np.random.default_rng([seed, 0])
    chunks = [_chunk(rng, min(CHUNK, n - start), epoch.toordinal()) for start in range(0, n, CHUNK)]
    if not chunks:
        chunks = [_chunk(rng, 0, epoch.toordinal())]
    cols = {k: np.concatenate([c[k] for c in chunks]) for k in chunks[0]}
    return RosterColumns(seed=seed, epoch=epoch, vocab=vocab(), **cols)
