"""The owner of a crisis's response, driven through its pure `decide` over an in-memory table, with the experts'
ledgers answering through theirs: approval starts offers, ledger answers turn into requests, experts answer (only
their own), the sweep expires, closing withdraws."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from config.plan_templates import load_templates
from responders.deployments import ledger
from responders.deployments.commands import AnswerRequest, ExpireDue
from responders.deployments.ledger import ConfirmHold, HoldDecided, HoldExpert, ReleaseHold
from responders.deployments.machine import RequestState
from responders.deployments.owner import StaffingConfig, notification_for, overdue, public_data, seats_summary
from responders.deployments.staffing import DeploymentEvent
from responders.matching import rank, rank_partner_asks
from responders.matching.index import RosterIndex
from responders.messages import MemoryTable, Received
from responders.plans.matcher import relaxed_request
from responders.plans.models import PlanEvent
from responders.response.owner import ResponseContext, decide
from responders.roster import generate_roster
from tests.factories import crisis_recorded, plan_command

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
CONFIG = StaffingConfig(parallel=1, answer_hours={"extreme": 4, "severe": 12}, answer_otherwise=24)


@pytest.fixture(scope="module")
def roster():
    experts, partners = generate_roster(400, 30, seed=11, epoch=date(2026, 3, 1))
    return RosterIndex.from_experts(experts), partners


class Owner:
    """Delivers messages to the response owner's decide like its agent, and answers its holds with the ledger
    owner's decide like the ledger agent; tables are dicts."""

    def __init__(self, roster, relaxed=()):
        self.index, partners = roster
        self.relaxed = list(relaxed)
        self.ctx = ResponseContext(templates=load_templates(), index=lambda: self.index,
                                   rank_asks=lambda asks: rank_partner_asks(partners, asks, k=5), relax=self.relax,
                                   staffing=CONFIG)
        self.table, self.ledgers = MemoryTable(), MemoryTable()
        self.events, self.results, self.n = [], [], 0
        self.deliver(crisis_recorded(at=NOW), NOW)

    def relax(self, intervention, role, exclude):
        return [e for e in self.relaxed if e not in exclude]

    def deliver(self, message, now=NOW, settle=True) -> list:
        decision = decide(self.ctx, self.table, [Received(message, partition=0)], now)
        assert not decision.rejected, decision.rejected
        self.table.apply(decision)
        self.events += [e for e in decision.emits if isinstance(e, DeploymentEvent)]
        self.results += [e.result for e in decision.emits if isinstance(e, PlanEvent) and e.result is not None]
        for action in decision.emits:
            if isinstance(action, HoldExpert) and settle:
                self.hold(action, now)
        return decision.emits

    def hold(self, ask: HoldExpert, now):
        decision = ledger.decide(self.ledgers, [Received(ask, partition=0)], now, rest_days=lambda _e: 0)
        self.ledgers.apply(decision)
        self.n += 1
        for answer in decision.emits:
            self.deliver(answer, now)

    @property
    def book(self):
        return self.table.rows["cri-1"].plans

    def approve(self, settle=True):
        plan = self.book.plans[0]
        self.deliver(plan_command("approve_plan", plan.plan_id, cid="cmd-approve", at=NOW), settle=settle)
        return self.book.interventions[0].intervention_id

    @property
    def staffing(self):
        return next(iter(self.table.rows["cri-1"].staffing.values()))

    def answer(self, request_id, expert_id, accept, cid, at=NOW, reason=None):
        self.deliver(AnswerRequest(command_id=cid, crisis_id="cri-1", intervention_id=self.staffing.intervention_id,
                                   request_id=request_id, expert_id=expert_id, accept=accept, reason=reason,
                                   actor="tok-expert", role="expert", issued_at=at), at)
        return self.results[-1]

    def expire(self, cid, at, iv):
        return self.deliver(ExpireDue(command_id=cid, crisis_id="cri-1", intervention_id=iv, actor="expiry-sweep",
                                      role="system", issued_at=at), at)


def test_approval_offers_every_seat_and_tells_each_expert(roster):
    owner = Owner(roster)
    iv = owner.approve()
    st = owner.table.rows["cri-1"].staffing[iv]
    seats = len(st.seats)
    assert seats == sum(r.count for r in owner.book.interventions[0].plan.roles)
    offered = [r for r in st.requests.values() if r.state is RequestState.OFFERED]
    assert len(offered) == sum(1 for s in st.seats if s.candidates)
    assert [e.type for e in owner.events].count("rrc.deployment.requested") == len(offered)
    req = offered[0]
    assert req.respond_by - req.offered_at == timedelta(hours=12)  # severe
    note = notification_for(next(e for e in owner.events if e.request_id == req.request_id), st)
    assert note.expert_id == req.expert_id and req.request_id in note.text
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
    owner.answer(req.request_id, req.expert_id, True, "cmd-late", at=late)
    assert len(owner.events) == n_events and len(owner.results) == n_results  # redelivered command: no effect


def test_the_sweep_expires_overdue_offers_once_and_the_seats_move_on(roster):
    owner = Owner(roster)
    iv = owner.approve()
    st = owner.staffing
    assert not overdue(st, NOW + timedelta(hours=11))
    later = NOW + timedelta(hours=13)
    assert overdue(st, later) and overdue(st.model_dump(mode="json"), later)
    open_before = [r.request_id for r in st.requests.values() if r.state is RequestState.OFFERED]
    owner.expire("expire-1", later, iv)
    expired = [e for e in owner.events if e.type == "rrc.deployment.expired"]
    assert sorted(e.request_id for e in expired) == sorted(open_before)
    n = len(owner.events)
    owner.expire("expire-2", later, iv)
    assert len(owner.events) == n  # the new offers were made at `later`: nothing is overdue


def test_a_refused_hold_moves_to_the_next_candidate_and_closing_withdraws_and_releases(roster):
    owner = Owner(roster)
    plan = owner.book.plans[0]
    out = owner.deliver(plan_command("approve_plan", plan.plan_id, cid="cmd-approve", at=NOW), settle=False)
    asks = [a for a in out if isinstance(a, HoldExpert)]
    first = asks[0]
    owner.deliver(HoldDecided(request_id=first.request_id, expert_id=first.expert_id,
                              intervention_id=first.intervention_id, crisis_id="cri-1", granted=False,
                              reason="held for another crisis", decided_at=NOW))
    seat = next(s for s in owner.staffing.seats if first.expert_id in s.tried)
    assert len(seat.tried) == 2 and not any(r.expert_id == first.expert_id for r in owner.staffing.requests.values())
    iv = owner.book.interventions[0].intervention_id
    closed = owner.deliver(plan_command("close_intervention", intervention_id=iv, cid="cmd-close", at=NOW))
    assert owner.staffing.closed
    assert all(r.state is RequestState.WITHDRAWN for r in owner.staffing.requests.values())
    assert {a.request_id for a in closed if isinstance(a, ReleaseHold)} == set(owner.staffing.requests)
    assert not any(isinstance(a, ConfirmHold) for a in closed)


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


def test_every_inbox_message_has_one_handler_and_one_owner():
    from responders.messages import Message
    from responders.registry import HANDLERS, OWNERS, inbox

    assert set(HANDLERS) == {c for owner in OWNERS.values() for c in owner}
    assert sum(len(h) for h in OWNERS.values()) == len(HANDLERS), "no class is registered with two owners"
    for owner in OWNERS:
        for cls in inbox(owner):
            assert cls.__name__ == "Signal" or issubclass(cls, Message), cls
