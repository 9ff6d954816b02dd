"""Every transition of a deployment request, and answers that arrive too late."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from responders.deployments.machine import (
    TRANSITIONS,
    DeploymentRequest,
    RequestState,
    TransitionRefused,
    answer,
    answer_deadline,
    expire_if_due,
    move,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def offered(severity="severe") -> DeploymentRequest:
    return DeploymentRequest(request_id="req-1", intervention_id="int-1", crisis_id="cri-1", plan_id="pln-1",
                             role="assessor", seat=1, expert_id="exp-1", offered_at=T0,
                             respond_by=answer_deadline(T0, severity), start=date(2026, 3, 4), end=date(2026, 3, 20),
                             place=["TUR"], crisis_title="M7.8", severity=severity)


@pytest.mark.parametrize("severity,hours", [("extreme", 4), ("severe", 12), ("moderate", 24), ("minor", 24)])
def test_the_answer_deadline_depends_on_severity(severity, hours):
    assert offered(severity).respond_by == T0 + timedelta(hours=hours)
    assert answer_deadline(T0, "severe", {"severe": 6}) == T0 + timedelta(hours=6)


@pytest.mark.parametrize("start", list(RequestState))
@pytest.mark.parametrize("to", list(RequestState))
def test_the_transition_table_is_enforced(start, to):
    request = offered().model_copy(update={"state": start})
    if to in TRANSITIONS[start]:
        moved = move(request, to, T0, by="tester")
        assert moved.state is to and moved.history[-1].state is to and moved.history[-1].by == "tester"
    else:
        with pytest.raises(TransitionRefused, match=f"is {start.value}; it cannot become {to.value}"):
            move(request, to, T0)


def test_the_lifecycle_offered_accepted_confirmed_deployed_completed():
    r = answer(offered(), True, T0 + timedelta(hours=1), by="exp-1")
    for state in (RequestState.CONFIRMED, RequestState.DEPLOYED, RequestState.COMPLETED):
        r = move(r, state, T0 + timedelta(days=1))
    assert [t.state for t in r.history] == [RequestState.ACCEPTED, RequestState.CONFIRMED, RequestState.DEPLOYED,
                                            RequestState.COMPLETED]


def test_a_decline_needs_a_reason_and_ends_the_request():
    with pytest.raises(TransitionRefused, match="reason") as exc:
        answer(offered(), False, T0, by="exp-1", reason="  ")
    assert exc.value.code == 422
    declined = answer(offered(), False, T0, by="exp-1", reason="on leave")
    assert declined.state is RequestState.DECLINED and declined.history[-1].reason == "on leave"
    with pytest.raises(TransitionRefused, match="answered already"):
        answer(declined, True, T0, by="exp-1")


def test_an_accept_just_after_the_deadline_is_refused_even_before_the_sweep():
    request = offered()
    late = request.respond_by + timedelta(seconds=1)
    with pytest.raises(TransitionRefused, match="expired at") as exc:
        answer(request, True, late, by="exp-1")
    assert exc.value.code == 410
    assert answer(request, True, request.respond_by, by="exp-1").state is RequestState.ACCEPTED  # on the dot: in time
    expired = expire_if_due(request, late)
    assert expired.state is RequestState.EXPIRED
    with pytest.raises(TransitionRefused) as again:
        answer(expired, True, late, by="exp-1")
    assert again.value.code == 410


def test_expiry_only_touches_unanswered_overdue_requests():
    request = offered()
    assert expire_if_due(request, request.respond_by) is None
    accepted = answer(request, True, T0, by="exp-1")
    assert expire_if_due(accepted, request.respond_by + timedelta(days=1)) is None
