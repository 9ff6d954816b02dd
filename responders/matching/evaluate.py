"""Vectorised evaluation of one role over a RosterIndex: hard-constraint failures and soft-score parts."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from responders.matching.constraints import BIT, NEAR_MISS_MAX_FAILS, SKILL_BIT0, Constraint, near_miss_floor
from responders.matching.exceptions import UnknownSkill
from responders.matching.index import RosterIndex
from responders.matching.requests import Reservation, RoleRequest
from responders.matching.weights import MAX_LEVEL, PART_NAMES, SAME_REGION, WEIGHTS

_ONE = np.uint64(1)


@dataclass(frozen=True)
class PreparedReservations:
    """Reservations as arrays of index rows and day ordinals (ids unknown to the index are dropped)."""

    rows: np.ndarray
    start: np.ndarray
    end: np.ndarray


def prepare_reservations(index: RosterIndex, reservations: Iterable[Reservation | tuple] | None) -> PreparedReservations:
    """Convert (expert_id, start, end) reservations once, for use with several roles."""
    if isinstance(reservations, PreparedReservations):
        return reservations
    rows, starts, ends = [], [], []
    for reservation in reservations or ():
        expert_id, start, end = reservation[:3]
        row = index.pos.get(expert_id)
        if row is not None:
            if end < start:
                raise ValueError(f"reservation of {expert_id}: end {end} is before start {start}")
            rows.append(row)
            starts.append(start.toordinal())
            ends.append(end.toordinal())
    return PreparedReservations(np.array(rows, np.int64), np.array(starts, np.int32), np.array(ends, np.int32))


@dataclass(frozen=True)
class Evaluation:
    """One role over the experts that fail at most NEAR_MISS_MAX_FAILS hard constraints among those it
    considers (active, every required skill >= minimum - 1); `rows` are index rows, ascending.

    `fails` holds one bit per failed constraint (see constraints.BIT), `nfail` their number; `parts`
    and `score` are the soft score and its parts; `considered` counts everyone considered."""

    role: RoleRequest
    skills: list[str]
    rows: np.ndarray
    fails: np.ndarray
    nfail: np.ndarray
    parts: dict[str, np.ndarray]
    score: np.ndarray
    considered: int


class _Failures:
    """Failure bits and counts accumulated over the considered rows."""

    def __init__(self, m: int) -> None:
        self.fails = np.zeros(m, np.uint32)
        self.nfail = np.zeros(m, np.uint8)

    def mark(self, bad: np.ndarray, bit: int) -> None:
        self.fails |= bad.astype(np.uint32) << np.uint32(bit)
        self.nfail += bad


def _skill_columns(ix: RosterIndex, role: RoleRequest) -> list[tuple[int, int]]:
    out = []
    for skill, minimum in role.skills.items():
        if skill not in ix.skill_col:
            raise UnknownSkill(f"role {role.role!r}: skill {skill!r} is not in the index taxonomy")
        out.append((ix.skill_col[skill], minimum))
    return out


def _intervals(ix: RosterIndex, rows: np.ndarray, s0: int, e0: int, reservations: PreparedReservations | None,
               f: _Failures) -> None:
    """Availability, overlap and rest constraints (one gather per dense slot; overflow only if any)."""
    covered = np.zeros(len(rows), bool)
    for ws, we in ix.avail.dense(rows):
        covered |= (ws <= s0) & (we >= e0)
    owner, ws, we = ix.avail.spilled(rows)
    covered[owner[(ws <= s0) & (we >= e0)]] = True
    f.mark(~covered, BIT[Constraint.AVAILABILITY])

    rest = ix.rest_days.take(rows).astype(np.int32)
    overlap = np.zeros(len(rows), bool)
    near = np.zeros(len(rows), bool)
    for bs, be in ix.busy.dense(rows):
        overlap |= (bs <= e0) & (be >= s0)
        near |= (bs - rest <= e0) & (be + rest >= s0)
    spilled = [ix.busy.spilled(rows)]
    if reservations is not None and len(reservations.rows) and len(rows):
        at = np.minimum(np.searchsorted(rows, reservations.rows), len(rows) - 1)
        hit = rows[at] == reservations.rows
        spilled.append((at[hit], reservations.start[hit], reservations.end[hit]))
    for owner, bs, be in spilled:
        if len(owner):
            r = rest[owner]
            overlap[owner[(bs <= e0) & (be >= s0)]] = True
            near[owner[(bs - r <= e0) & (be + r >= s0)]] = True
    f.mark(overlap, BIT[Constraint.OVERLAP])
    f.mark(near & ~overlap, BIT[Constraint.REST])


@dataclass(frozen=True)
class Screen:
    """What a role's evaluation owes to the role alone, not to the crisis's countries: the experts considered
    (`rows`, after dropping those failing more than NEAR_MISS_MAX_FAILS hard constraints), their failures, and
    the skill and seniority parts of their score. Its arrays are read-only: a `ScreenCache` shares them."""

    rows: np.ndarray
    fails: np.ndarray
    nfail: np.ndarray
    skill: np.ndarray
    seniority: np.ndarray
    considered: int


def screen(index: RosterIndex, role: RoleRequest, reservations: PreparedReservations | None = None) -> Screen:
    """Hard constraints, and the soft parts that do not depend on where the crisis is, without a per-expert loop."""
    ix, n = index, index.n_rows
    req = _skill_columns(ix, role)
    mask = ix.active[:n]
    for j, minimum in req:
        mask = mask & (ix.skills[j, :n] >= near_miss_floor(minimum))
    rows = np.flatnonzero(mask)
    considered = len(rows)
    f = _Failures(considered)
    for b, (j, minimum) in enumerate(req):
        f.mark(ix.skills[j].take(rows) < minimum, SKILL_BIT0 + b)
    f.mark(ix.max_days.take(rows) < role.duration_days, BIT[Constraint.MAX_DURATION])
    if role.requires_clearance:
        f.mark(~ix.cleared.take(rows) | (ix.clearance_level.take(rows) < role.min_clearance_level), BIT[Constraint.CLEARANCE])
    _intervals(ix, rows, role.start.toordinal(), role.end.toordinal(), reservations, f)

    keep = f.nfail <= NEAR_MISS_MAX_FAILS
    if not keep.all():
        rows, fails, nfail = rows[keep], f.fails[keep], f.nfail[keep]
    else:
        fails, nfail = f.fails, f.nfail
    out = Screen(rows, fails, nfail, _skill_part(ix, rows, req), WEIGHTS["seniority"] * (ix.seniority.take(rows) / 3),
                 considered)
    for array in (out.rows, out.fails, out.nfail, out.skill, out.seniority):
        array.flags.writeable = False
    return out


def screen_key(role: RoleRequest) -> tuple:
    """Everything of a role that its `Screen` depends on (skills in their order: it numbers the skill bits)."""
    clearance = role.min_clearance_level if role.requires_clearance else 0
    return tuple(role.skills.items()), role.start, role.duration_days, clearance


class ScreenCache:
    """The screens of the most recent roles (at most `entries`), on one state of one index (its `version`) under
    one set of reservations; `bind` starts afresh when either changed. The plans of a burst ask the same roles
    for the same days, so each role is screened once and only its location parts are computed per crisis."""

    def __init__(self, entries: int = 64) -> None:
        self.entries = entries
        self.hits = self.misses = 0
        self._state: tuple[RosterIndex, int, tuple] | None = None
        self._screens: OrderedDict[tuple, Screen] = OrderedDict()

    def bind(self, index: RosterIndex, reservations: tuple) -> None:
        """Use the cache for this index as it is now and these reservations (compared by value)."""
        state = self._state
        if state is None or state[0] is not index or state[1] != index.version or state[2] != reservations:
            self._screens.clear()
            self._state = (index, index.version, reservations)

    def screen(self, index: RosterIndex, role: RoleRequest, reservations: PreparedReservations | None) -> Screen:
        state = self._state
        if state is None or state[0] is not index or state[1] != index.version:
            raise RuntimeError("ScreenCache.screen before bind() for this index as it is now")
        key = screen_key(role)
        found = self._screens.get(key)
        if found is not None:
            self.hits += 1
            self._screens.move_to_end(key)
            return found
        self.misses += 1
        found = self._screens[key] = screen(index, role, reservations)
        if len(self._screens) > self.entries:
            self._screens.popitem(last=False)
        return found


def evaluate(index: RosterIndex, role: RoleRequest, reservations: PreparedReservations | None = None,
             screens: ScreenCache | None = None) -> Evaluation:
    """Hard constraints and soft parts for the experts the role considers, without a per-expert loop; the role's
    screen comes from `screens` (bound to this index and reservations) when given."""
    s = screens.screen(index, role, reservations) if screens is not None else screen(index, role, reservations)
    language, country, region, proximity = _location_parts(index, role, s.rows)
    parts = {"skill": s.skill, "language": language, "country": country, "region": region,
             "seniority": s.seniority, "proximity": proximity}
    score = parts[PART_NAMES[0]]
    for name in PART_NAMES[1:]:
        score = score + parts[name]
    return Evaluation(role, list(role.skills), s.rows, s.fails, s.nfail, parts, score, s.considered)


def _skill_part(ix: RosterIndex, rows: np.ndarray, req: list[tuple[int, int]]) -> np.ndarray:
    """The skill part (formulas in responders.matching.weights), same float operations as the naive ranker."""
    m = len(rows)
    acc = np.zeros(m)
    for j, minimum in req:
        if minimum < MAX_LEVEL:
            acc = acc + np.maximum(ix.skills[j].take(rows).astype(np.int16) - minimum, 0) / (MAX_LEVEL - minimum)
        else:
            acc = acc + 0.0
    return WEIGHTS["skill"] * (acc / len(req)) if req else np.zeros(m)


def _location_parts(ix: RosterIndex, role: RoleRequest, rows: np.ndarray) -> tuple[np.ndarray, ...]:
    """The language, country, region and proximity parts: what depends on the crisis's countries."""
    m, tax, w = len(rows), ix.taxonomy, WEIGHTS
    langs = role.languages(tax)
    matched = np.zeros(m, np.int64)
    words: dict[int, np.ndarray] = {}
    for lang in langs:
        word, bit = divmod(ix.lang_pos[lang], 64)
        if word not in words:
            words[word] = ix.lang_bits[word].take(rows)
        matched += ((words[word] >> np.uint64(bit)) & _ONE).astype(np.int64)
    language = w["language"] * (matched / len(langs)) if langs else np.zeros(m)

    crisis = [ix.country_pos[c] for c in role.countries]
    query = np.zeros(ix.country_words, np.uint64)
    for p in crisis:
        query[p // 64] |= _ONE << np.uint64(p % 64)
    worked = np.zeros(m, bool)
    for word in np.flatnonzero(query):
        worked |= (ix.country_bits[word].take(rows) & query[word]) != 0
    country = w["country"] * worked.astype(np.float64)

    region_mask = np.uint8(sum(1 << ix.region_pos[r] for r in role.regions(tax)))
    region = w["region"] * ((ix.region_bits.take(rows) & region_mask) != 0).astype(np.float64)

    duty = ix.duty_country.take(rows)
    same_country = np.zeros(m, bool)
    for p in crisis:
        same_country |= duty == p
    same_region = (ix.duty_region_bit.take(rows) & region_mask) != 0
    proximity = w["proximity"] * np.where(same_country, 1.0, np.where(same_region, SAME_REGION, 0.0))
    return language, country, region, proximity
