"""The crisis owner's staffing, driven by commands as the planning agent receives them: approval starts offers,
ledger answers turn into requests, experts answer (only their own), the sweep expires, closing withdraws."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from config.plan_templates import load_templates
from responders.deployments.ledger import ExpertLedger, Hold, try_hold
from responders.deployments.machine import RequestState
from responders.deployments.owner import (
    StaffingConfig,
    handle_command,
    notification_for,
    overdue,
    public_data,
    relaxed_request,
    seats_summary,
)
from responders.deployments.staffing import AskHold, ConfirmHold, Release
from responders.matching import rank
from responders.matching.index import RosterIndex
from responders.plans import Command, PlanBook, on_crisis_event
from responders.roster import generate_roster

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
CONFIG = StaffingConfig(parallel=1, answer_hours={"extreme": 4, "severe": 12}, answer_otherwise=24)


@pytest.fixture(scope="module")
def roster():
    experts, partners = generate_roster(400, 30, seed=11, epoch=date(2026, 3, 1))
    return RosterIndex.from_experts(experts), partners


def crisis_message(severity="severe") -> dict:
    return {"event": {"event_id": "evt-1", "type": "rrc.crisis.opened", "crisis_id": "cri-1", "signal_id": "sig-1"},
            "crisis": {"crisis_id": "cri-1", "kind": "disaster", "hazard": "earthquake", "title": "M7.8 Kahramanmaras",
                       "countries": ["TUR"], "severity": severity, "exercise": False}}


def cmd(type_, cid, at=NOW, **fields) -> Command:
    actor = fields.pop("actor", "tok-coordinator")
    role = fields.pop("role", "coordinator")
    return Command(command_id=cid, type=type_, crisis_id="cri-1", actor=actor, role=role, issued_at=at, **fields)


class Owner:
    """Applies commands like the planning agent and answers the ledger's holds like the ledger agent."""

    def __init__(self, roster, relaxed=()):
        self.index, partners = roster
        self.book = on_crisis_event(PlanBook(crisis_id="cri-1"), crisis_message(), NOW, load_templates(), self.index,
                                    partners).book
        self.ledgers: dict[str, ExpertLedger] = {}
        self.events = []
        self.results = []
        self.relaxed = list(relaxed)
        self.n = 0

    def relax(self, intervention, role, exclude):
        return [e for e in self.relaxed if e not in exclude]

    def apply(self, command, now=NOW, settle=True):
        out = handle_command(self.book, command, now, CONFIG, self.relax)
        self.book = out.book
        self.events += out.deployment_events
        self.results += [e.result for e in out.plan_events if e.result is not None]
        for action in out.ledger:
            if isinstance(action, AskHold) and settle:
                self.hold(action, now)
        return out

    def hold(self, ask: AskHold, now):
        ledger = self.ledgers.get(ask.expert_id, ExpertLedger(expert_id=ask.expert_id))
        ledger, decision = try_hold(ledger, Hold(request_id=ask.request_id, intervention_id=ask.intervention_id,
                                                 crisis_id=ask.crisis_id, start=ask.start, end=ask.end))
        self.ledgers[ask.expert_id] = ledger
        self.n += 1
        self.apply(cmd("hold_result", f"hold-{ask.request_id}", now, intervention_id=ask.intervention_id,
                       request_id=ask.request_id, granted=decision.granted, reason=decision.reason,
                       actor="ledger", role="system"), now)

    def approve(self):
        plan = self.book.plans[0]
        self.apply(cmd("approve_plan", "cmd-approve", plan_id=plan.plan_id))
        return self.book.interventions[0].intervention_id

    @property
    def staffing(self):
        return next(iter(self.book.staffing.values()))

    def answer(self, request_id, expert_id, accept, cid, at=NOW, reason=None):
        self.apply(cmd("answer_request", cid, at, intervention_id=self.staffing.intervention_id,
                       request_id=request_id, expert_id=expert_id, accept=accept, reason=reason,
                       actor="tok-expert", role="expert"), at)
        return self.results[-1]


def test_approval_offers_every_seat_and_tells_each_expert(roster):
    owner = Owner(roster)
    iv = owner.approve()
    st = owner.book.staffing[iv]
    seats = len(st.seats)
    assert seats == sum(r.count for r in owner.book.interventions[0].plan.roles)
    offered = [r for r in st.requests.values() if r.state is RequestState.OFFERED]
    assert len(offered) == sum(1 for s in st.seats if s.candidates)
    assert [e.type for e in owner.events].count("rrc.deployment.requested") == len(offered)
    req = offered[0]
    assert req.respond_by - req.offered_at == timedelta(hours=12)  # severe
    note = notification_for(next(e for e in owner.events if e.request_id == req.request_id), st)
    assert note["expert_id"] == req.expert_id and req.request_id in note["text"]
    assert all(s["open_requests"] or not s["tried"] for s in seats_summary(st))


