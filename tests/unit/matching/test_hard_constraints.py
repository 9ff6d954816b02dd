"""An unavailable, overlapping, resting, uncleared, inactive or under-qualified expert is never proposed."""

from __future__ import annotations

import pytest

from responders.matching import RosterIndex, fill_plan, rank, rank_naive

from .factories import day, deployment, make_expert, make_role

WINDOW = [{"start": day(-30), "end": day(200)}]
NO_CLEARANCE = {"cleared": False, "level": 0}

# (case, expert overrides, role overrides, reservations of the bad expert as (start day, end day), failed)
BAD = [
    ("no availability window", {"availability": []}, {}, [], ["availability"]),
    ("window ends before the role does", {"availability": [{"start": day(-30), "end": day(28)}]}, {}, [],
     ["availability"]),
    ("window starts after the role", {"availability": [{"start": day(1), "end": day(200)}]}, {}, [],
     ["availability"]),
    ("two windows, no single one covers", {"availability": [{"start": day(-30), "end": day(10)},
                                                            {"start": day(11), "end": day(200)}]}, {}, [],
     ["availability"]),
    ("planned deployment overlaps", {"deployments": [deployment("d1", 10, 40)]}, {}, [], ["overlap"]),
    ("current deployment ends on the first day", {"deployments": [deployment("d1", -20, 0, "current")]}, {}, [],
     ["overlap"]),
    ("completed deployment in the window", {"deployments": [deployment("d1", 29, 29, "completed")]}, {}, [],
     ["overlap"]),
    ("open offer overlaps", {}, {}, [(20, 50)], ["overlap"]),
    ("rest after the previous deployment", {"deployments": [deployment("d1", -20, -5, "completed")]}, {}, [],
     ["rest"]),
    ("rest is one day short", {"deployments": [deployment("d1", -40, -14, "completed")]}, {}, [], ["rest"]),
    ("rest before the next deployment", {"deployments": [deployment("d1", 35, 60)]}, {}, [], ["rest"]),
    ("rest after an open offer", {}, {}, [(-10, -3)], ["rest"]),
    ("uncleared for a conflict", {"clearance": NO_CLEARANCE}, {"kind": "conflict"}, [], ["clearance"]),
    ("uncleared for a civil-unrest hazard", {"clearance": NO_CLEARANCE}, {"kind": "other", "hazard": "civil_unrest"},
     [], ["clearance"]),
    ("uncleared for a high-risk disaster", {"clearance": NO_CLEARANCE}, {"high_risk": True}, [], ["clearance"]),
    ("clearance level too low", {"clearance": {"cleared": True, "level": 1}},
     {"high_risk": True, "min_clearance_level": 2}, [], ["clearance"]),
    ("longest accepted deployment too short", {"max_deployment_days": 29}, {}, [], ["max_duration"]),
    ("skill one level below the minimum", {"skills": {"employment_intensive_investment": 2}}, {}, [],
     ["skill:employment_intensive_investment"]),
    ("unavailable and overlapping", {"availability": [], "deployments": [deployment("d1", 0, 5)]}, {}, [],
     ["availability", "overlap"]),
]
NEVER_NEAR = [
    ("inactive", {"active": False}),
    ("skill two levels below the minimum", {"skills": {"employment_intensive_investment": 1}}),
    ("skill missing", {"skills": {"cash_for_work": 5}}),
    ("three constraints failed", {"availability": [], "max_deployment_days": 10, "clearance": NO_CLEARANCE}),
]
FINE = [
    ("cancelled deployment overlapping", {"deployments": [deployment("d1", 0, 29, "cancelled")]}),
    ("rest exactly respected", {"deployments": [deployment("d1", -40, -15, "completed")]}),
    ("next deployment after exactly the rest", {"deployments": [deployment("d1", 44, 60)]}),
    ("no rest needed", {"rest_days": 0, "deployments": [deployment("d1", -10, -1, "completed"),
                                                        deployment("d2", 30, 40)]}),
    ("window exactly the role's days", {"availability": [{"start": day(0), "end": day(29)}]}),
    ("uncleared for an ordinary disaster", {"clearance": NO_CLEARANCE}),
    ("longest accepted deployment exactly the duration", {"max_deployment_days": 30}),
]


