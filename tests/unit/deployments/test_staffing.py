"""Seat staffing with escalation, driven through an in-memory ledger owner: declines and silence move seats on,
relaxed rematching runs once, then a warning; no expert is ever held twice for overlapping days."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from responders.deployments.ledger import (
    ConfirmHold,
    ExpertLedger,
    Hold,
    HoldExpert,
    ReleaseHold,
    confirm,
    release,
    try_hold,
)
from responders.deployments.machine import RequestState, TransitionRefused
from responders.deployments.staffing import (
    DeploymentEvent,
    Rematch,
    Staffing,
    add_candidates,
    on_answer,
    on_hold,
    start_staffing,
    sweep,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def intervention(iid: str, roles: list[tuple[str, int, list[str]]], start="2026-03-04") -> dict:
    return {"intervention_id": iid, "crisis_id": f"cri-{iid}", "plan_id": f"pln-{iid}",
            "plan": {"title": "M7.8", "severity": "severe", "countries": ["TUR"],
                     "roles": [{"role": name, "count": count, "start": start, "duration_days": 20,
                                "chosen": pool[:count], "candidates": [{"expert_id": e} for e in pool]}
                               for name, count, pool in roles]}}


class World:
    """The ledger owner and the event log: carries out a step's actions like the agents would."""

    def __init__(self, relaxed_pool=()):
        self.ledgers: dict[str, ExpertLedger] = {}
        self.events: list[DeploymentEvent] = []
        self.relaxed_pool = list(relaxed_pool)

    def run(self, step, now):
        st = step.staffing
        queue = list(step.actions)
        while queue:
            action = queue.pop(0)
            if isinstance(action, DeploymentEvent):
                self.events.append(action)
            elif isinstance(action, HoldExpert):
                ledger = self.ledgers.get(action.expert_id, ExpertLedger(expert_id=action.expert_id))
                ledger, decision = try_hold(ledger, Hold(request_id=action.request_id,
                                                         intervention_id=action.intervention_id,
                                                         crisis_id=action.crisis_id, start=action.start,
                                                         end=action.end))
                self.ledgers[action.expert_id] = ledger
                nxt = on_hold(st, action.request_id, decision, now)
                st, queue = nxt.staffing, queue + nxt.actions
            elif isinstance(action, ReleaseHold):
                self.ledgers[action.expert_id] = release(self.ledgers[action.expert_id], action.request_id)
            elif isinstance(action, ConfirmHold):
                self.ledgers[action.expert_id] = confirm(self.ledgers[action.expert_id], action.request_id)
            elif isinstance(action, Rematch):
                nxt = add_candidates(st, action.seat_key, [e for e in self.relaxed_pool if e not in action.exclude],
                                     now)
                st, queue = nxt.staffing, queue + nxt.actions
        return st

    def types(self):
        return [e.type for e in self.events]


def offered_to(st: Staffing, expert: str):
    return next(r for r in st.requests.values() if r.expert_id == expert and r.state is RequestState.OFFERED)


def test_ten_seats_half_the_first_choices_decline_or_stay_silent_and_all_get_filled():
    pool = [f"e{i:02d}" for i in range(30)]
    world = World()
    st = world.run(start_staffing(intervention("int-1", [("assessor", 10, pool)]), T0), T0)
    assert len([r for r in st.requests.values() if r.state is RequestState.OFFERED]) == 10
    now = T0 + timedelta(hours=1)
    for i, expert in enumerate(pool[:10]):
        request = offered_to(st, expert)
        if i % 2 == 0:
            st = world.run(on_answer(st, request.request_id, True, now, by=expert), now)
        elif i % 4 == 1:
            st = world.run(on_answer(st, request.request_id, False, now, by=expert, reason="unavailable"), now)
        # the others never answer
    later = T0 + timedelta(hours=13)  # past the 12 h deadline of severe crises
    st = world.run(sweep(st, later), later)
    for request in [r for r in st.requests.values() if r.state is RequestState.OFFERED]:
        st = world.run(on_answer(st, request.request_id, True, later, by=request.expert_id), later)
    assert all(s.filled_by for s in st.seats)
    seated = [s.filled_by for s in st.seats]
    assert len(set(seated)) == 10
    types = world.types()
    assert types.count("rrc.deployment.accepted") == 10 and types.count("rrc.role.filled") == 1
    assert types.count("rrc.deployment.declined") == 3 and types.count("rrc.deployment.expired") == 2
    assert types.count("rrc.deployment.escalated") == 5
    assert len({e.event_id for e in world.events}) == len(world.events)
    for expert, ledger in world.ledgers.items():
        assert len(ledger.holds) <= 1, expert
    assert all(world.ledgers[e].holds[0].status == "confirmed" for e in seated)


