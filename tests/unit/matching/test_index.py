"""RosterIndex: built from records or from generated columns alike, updatable per expert."""

from __future__ import annotations

import numpy as np
import pytest

from responders.matching import RosterIndex, index_from_columns, rank
from responders.matching.exceptions import UnknownExpert
from responders.matching.pool import IntervalPool
from responders.matching.slots import IntervalSlots
from responders.roster.columns import generate_columns
from responders.roster.generator import experts_from_columns

from .factories import day, deployment, make_expert, make_role

ARRAYS = ("skills", "lang_bits", "country_bits", "alive", "active", "region_bits", "duty_country", "duty_region",
          "seniority", "cleared", "clearance_level", "max_days", "rest_days")


def test_columns_and_records_build_the_same_index():
    cols = generate_columns(3000, 5)
    a = RosterIndex.from_experts(experts_from_columns(cols))
    b = index_from_columns(cols)
    assert a.ids == b.ids and a.n_rows == b.n_rows == 3000
    for name in ARRAYS:
        assert np.array_equal(getattr(a, name)[..., :a.n_rows], getattr(b, name)[..., :b.n_rows]), name
    for r in range(a.n_rows):
        assert a.avail.row(r) == b.avail.row(r) and a.busy.row(r) == b.busy.row(r)


def test_upsert_replaces_and_remove_hides():
    index = RosterIndex.from_experts([make_expert("a"), make_expert("b")])
    role = make_role()
    assert [c.expert_id for c in rank(index, role).candidates] == ["a", "b"]
    index.upsert(make_expert("a", deployments=[deployment("d", 5, 9)]))
    assert [c.expert_id for c in rank(index, role).candidates] == ["b"]
    index.remove("b")
    assert rank(index, role).candidates == [] and len(index) == 1 and "b" not in index
    index.upsert(make_expert("b"))
    assert index.row_of("b") == 2 and index.live_ids() == ["a", "b"]
    with pytest.raises(UnknownExpert):
        index.remove("zzz")


def test_cancelled_deployments_are_not_indexed_and_skills_are_cleared_on_update():
    index = RosterIndex.from_experts([make_expert("a", deployments=[deployment("d", 0, 3, "cancelled")])])
    assert index.busy.row(0) == []
    index.upsert(make_expert("a", skills={"cash_for_work": 2}))
    assert index.skills[index.skill_col["employment_intensive_investment"], 0] == 0
    assert index.skills[index.skill_col["cash_for_work"], 0] == 2


def test_interval_pool_survives_many_rewrites():
    rng = np.random.default_rng(0)
    pool = IntervalPool(rows=50, capacity=4)
    truth: dict[int, list] = {r: [] for r in range(50)}
    for _ in range(5000):
        r = int(rng.integers(50))
        ivs = [(int(s), int(s) + int(rng.integers(10))) for s in rng.integers(0, 100, rng.integers(0, 5))]
        pool.set(r, ivs)
        truth[r] = ivs
    assert all(pool.row(r) == truth[r] for r in range(50))
    assert pool.used <= 4 * sum(len(v) for v in truth.values()) + 2048
    rows = np.array([3, 7, 7, 40])
    owner, start, end = pool.gather(rows)
    expected = [(i, s, e) for i, r in enumerate(rows) for s, e in truth[int(r)]]
    assert list(zip(owner.tolist(), start.tolist(), end.tolist())) == expected


def test_interval_slots_spill_and_come_back():
    slots = IntervalSlots(rows=3, max_k=2)
    slots.set(0, [(1, 2), (3, 4), (5, 6), (7, 8)])
    slots.set(1, [(9, 9)])
    assert (slots.k, slots.overflow_rows) == (2, 1)
    assert slots.row(0) == [(1, 2), (3, 4), (5, 6), (7, 8)] and slots.row(1) == [(9, 9)] and slots.row(2) == []
    owner, start, end = slots.spilled(np.array([0, 1]))
    assert (owner.tolist(), start.tolist(), end.tolist()) == ([0, 0], [5, 7], [6, 8])
    slots.set(0, [(1, 1)])
    assert slots.overflow_rows == 0 and slots.row(0) == [(1, 1)]
    slots.load(1, np.array([3, 0]), np.array([10, 11, 12]), np.array([20, 21, 22]))
    assert slots.row(1) == [(10, 20), (11, 21), (12, 22)] and slots.row(2) == [] and slots.overflow_rows == 1


def test_index_grows_and_reports_its_memory():
    index = RosterIndex(capacity=2)
    for i in range(100):
        index.upsert(make_expert(f"e{i}", availability=[{"start": day(0), "end": day(i + 30)}]))
    assert len(index) == 100 and index.nbytes > 0
    assert len(rank(index, make_role(), k=200).candidates) == 100