def _world(bad_overrides: dict, role_overrides: dict, reserved: list[tuple[int, int]]):
    # the bad expert is better on every soft part than the good one, so only a hard constraint can exclude it
    bad = make_expert("bad", **{"seniority": "principal", "duty_station": {"country": "TUR", "city": "Ankara"},
                                **bad_overrides})
    good = make_expert("good", seniority="junior")
    role = make_role(**role_overrides)
    reservations = [("bad", day(a), day(b)) for a, b in reserved]
    return [bad, good], role, reservations


@pytest.mark.parametrize("case,expert,role_over,reserved,failed", BAD, ids=[c[0] for c in BAD])
def test_failing_expert_is_never_proposed_and_is_a_near_miss(case, expert, role_over, reserved, failed):
    experts, role, reservations = _world(expert, role_over, reserved)
    index = RosterIndex.from_experts(experts)
    for ranking in (rank(index, role, reservations), rank_naive(experts, role, reservations)):
        assert [c.expert_id for c in ranking.candidates] == ["good"]
        assert [(n.expert_id, n.failed) for n in ranking.near_misses] == [("bad", failed)]
    plan = fill_plan(index, [role.model_copy(update={"count": 2})], reservations)
    assert [c.expert_id for c in plan.roles[0].assigned] == ["good"]
    assert plan.roles[0].unfilled == 1


@pytest.mark.parametrize("case,expert", NEVER_NEAR, ids=[c[0] for c in NEVER_NEAR])
def test_far_misses_are_neither_candidates_nor_near_misses(case, expert):
    experts, role, _ = _world(expert, {"kind": "conflict"} if "clearance" in expert else {}, [])
    index = RosterIndex.from_experts(experts)
    for ranking in (rank(index, role), rank_naive(experts, role)):
        assert [c.expert_id for c in ranking.candidates] == ["good"]
        assert ranking.near_misses == []


@pytest.mark.parametrize("case,expert", FINE, ids=[c[0] for c in FINE])
def test_boundary_cases_that_are_eligible(case, expert):
    experts, role, _ = _world(expert, {}, [])
    index = RosterIndex.from_experts(experts)
    for ranking in (rank(index, role), rank_naive(experts, role)):
        assert [c.expert_id for c in ranking.candidates] == ["bad", "good"]


def test_reservation_of_an_unknown_expert_is_ignored():
    experts, role, _ = _world({}, {}, [])
    ranking = rank(RosterIndex.from_experts(experts), role, [("nobody", day(0), day(5))])
    assert [c.expert_id for c in ranking.candidates] == ["bad", "good"]


def test_reservations_are_respected_across_a_plan():
    experts = [make_expert(f"e{i}") for i in range(4)]
    index = RosterIndex.from_experts(experts)
    roles = [make_role(role="a", count=2), make_role(role="b", count=2, start=day(10))]
    plan = fill_plan(index, roles, [("e0", day(5), day(6)), ("e3", day(100), day(120))])
    seated = [c.expert_id for r in plan.roles for c in r.assigned]
    assert "e0" not in seated and len(seated) == len(set(seated)) == 3


def test_results_are_built_with_every_field_given():
    """model_construct given every field: pydantic 2.14 inspects a left-out field's default factory at each call
    (`inspect.signature(list)`, some 200 us), which made a quarter of the planning owner's time."""
    experts, role, reservations = _world({"deployments": [deployment("d1", 10, 40)]}, {}, [])
    index = RosterIndex.from_experts(experts)
    ranking = rank(index, role, reservations)
    built = [ranking, *ranking.candidates, *ranking.near_misses]
    plan = fill_plan(index, [role.model_copy(update={"count": 2})], reservations, near_misses_when_filled=True)
    built += [plan, *plan.roles, *(c for r in plan.roles for c in [*r.assigned, *r.alternates, *r.near_misses])]
    assert ranking.near_misses and plan.roles[0].near_misses
    for model in built:
        assert model.model_fields_set == set(type(model).model_fields), type(model).__name__