def test_two_interventions_wanting_the_same_expert_at_once_only_one_gets_them():
    world = World()
    a = world.run(start_staffing(intervention("int-a", [("engineer", 1, ["star", "a2"])]), T0), T0)
    b = world.run(start_staffing(intervention("int-b", [("engineer", 1, ["star", "b2"])]), T0), T0)
    assert [r.expert_id for r in a.requests.values()] == ["star"]
    assert [r.expert_id for r in b.requests.values()] == ["b2"], "the held expert is skipped"
    assert [h.crisis_id for h in world.ledgers["star"].holds] == ["cri-int-a"]
    # once star declines a, they are free for a later period only; b keeps b2
    a = world.run(on_answer(a, offered_to(a, "star").request_id, False, T0, by="star", reason="no"), T0)
    assert not world.ledgers["star"].holds and offered_to(a, "a2")


def test_an_accept_after_the_deadline_is_refused_and_the_seat_moves_on():
    world = World()
    st = world.run(start_staffing(intervention("int-1", [("assessor", 1, ["late", "next"])]), T0), T0)
    request = offered_to(st, "late")
    too_late = request.respond_by + timedelta(minutes=1)
    with pytest.raises(TransitionRefused) as exc:
        on_answer(st, request.request_id, True, too_late, by="late")
    assert exc.value.code == 410
    st = world.run(exc.value.step, too_late)
    assert st.requests[request.request_id].state is RequestState.EXPIRED
    assert offered_to(st, "next") and not world.ledgers["late"].holds
    assert world.types()[-3:] == ["rrc.deployment.expired", "rrc.deployment.escalated", "rrc.deployment.requested"]


def test_parallel_offers_withdraw_the_others_when_one_accepts():
    world = World()
    st = world.run(start_staffing(intervention("int-1", [("assessor", 1, ["p1", "p2", "p3"])]), T0, parallel=2), T0)
    assert {r.expert_id for r in st.requests.values()} == {"p1", "p2"}
    st = world.run(on_answer(st, offered_to(st, "p2").request_id, True, T0, by="p2"), T0)
    states = {r.expert_id: r.state for r in st.requests.values()}
    assert states == {"p1": RequestState.WITHDRAWN, "p2": RequestState.CONFIRMED}
    assert not world.ledgers["p1"].holds and world.ledgers["p2"].holds[0].status == "confirmed"


def test_an_exhausted_seat_is_rematched_relaxed_once_then_warned():
    world = World(relaxed_pool=["r1"])
    st = world.run(start_staffing(intervention("int-1", [("assessor", 1, ["only"])]), T0), T0)
    st = world.run(on_answer(st, offered_to(st, "only").request_id, False, T0, by="only", reason="sick"), T0)
    assert offered_to(st, "r1"), "relaxed matching found r1"
    st = world.run(on_answer(st, offered_to(st, "r1").request_id, False, T0, by="r1", reason="busy"), T0)
    assert world.types()[-1] == "rrc.delivery.warning"
    assert "no candidate left for assessor seat 1" in world.events[-1].detail
    assert st.seats[0].warned and st.seats[0].relaxed and not st.seats[0].filled_by


