"""The vectorised ranker gives exactly the naive per-expert loop's ranking (scores bit for bit)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responders.matching import RosterIndex, RoleRequest, index_from_columns, rank, rank_naive
from responders.roster.columns import generate_columns
from responders.roster.generator import experts_from_columns

from .strategies import expert, reservations, role, roster

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_same(index_ranking, naive_ranking) -> None:
    assert index_ranking.model_dump() == naive_ranking.model_dump()


@SETTINGS
@given(data=st.data(), experts=roster(max_size=40), k=st.integers(1, 12), near=st.integers(0, 6))
def test_rank_equals_naive_on_random_rosters(data, experts, k, near):
    r = data.draw(role(lenient=data.draw(st.booleans())))
    res = data.draw(reservations(experts))
    # max_slots=1 sends every second window or deployment to the overflow pool
    index = RosterIndex.from_experts(experts, max_slots=data.draw(st.sampled_from([1, 2, 4])))
    got = rank(index, r, res, k=k, near_miss_count=near)
    assert_same(got, rank_naive(experts, r, res, k=k, near_miss_count=near))


@SETTINGS
@given(data=st.data(), experts=roster(min_size=1, max_size=25))
def test_rank_equals_naive_after_upserts_and_removals(data, experts):
    index = RosterIndex.from_experts(experts, max_slots=data.draw(st.sampled_from([1, 4])))
    current = {e.expert_id: e for e in experts}  # dict order = row order
    for step in range(data.draw(st.integers(1, 25))):
        ids = list(current) + [f"new{step}"]
        target = data.draw(st.sampled_from(ids))
        if target in current and data.draw(st.booleans()):
            index.remove(target)
            del current[target]
        else:
            changed = data.draw(expert(target))
            index.upsert(changed)
            current[target] = changed
    assert sorted(index.live_ids()) == sorted(current)
    r = data.draw(role())
    res = data.draw(reservations(list(current.values())))
    ordered = sorted(current.values(), key=lambda e: index.row_of(e.expert_id))
    assert_same(rank(index, r, res), rank_naive(ordered, r, res))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), start=st.integers(0, 120), duration=st.sampled_from([7, 30, 60, 90]),
       skills=st.dictionaries(st.sampled_from(["cash_for_work", "skills_vocational_training", "gender_equality",
                                               "occupational_safety_health", "enterprise_recovery"]),
                              st.integers(1, 5), max_size=2),
       country=st.sampled_from(["AFG", "TUR", "SYR", "PHL", "MEX", "SLV", "PNG", "UKR", "SDN", "HTI"]),
       kind=st.sampled_from(["disaster", "conflict"]))
def test_rank_equals_naive_on_generated_rosters(seed, start, duration, skills, country, kind):
    cols = generate_columns(600, seed)
    experts = experts_from_columns(cols)
    r = RoleRequest(role="r", skills=skills, start=date(2025, 1, 1) + timedelta(days=start), duration_days=duration,
                    countries=[country], kind=kind)
    res = [(experts[i].expert_id, r.start + timedelta(days=i % 40), r.start + timedelta(days=i % 40 + 5))
           for i in range(0, 600, 37)]
    expected = rank_naive(experts, r, res, k=15)
    assert_same(rank(index_from_columns(cols), r, res, k=15), expected)
    assert_same(rank(RosterIndex.from_experts(experts), r, res, k=15), expected)
