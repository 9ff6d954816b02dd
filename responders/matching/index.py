"""RosterIndex: the roster as numpy columns (skill levels, language/country bitsets, day intervals) for ranking."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from config.taxonomy import Taxonomy, known_iso3, known_languages, load_taxonomy
from responders.matching.exceptions import UnknownExpert, UnknownSkill
from responders.matching.slots import IntervalSlots
from responders.matching.weights import SPEAKS
from responders.roster.gcpause import gc_paused
from responders.roster.models import Expert

_WORD = (1 << 64) - 1
# per-row arrays: name -> dtype; 2-D ones are stored (k, rows) so one skill or one word is contiguous
_ROW = {"alive": np.bool_, "active": np.bool_, "region_bits": np.uint8, "duty_country": np.int16,
        "duty_region": np.int8, "duty_region_bit": np.uint8, "seniority": np.uint8, "cleared": np.bool_, "clearance_level": np.uint8,
        "max_days": np.int16, "rest_days": np.int16}
_MATRIX = {"skills": np.uint8, "lang_bits": np.uint64, "country_bits": np.uint64}


def _words(mask: int, n: int) -> tuple[int, ...]:
    return tuple((mask >> (64 * w)) & _WORD for w in range(n))


class RosterIndex:
    """Experts as rows of numpy arrays, built once and updated per expert (`upsert`, `remove`).

    Columns: `skills` (skills x rows, uint8 level 0-5), `lang_bits` (languages spoken at WORKING level
    or better) and `country_bits` (countries of experience) as uint64 bitsets (words x rows),
    `region_bits` (uint8: listed regions plus the regions of the countries of experience), duty station
    country and region (`duty_region_bit`: 1 << region, 0 when unknown), seniority, clearance, longest
    deployment, rest days, and day-ordinal intervals (IntervalSlots): `avail` (availability windows) and
    `busy` (deployments that are not cancelled).
    Rows keep their position for life (a removed expert leaves a dead row), so ties in a ranking are
    broken by the order in which experts were first added. `version` moves on every change (what is derived from
    the rows, e.g. `evaluate.ScreenCache`, follows it)."""

    def __init__(self, taxonomy: Taxonomy | None = None, capacity: int = 1024, max_slots: int = 4) -> None:
        self.taxonomy = tax = taxonomy or load_taxonomy()
        self.skill_ids: tuple[str, ...] = tax.skill_ids
        self.skill_col = {s: j for j, s in enumerate(self.skill_ids)}
        self.languages: tuple[str, ...] = tuple(sorted(known_languages()))
        self.lang_pos = {lang: i for i, lang in enumerate(self.languages)}
        self.countries: tuple[str, ...] = tuple(sorted(known_iso3()))
        self.country_pos = {c: i for i, c in enumerate(self.countries)}
        self.regions: tuple[str, ...] = tax.region_ids
        self.region_pos = {r: i for i, r in enumerate(self.regions)}
        self.country_region = np.array([self.region_pos.get(tax.region_of(c), -1) for c in self.countries], np.int8)
        self.lang_words = (len(self.languages) + 63) // 64
        self.country_words = (len(self.countries) + 63) // 64
        self.ids: list[str] = []
        self.pos: dict[str, int] = {}
        self.n_rows = 0
        self.version = 0
        self._cap = 0
        for name, dtype in _ROW.items():
            setattr(self, name, np.zeros(0, dtype))
        self.skills = np.zeros((len(self.skill_ids), 0), np.uint8)
        self.lang_bits = np.zeros((self.lang_words, 0), np.uint64)
        self.country_bits = np.zeros((self.country_words, 0), np.uint64)
        self.avail = IntervalSlots(max_k=max_slots)
        self.busy = IntervalSlots(max_k=max_slots)
        self._grow(capacity)

    # --- building -----------------------------------------------------------------------------
    @classmethod
    def from_experts(cls, experts: Iterable[Expert], taxonomy: Taxonomy | None = None,
                     max_slots: int = 4) -> RosterIndex:
        """An index of the experts, rows in the given order (a repeated id keeps its first row, last record)."""
        index = cls(taxonomy, capacity=16, max_slots=max_slots)
        index.bulk_upsert(experts)
        return index

    def bulk_upsert(self, experts: Iterable[Expert]) -> None:
        """`upsert` for many experts; new experts are appended in one vectorised write."""
        with gc_paused():
            self._bulk_upsert(experts)

    def _bulk_upsert(self, experts: Iterable[Expert]) -> None:
        self.version += 1
        fresh: dict[str, tuple] = {}
        for e in experts:
            if e.expert_id in self.pos:
                self.upsert(e)
            else:
                fresh[e.expert_id] = self.encode(e)
        if not fresh:
            return
        first, k = self.n_rows, len(fresh)
        self._grow(first + k)
        rows = np.arange(first, first + k)
        enc = list(fresh.values())
        cols = list(zip(*enc))
        sk_rows = [first + i for i, e in enumerate(enc) for _ in e[0]]
        sk = [pair for e in enc for pair in e[0]]
        if sk:
            col, lvl = zip(*sk)
            self.skills[list(col), sk_rows] = lvl
        self.lang_bits[:, rows] = np.array(cols[1], np.uint64).T.reshape(self.lang_words, k)
        self.country_bits[:, rows] = np.array(cols[2], np.uint64).T.reshape(self.country_words, k)
        for name, values in zip(_ROW, (np.ones(k, bool),) + tuple(cols[3:13])):
            getattr(self, name)[rows] = values
        for pool, intervals in ((self.avail, cols[13]), (self.busy, cols[14])):
            counts = np.array([len(x) for x in intervals], np.int32)
            flat = [iv for x in intervals for iv in x]
            starts = np.array([s for s, _ in flat], np.int32)
            ends = np.array([e for _, e in flat], np.int32)
            pool.load(first, counts, starts, ends)
        self.ids.extend(fresh)
        self.pos.update(zip(fresh, range(first, first + k)))
        self.n_rows += k

    def encode(self, e: Expert) -> tuple:
        """The row values of an expert, in the order bulk_upsert and upsert write them."""
        try:
            skills = tuple((self.skill_col[s], lvl) for s, lvl in e.skills.items())
        except KeyError as exc:
            raise UnknownSkill(f"expert {e.expert_id}: skill {exc.args[0]!r} is not in the index taxonomy") from exc
        lang = 0
        for code, level in e.languages.items():
            if level >= SPEAKS:
                lang |= 1 << self.lang_pos[code]
        country = 0
        regions = 0
        for c in e.countries:
            country |= 1 << self.country_pos[c]
            r = int(self.country_region[self.country_pos[c]])
            if r >= 0:
                regions |= 1 << r
        for r in e.regions:
            regions |= 1 << self.region_pos[r]
        duty = self.country_pos[e.duty_station.country]
        region = int(self.country_region[duty])
        return (skills, _words(lang, self.lang_words), _words(country, self.country_words), e.active, regions, duty,
                region, 1 << region if region >= 0 else 0, e.seniority.rank, e.clearance.cleared, e.clearance.level,
                e.max_deployment_days, e.rest_days,
                [(w.start.toordinal(), w.end.toordinal()) for w in e.availability],
                [(d.start.toordinal(), d.end.toordinal()) for d in e.deployments if d.status.occupies])

    def upsert(self, expert: Expert) -> int:
        """Add an expert or replace its row; returns the row."""
        values = self.encode(expert)
        self.version += 1
        row = self.pos.get(expert.expert_id)
        if row is None:
            row = self.n_rows
            self._grow(row + 1)
            self.ids.append(expert.expert_id)
            self.pos[expert.expert_id] = row
            self.n_rows += 1
        self.skills[:, row] = 0
        for col, lvl in values[0]:
            self.skills[col, row] = lvl
        self.lang_bits[:, row] = values[1]
        self.country_bits[:, row] = values[2]
        self.alive[row] = True
        for name, v in zip(list(_ROW)[1:], values[3:13]):
            getattr(self, name)[row] = v
        self.avail.set(row, values[13])
        self.busy.set(row, values[14])
        return row

    def remove(self, expert_id: str) -> None:
        """Take an expert out of every future ranking (its row stays, dead)."""
        row = self.pos.pop(expert_id, None)
        if row is None:
            raise UnknownExpert(expert_id)
        self.version += 1
        self.alive[row] = False
        self.active[row] = False
        self.avail.set(row, [])
        self.busy.set(row, [])

    def _grow(self, rows: int) -> None:
        if rows <= self._cap:
            return
        cap = max(rows, 2 * self._cap, 16)
        extra = cap - self._cap
        for name, dtype in _ROW.items():
            setattr(self, name, np.concatenate([getattr(self, name), np.zeros(extra, dtype)]))
        for name, dtype in _MATRIX.items():
            old = getattr(self, name)
            setattr(self, name, np.concatenate([old, np.zeros((old.shape[0], extra), dtype)], axis=1))
        self.avail.resize_rows(cap)
        self.busy.resize_rows(cap)
        self._cap = cap

    # --- reading ------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.pos)

    def __contains__(self, expert_id: object) -> bool:
        return expert_id in self.pos

    def row_of(self, expert_id: str) -> int:
        try:
            return self.pos[expert_id]
        except KeyError:
            raise UnknownExpert(expert_id) from None

    def live_ids(self) -> list[str]:
        """Ids of the experts in the index, in row order."""
        return [self.ids[r] for r in np.flatnonzero(self.alive[:self.n_rows]).tolist()]

    @property
    def nbytes(self) -> int:
        """Memory held by the numpy columns (not counting the id list and dict)."""
        arrays = [getattr(self, n) for n in (*_ROW, *_MATRIX)]
        return sum(a.nbytes for a in arrays) + self.avail.nbytes + self.busy.nbytes