def test_mission_reminders_come_due_once_each():
    from responders.deployments.owner import next_deadline
    from responders.deployments.staffing import on_mission

    world = World()
    st = world.run(start_staffing(intervention("int-1", [("assessor", 1, ["ana"])]), T0), T0)
    rid = offered_to(st, "ana").request_id
    st = world.run(on_answer(st, rid, True, T0 + timedelta(hours=1), by="ana"), T0)
    request = st.requests[rid]
    assert request.state is RequestState.CONFIRMED
    not_arrived = datetime(2026, 3, 5, tzinfo=timezone.utc)  # the day after the start (2026-03-04)
    assert next_deadline(st) == not_arrived
    assert world.run(sweep(st, not_arrived - timedelta(minutes=1)), T0) == st  # nothing due yet
    step = sweep(st, not_arrived)
    st = world.run(step, not_arrived)
    assert [e.detail.split(":")[0] for e in step.actions] == ["not yet arrived"]
    assert sweep(st, not_arrived + timedelta(hours=5)).actions == []  # once
    st = world.run(on_mission(st, rid, RequestState.DEPLOYED, not_arrived, by="ana"), not_arrived)
    end_soon = datetime.combine(request.end - timedelta(days=3), datetime.min.time(), tzinfo=timezone.utc)
    assert next_deadline(st) == end_soon
    step = sweep(st, end_soon)
    assert [e.type for e in step.actions] == ["rrc.deployment.reminded"] and "approaching end" in step.actions[0].detail
    st = world.run(step, end_soon)
    assert next_deadline(st) is None and sweep(st, end_soon + timedelta(days=1)).actions == []


def test_an_extension_keeps_the_days_unless_another_hold_is_in_the_way():
    from datetime import date

    from responders.deployments.ledger import extend

    ledger = ExpertLedger(expert_id="ana")
    ledger, _ = try_hold(ledger, Hold(request_id="r1", intervention_id="i1", crisis_id="c1", start=date(2026, 3, 4),
                                      end=date(2026, 3, 23)))
    ledger, _ = try_hold(ledger, Hold(request_id="r2", intervention_id="i2", crisis_id="c2", start=date(2026, 4, 10),
                                      end=date(2026, 4, 30)))
    longer, granted = extend(ledger, "r1", date(2026, 4, 1))
    assert granted.granted and next(h for h in longer.holds if h.request_id == "r1").end == date(2026, 4, 1)
    clash, refused = extend(ledger, "r1", date(2026, 4, 15))
    assert not refused.granted and "c2" in refused.reason and clash == ledger
    assert not extend(ledger, "r1", date(2026, 4, 5), rest_days=7)[1].granted  # rest days count too


def test_a_seat_waits_for_a_candidate_asked_elsewhere_before_it_warns_and_never_warns_next_to_an_offer():
    world = World()
    iv = intervention("int-1", [("assessor", 1, ["xena"]), ("analyst", 1, ["xena"])])
    st = world.run(start_staffing(iv, T0), T0)
    assert "rrc.delivery.warning" not in world.types(), "xena is still being asked for the other seat"
    rid = offered_to(st, "xena").request_id
    st = world.run(on_answer(st, rid, True, T0 + timedelta(hours=1), by="xena"), T0 + timedelta(hours=1))
    assert world.types().count("rrc.delivery.warning") == 1  # now she is seated: the other seat has nobody left
    for seat in st.seats:
        assert not (seat.warned and (seat.open_requests or seat.pending))


def test_a_seat_whose_first_choice_is_held_elsewhere_looks_further_instead_of_waiting_on_an_open_offer():
    """Seen over the broker: another crisis held `ana` first, and seat 1's only other candidate (`ben`) had an open
    offer for seat 2. Waiting on ben can fill one seat at most, so seat 1 rematches and offers `cal` at once."""
    from responders.deployments.ledger import HoldDecision

    world = World(relaxed_pool=["cal"])
    iv = intervention("int-1", [("assessor", 2, ["ana", "ben"])])
    first = start_staffing(iv, T0)
    holds = {a.expert_id: a for a in first.actions if isinstance(a, HoldExpert)}
    assert set(holds) == {"ana", "ben"}
    st = world.run(on_hold(first.staffing, holds["ben"].request_id, HoldDecision(granted=True), T0), T0)
    st = world.run(on_hold(st, holds["ana"].request_id,
                           HoldDecision(granted=False, reason="held for cri-other"), T0), T0)
    assert {r.expert_id for r in st.requests.values() if r.state is RequestState.OFFERED} == {"ben", "cal"}
    assert "rrc.delivery.warning" not in world.types()
