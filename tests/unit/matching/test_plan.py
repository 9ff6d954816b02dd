"""fill_plan finds the optimum a brute force finds: most seats filled, then the highest total score."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from responders.matching import RosterIndex, fill_plan, rank_naive
from responders.matching.exceptions import EmptyPlan

from .factories import make_expert, make_role
from .strategies import reservations, role, roster


def brute_force(experts, roles, res) -> tuple[int, float]:
    """(filled seats, total score) of the best assignment, trying every way to seat the experts."""
    scores = [{c.expert_id: c.score for c in rank_naive(experts, r, res, k=len(experts)).candidates} for r in roles]
    seats = [i for i, r in enumerate(roles) for _ in range(r.count)]
    best = (0, 0.0)

    def place(s: int, used: frozenset, filled: int, total: float) -> None:
        nonlocal best
        if s == len(seats):
            if (filled, total) > (best[0], best[1] + 1e-12):
                best = (filled, total)
            return
        place(s + 1, used, filled, total)
        for eid, score in scores[seats[s]].items():
            if eid not in used:
                place(s + 1, used | {eid}, filled + 1, total + score)

    place(0, frozenset(), 0, 0.0)
    return best


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), experts=roster(max_size=7, lenient=True), n_roles=st.integers(1, 3))
def test_fill_plan_is_optimal(data, experts, n_roles):
    roles = [data.draw(role(f"r{i}", max_count=2, lenient=True)) for i in range(n_roles)]
    res = data.draw(reservations(experts, max_size=3))
    plan = fill_plan(RosterIndex.from_experts(experts), roles, res)
    filled, total = brute_force(experts, roles, res)
    assert plan.filled == filled
    assert plan.total_score == pytest.approx(total, abs=1e-9)

    seated = [c.expert_id for r in plan.roles for c in r.assigned]
    assert len(seated) == len(set(seated)), "an expert holds two seats"
    for r, fill in zip(roles, plan.roles):
        eligible = {c.expert_id: c.score for c in rank_naive(experts, r, res, k=len(experts)).candidates}
        assert len(fill.assigned) + fill.unfilled == r.count
        for c in fill.assigned:
            assert c.score == eligible[c.expert_id]
            assert abs(sum(c.score_parts.values()) - c.score) <= 1e-9
        assert not {c.expert_id for c in fill.alternates} & set(seated)


def test_a_seat_goes_to_the_expert_only_one_role_can_use():
    # e1 is the best for both roles but only e1 can do role b: the optimum gives a to e2 and b to e1
    e1 = make_expert("e1", seniority="principal", skills={"employment_intensive_investment": 5, "cash_for_work": 4})
    e2 = make_expert("e2", seniority="junior")
    index = RosterIndex.from_experts([e1, e2])
    a = make_role(role="a")
    b = make_role(role="b", skills={"cash_for_work": 3})
    plan = fill_plan(index, [a, b])
    assert [[c.expert_id for c in r.assigned] for r in plan.roles] == [["e2"], ["e1"]]
    assert plan.filled == plan.seats == 2


def test_greedy_would_leave_a_seat_empty():
    # filling role a first with its best (e1) would leave b empty; the plan fills both
    e1 = make_expert("e1", seniority="principal", skills={"employment_intensive_investment": 5, "gender_equality": 3})
    e2 = make_expert("e2", seniority="junior")
    plan = fill_plan(RosterIndex.from_experts([e1, e2]),
                     [make_role(role="a"), make_role(role="b", skills={"gender_equality": 3})])
    assert plan.filled == 2


def test_empty_plan_is_refused():
    with pytest.raises(EmptyPlan):
        fill_plan(RosterIndex.from_experts([make_expert()]), [])


def test_alternates_and_unfilled_seats():
    experts = [make_expert(f"e{i}") for i in range(5)]
    plan = fill_plan(RosterIndex.from_experts(experts), [make_role(count=2), make_role(role="x", count=7)],
                     alternates=2)
    assert plan.seats == 9 and plan.filled == 5
    assert sum(r.unfilled for r in plan.roles) == 4
    assert all(r.alternates == [] for r in plan.roles)
