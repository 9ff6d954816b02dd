"""Resource requests through their states, and partners' capacity ledgers: a partial commitment and a decline and
an expiry send the remainder on in rank order; nobody left warns once; capacity is never promised twice."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from responders.messages import MemoryTable, Received
from responders.plans.models import PlanEvent
from responders.resources.capacity import CommitResource, ReleaseResource, ResourceCommitted, decide, in_use
from responders.resources.requests import (
    Fulfilment,
    ReleaseCapacity,
    RequestState,
    ResourceEvent,
    ResourceRefused,
    commit,
    confirm_receipt,
    decline,
    expire_due,
    next_due,
    report_status,
    start_resources,
    summary,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)
H = timedelta(hours=1)


def intervention(partners=("ptn-a", "ptn-b", "ptn-c", "ptn-d"), quantity=100) -> dict:
    return {"intervention_id": "int-r", "crisis_id": "cri-r", "launched_at": T0.isoformat(), "exercise": False,
            "plan": {"title": "M7.8 earthquake", "severity": "severe", "countries": ["TUR"],
                     "roles": [{"start": "2026-03-03", "duration_days": 60}],
                     "partner_asks": [{"capability": "logistics", "quantity": quantity, "unit": "trucks",
                                       "needed_within_days": 7, "phase": "relief",
                                       "partners": [{"partner_id": p, "organisation": p.upper()} for p in partners],
                                       "chosen": [partners[0]]}]}}


def types(step) -> list[str]:
    return [a.type for a in step.actions if isinstance(a, ResourceEvent)]


def open_request(res):
    return next(r for r in res.requests.values() if r.state is RequestState.REQUESTED)


def test_partial_decline_and_expiry_send_the_remainder_on_until_it_is_all_committed():
    step = start_resources(intervention(), T0)
    assert types(step) == ["rrc.resource.requested"]
    first = open_request(step.resources)
    assert (first.partner_id, first.quantity, first.needed_by) == ("ptn-a", 100, date(2026, 3, 9))
    assert first.respond_by == T0 + 24 * H  # severe: a day to answer
    step = commit(step.resources, first.request_id, "ptn-a", 60, date(2026, 3, 5), T0 + H)
    assert types(step) == ["rrc.resource.committed", "rrc.resource.requested"]
    second = open_request(step.resources)
    assert (second.partner_id, second.quantity) == ("ptn-b", 40)
    step = decline(step.resources, second.request_id, "ptn-b", "no trucks free", T0 + 2 * H)
    third = open_request(step.resources)
    assert third.partner_id == "ptn-c" and types(step) == ["rrc.resource.declined", "rrc.resource.requested"]
    assert next_due(step.resources) == third.respond_by
    assert not expire_due(step.resources, third.respond_by - H).actions, "not yet due"
    step = expire_due(step.resources, third.respond_by + H)
    fourth = open_request(step.resources)
    assert fourth.partner_id == "ptn-d" and fourth.quantity == 40
    step = commit(step.resources, fourth.request_id, "ptn-d", 40, None, third.respond_by + 2 * H)
    [ask] = summary(step.resources)
    assert ask["committed"] == 100 and ask["pending"] == 0 and ask["partners_asked"] == ["ptn-a", "ptn-b", "ptn-c",
                                                                                          "ptn-d"]
    assert types(step) == ["rrc.resource.committed"], "nothing left to ask"
    ids = [a.event_id for s in (step,) for a in s.actions]
    assert len(ids) == len(set(ids))


def test_nobody_left_warns_once_naming_the_ask():
    step = start_resources(intervention(partners=("ptn-a",)), T0)
    step = decline(step.resources, open_request(step.resources).request_id, "ptn-a", "busy", T0 + H)
    assert types(step) == ["rrc.resource.declined", "rrc.delivery.warning"]
    warning = step.actions[-1]
    assert "logistics" in warning.detail and "0 of 100 trucks" in warning.detail
    assert not types(expire_due(step.resources, T0 + 100 * H))


def test_answers_are_refused_when_they_no_longer_fit():
    step = start_resources(intervention(), T0)
    request = open_request(step.resources)
    with pytest.raises(ResourceRefused) as other:
        decline(step.resources, request.request_id, "ptn-b", "not mine", T0)
    assert other.value.code == 404, "another partner's request is as if not there"
    with pytest.raises(ResourceRefused, match="quantity"):
        commit(step.resources, request.request_id, "ptn-a", 101, None, T0)
    late = expire_due(step.resources, T0 + 30 * H)
    with pytest.raises(ResourceRefused) as gone:
        commit(late.resources, request.request_id, "ptn-a", 10, None, T0 + 31 * H)
    assert gone.value.code == 410


def test_fulfilment_moves_quantities_and_a_full_return_releases_the_capacity():
    step = start_resources(intervention(), T0)
    request = open_request(step.resources)
    res = commit(step.resources, request.request_id, "ptn-a", 100, None, T0).resources
    res = report_status(res, request.request_id, "ptn-a", Fulfilment.DISPATCHED, 100, T0 + H).resources
    res = report_status(res, request.request_id, "ptn-a", Fulfilment.ARRIVED, 70, T0 + 2 * H).resources
    with pytest.raises(ResourceRefused, match="cannot be arrived"):
        report_status(res, request.request_id, "ptn-a", Fulfilment.ARRIVED, 31, T0 + 3 * H)
    res = report_status(res, request.request_id, "ptn-a", Fulfilment.ARRIVED, 30, T0 + 3 * H).resources
    res = confirm_receipt(res, request.request_id, 100, T0 + 4 * H, by="tok-coordinator").resources
    line = res.requests[request.request_id]
    assert (line.in_transit, line.fulfilled, line.received) == (0, 100, 100)
    done = report_status(res, request.request_id, "ptn-a", Fulfilment.RETURNED, 100, T0 + 50 * H)
    assert any(isinstance(a, ReleaseCapacity) for a in done.actions)


def commit_command(n: int, request: str, quantity: float, start=date(2026, 3, 9), end=date(2026, 5, 1)):
    return CommitResource(command_id=f"c-{n}", request_id=request, partner_id="ptn-a", crisis_id=f"cri-{n}",
                          intervention_id=f"int-{n}", capability="logistics", unit="trucks", quantity=quantity,
                          start=start, end=end, actor="tok-a", role="partner", issued_at=T0)


def run(table, command):
    decision = decide(table, [Received(command, 0)], T0, lambda p, c, u: 60.0 if (c, u) == ("logistics", "trucks")
                      else None)
    table.apply(decision)
    return decision.emits


def test_the_capacity_ledger_never_commits_beyond_what_the_partner_declares():
    table = MemoryTable()
    [ok] = run(table, commit_command(1, "rsr-1", 40))
    assert isinstance(ok, ResourceCommitted) and ok.quantity == 40 and ok.key == "cri-1"
    [refused] = run(table, commit_command(2, "rsr-2", 30))  # another crisis, the same days: 20 remain
    assert isinstance(refused, PlanEvent) and refused.result.status_code == 409
    assert "20 of 60 remaining" in refused.result.detail
    [later] = run(table, commit_command(3, "rsr-3", 60, start=date(2026, 6, 1), end=date(2026, 7, 1)))
    assert isinstance(later, ResourceCommitted), "days that do not overlap do not add up"
    [again] = run(table, commit_command(1, "rsr-1", 40))
    assert isinstance(again, ResourceCommitted), "a replay forwards the same answer"
    assert in_use(table.rows["ptn-a"], "logistics", "trucks", date(2026, 3, 9), date(2026, 5, 1)) == 40
    run(table, ReleaseResource(request_id="rsr-1", partner_id="ptn-a"))
    [now_ok] = run(table, commit_command(4, "rsr-4", 60))
    assert isinstance(now_ok, ResourceCommitted)
    nothing = decide(MemoryTable(), [Received(commit_command(5, "rsr-5", 1).model_copy(update={"unit": "boats"}), 0)],
                     T0, lambda p, c, u: None).emits
    assert nothing[0].result.status_code == 409 and "declares no boats" in nothing[0].result.detail


def test_the_crisis_owner_records_a_commitment_once_and_gives_back_only_what_it_did_not_record():
    from types import SimpleNamespace

    from responders.deployments.owner import StaffingConfig
    from responders.response.book import ResponseBook
    from responders.response.owner import on_resource_committed

    ctx = SimpleNamespace(staffing=StaffingConfig())  # what the handler reads of the context: answer windows

    res = start_resources(intervention(), T0).resources
    request = open_request(res)
    book = ResponseBook.new("cri-r").model_copy(update={"resources": {"int-r": res}})

    def committed(command_id: str, request_id: str, quantity: float) -> ResourceCommitted:
        return ResourceCommitted(command_id=command_id, request_id=request_id, partner_id="ptn-a",
                                 crisis_id="cri-r", intervention_id="int-r", quantity=quantity, actor="tok-a",
                                 decided_at=T0 + H)

    book, emits = on_resource_committed(book, committed("c-1", request.request_id, 100), ctx, T0 + H)
    assert book.resources["int-r"].requests[request.request_id].state is RequestState.COMMITTED
    assert [e.result.status_code for e in emits if isinstance(e, PlanEvent) and e.result] == [201]
    # the same commitment again under another command id (a repeat the owner no longer remembers): refused, kept
    book, emits = on_resource_committed(book, committed("c-2", request.request_id, 100), ctx, T0 + 2 * H)
    assert not any(isinstance(e, ReleaseResource) for e in emits)
    assert book.resources["int-r"].requests[request.request_id].committed == 100
    # a commitment for a request that expired meanwhile: refused, and the ledger's hold is given back
    late = expire_due(start_resources(intervention(), T0).resources, T0 + 30 * H).resources
    gone = next(r for r in late.requests.values() if r.state is RequestState.EXPIRED)
    other = ResponseBook.new("cri-r").model_copy(update={"resources": {"int-r": late}})
    _, emits = on_resource_committed(other, committed("c-3", gone.request_id, 100), ctx, T0 + 31 * H)
    assert any(isinstance(e, ReleaseResource) and e.request_id == gone.request_id for e in emits)