def test_accept_fills_the_seat_decline_escalates_and_another_expert_gets_404(roster):
    owner = Owner(roster)
    owner.approve()
    first, second = [r for r in owner.staffing.requests.values()][:2]
    other = owner.answer(first.request_id, second.expert_id, True, "cmd-wrong")
    assert other.status_code == 404
    ok = owner.answer(first.request_id, first.expert_id, True, "cmd-a1")
    assert ok.status_code == 200 and owner.staffing.requests[first.request_id].state is RequestState.CONFIRMED
    again = owner.answer(first.request_id, first.expert_id, False, "cmd-a2", reason="changed my mind")
    assert again.status_code == 409
    before = len(owner.staffing.requests)
    owner.answer(second.request_id, second.expert_id, False, "cmd-d1", reason="on leave")
    types = [e.type for e in owner.events]
    assert "rrc.deployment.declined" in types and "rrc.deployment.escalated" in types
    assert len(owner.staffing.requests) == before + 1  # the seat went to the next candidate
    escalated = next(e for e in owner.events if e.type == "rrc.deployment.escalated")
    assert second.expert_id not in (escalated.detail or "")


def test_a_replayed_answer_changes_nothing_and_a_late_answer_is_410_and_moves_the_seat_on(roster):
    owner = Owner(roster)
    owner.approve()
    req = next(iter(owner.staffing.requests.values()))
    n_events = len(owner.events)
    late = req.respond_by + timedelta(minutes=1)
    result = owner.answer(req.request_id, req.expert_id, True, "cmd-late", at=late)
    assert result.status_code == 410 and "expired" in result.detail
    assert owner.staffing.requests[req.request_id].state is RequestState.EXPIRED
    assert [e.type for e in owner.events[n_events:]][:2] == ["rrc.deployment.expired", "rrc.deployment.escalated"]
    n_events, n_results = len(owner.events), len(owner.results)
    owner.apply(cmd("answer_request", "cmd-late", late, intervention_id=owner.staffing.intervention_id,
                    request_id=req.request_id, expert_id=req.expert_id, accept=True, actor="tok-expert",
                    role="expert"), late)
    assert len(owner.events) == n_events and len(owner.results) == n_results  # redelivered command: no effect


def test_the_sweep_expires_overdue_offers_once_and_the_seats_move_on(roster):
    owner = Owner(roster)
    iv = owner.approve()
    st = owner.staffing
    assert not overdue(st, NOW + timedelta(hours=11))
    later = NOW + timedelta(hours=13)
    assert overdue(st, later) and overdue(st.model_dump(mode="json"), later)
    open_before = [r.request_id for r in st.requests.values() if r.state is RequestState.OFFERED]
    owner.apply(cmd("expire_due", "expire-1", later, intervention_id=iv, actor="expiry-sweep", role="system"), later)
    expired = [e for e in owner.events if e.type == "rrc.deployment.expired"]
    assert sorted(e.request_id for e in expired) == sorted(open_before)
    n = len(owner.events)
    owner.apply(cmd("expire_due", "expire-2", later, intervention_id=iv, actor="expiry-sweep", role="system"), later)
    assert len(owner.events) == n  # the new offers were made at `later`: nothing is overdue


def test_a_refused_hold_moves_to_the_next_candidate_and_closing_withdraws_and_releases(roster):
    owner = Owner(roster)
    plan = owner.book.plans[0]
    out = owner.apply(cmd("approve_plan", "cmd-approve", plan_id=plan.plan_id), settle=False)
    asks = [a for a in out.ledger if isinstance(a, AskHold)]
    first = asks[0]
    owner.apply(cmd("hold_result", f"hold-{first.request_id}", intervention_id=first.intervention_id,
                    request_id=first.request_id, granted=False, reason="held for another crisis",
                    actor="ledger", role="system"))
    seat = next(s for s in owner.staffing.seats if first.expert_id in s.tried)
    assert len(seat.tried) == 2 and not any(r.expert_id == first.expert_id for r in owner.staffing.requests.values())
    iv = owner.book.interventions[0].intervention_id
    closed = owner.apply(cmd("close_intervention", "cmd-close", intervention_id=iv))
    assert owner.staffing.closed
    assert all(r.state is RequestState.WITHDRAWN for r in owner.staffing.requests.values())
    assert {a.request_id for a in closed.ledger if isinstance(a, Release)} == set(owner.staffing.requests)
    assert not any(isinstance(a, ConfirmHold) for a in closed.ledger)


def test_public_copies_carry_the_role_not_the_expert(roster):
    owner = Owner(roster)
    owner.approve()
    iv = owner.book.interventions[0]
    experts = {e.expert_id for e in owner.events if e.expert_id}
    assert experts
    for event in owner.events:
        data = public_data(event, iv)
        text = repr(data)
        assert not any(x in text for x in experts) and "request_id" not in data and data["role"] == event.role


def test_relaxed_matching_lowers_skill_levels_and_drops_language_preference(roster):
    owner = Owner(roster)
    owner.approve()
    iv = owner.book.interventions[0]
    role = iv.plan.roles[0]
    relaxed = relaxed_request(iv, role)
    assert all(relaxed.skills[k] == max(1, v - 1) for k, v in role.skills.items())
    assert relaxed.preferred_languages == []
    strict = rank(owner.index, relaxed.model_copy(update={"skills": role.skills, "preferred_languages": None}), k=400)
    loose = rank(owner.index, relaxed, k=400)
    assert loose.eligible >= strict.eligible
