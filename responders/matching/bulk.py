"""Build a RosterIndex straight from generated roster columns (the bench's 1,000,000 experts, no records)."""

from __future__ import annotations

import numpy as np

from responders.matching.index import RosterIndex
from responders.matching.weights import SPEAKS
from responders.roster.columns import RosterColumns


def _bitset(words: int, rows: np.ndarray, bits: np.ndarray, n: int) -> np.ndarray:
    """A (words, n) uint64 bitset with bit `bits[i]` set in row `rows[i]`."""
    out = np.zeros((words, n), np.uint64)
    np.bitwise_or.at(out, (bits // 64, rows), np.left_shift(np.uint64(1), (bits % 64).astype(np.uint64)))
    return out


def _pool_arrays(count: np.ndarray, start: np.ndarray, end: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    keep = np.arange(start.shape[1])[None, :] < count[:, None]
    return count.astype(np.int32), start[keep], end[keep]


def index_from_columns(cols: RosterColumns, index: RosterIndex | None = None) -> RosterIndex:
    """Append the generated experts to an (empty by default) index, with the same rows and values as
    `RosterIndex.from_experts(experts_from_columns(cols))`, without building Expert records."""
    ix = index or RosterIndex(capacity=16)
    if len(ix.pos):
        raise ValueError("index_from_columns needs an empty index")
    n, voc = cols.n, cols.vocab
    ix.version += 1
    ix._grow(n)
    rows = np.arange(n)
    skill_map = np.array([ix.skill_col[s] for s in voc.skills])
    ix.skills[:, :n] = 0
    ix.skills[skill_map, :n] = cols.skills.T
    lang_map = np.array([ix.lang_pos[lang] for lang in voc.languages])
    country_map = np.array([ix.country_pos[c] for c in voc.countries])
    region_map = np.array([ix.region_pos[r] for r in voc.regions])

    spoken = (cols.lang_code >= 0) & (cols.lang_level >= SPEAKS)
    r, c = np.nonzero(spoken)
    ix.lang_bits[:, :n] = _bitset(ix.lang_words, r, lang_map[cols.lang_code[r, c]], n)
    worked = cols.exp_country >= 0
    r, c = np.nonzero(worked)
    exp = country_map[cols.exp_country[r, c]]
    ix.country_bits[:, :n] = _bitset(ix.country_words, r, exp, n)
    region_bits = np.zeros(n, np.uint8)
    exp_region = ix.country_region[exp]
    has = exp_region >= 0
    np.bitwise_or.at(region_bits, r[has], np.left_shift(np.uint8(1), exp_region[has].astype(np.uint8)))
    extra = cols.extra_region >= 0
    region_bits[extra] |= np.left_shift(np.uint8(1), region_map[cols.extra_region[extra]].astype(np.uint8))

    stations = np.array([ix.country_pos[c] for c, _ in voc.stations])
    duty = stations[cols.station]
    values = {"alive": np.ones(n, bool), "active": cols.active, "region_bits": region_bits, "duty_country": duty,
              "duty_region": ix.country_region[duty],
              "duty_region_bit": np.where(ix.country_region[duty] >= 0,
                                          np.left_shift(1, ix.country_region[duty].astype(np.int64)), 0),
              "seniority": cols.seniority, "cleared": cols.cleared,
              "clearance_level": cols.clearance_level, "max_days": cols.max_days, "rest_days": cols.rest_days}
    for name, v in values.items():
        getattr(ix, name)[:n] = v
    ix.avail.load(0, *_pool_arrays(cols.win_count, cols.win_start, cols.win_end))
    ix.busy.load(0, *_pool_arrays(cols.dep_count, cols.dep_start, cols.dep_end))
    ix.ids.extend(RosterColumns.expert_id(i) for i in range(n))
    ix.pos.update(zip(ix.ids, rows.tolist()))
    ix.n_rows = n
    return ix
