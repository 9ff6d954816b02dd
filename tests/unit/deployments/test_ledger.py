"""An expert's ledger grants one hold per period: two crises wanting the same expert at once, only one gets them;
and the ledger owner's decide over an in-memory table."""

from __future__ import annotations

from datetime import date, datetime, timezone

from responders.deployments.ledger import (
    ConfirmHold,
    ExpertLedger,
    Hold,
    HoldDecided,
    HoldExpert,
    ReleaseHold,
    confirm,
    decide,
    release,
    try_hold,
)
from responders.messages import MemoryTable, Received


def hold(request_id: str, crisis: str, start: date, end: date) -> Hold:
    return Hold(request_id=request_id, intervention_id=f"int-{crisis}", crisis_id=crisis, start=start, end=end)


def test_two_crises_wanting_the_same_expert_at_once_only_one_gets_them():
    ledger = ExpertLedger(expert_id="exp-1")
    ledger, first = try_hold(ledger, hold("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)))
    ledger, second = try_hold(ledger, hold("req-b", "cri-b", date(2026, 3, 10), date(2026, 4, 10)))
    assert first.granted and not second.granted
    assert second.conflict.request_id == "req-a" and "cri-a" in second.reason
    assert [h.request_id for h in ledger.holds] == ["req-a"]


def test_rest_days_keep_deployments_apart_and_disjoint_periods_are_fine():
    ledger = ExpertLedger(expert_id="exp-1")
    ledger, _ = try_hold(ledger, hold("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)), rest_days=14)
    _, too_close = try_hold(ledger, hold("req-b", "cri-b", date(2026, 3, 30), date(2026, 4, 30)), rest_days=14)
    assert not too_close.granted
    ledger, later = try_hold(ledger, hold("req-c", "cri-c", date(2026, 4, 10), date(2026, 4, 30)), rest_days=14)
    assert later.granted and len(ledger.holds) == 2


def test_replays_are_harmless_and_release_frees_the_days():
    ledger = ExpertLedger(expert_id="exp-1")
    h = hold("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20))
    ledger, _ = try_hold(ledger, h)
    same, again = try_hold(ledger, h)
    assert again.granted and same == ledger
    ledger = confirm(ledger, "req-a")
    assert ledger.holds[0].status == "confirmed"
    ledger = release(ledger, "req-a")
    ledger, other = try_hold(ledger, hold("req-b", "cri-b", date(2026, 3, 5), date(2026, 3, 6)))
    assert other.granted
    assert release(release(ledger, "req-x"), "req-x") == ledger


# --- the ledger owner's decide, over an in-memory table -------------------------------------------------------

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


def ask(request_id: str, crisis: str, start: date, end: date, expert: str = "exp-1") -> HoldExpert:
    return HoldExpert(request_id=request_id, expert_id=expert, intervention_id=f"int-{crisis}", crisis_id=crisis,
                      start=start, end=end)


def run(table: MemoryTable, *messages, rest_days: int = 0):
    decision = decide(table, [Received(m, partition=0, offset=i) for i, m in enumerate(messages)], NOW,
                      rest_days=lambda _expert: rest_days)
    table.apply(decision)
    return decision


def test_decide_grants_the_first_hold_of_a_batch_and_refuses_the_overlapping_second():
    table = MemoryTable()
    decision = run(table, ask("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)),
                   ask("req-b", "cri-b", date(2026, 3, 10), date(2026, 4, 10)))
    answers = [e for e in decision.emits if isinstance(e, HoldDecided)]
    assert [(a.request_id, a.granted) for a in answers] == [("req-a", True), ("req-b", False)]
    assert answers[1].crisis_id == "cri-b" and answers[1].key == "cri-b" and "cri-a" in answers[1].reason
    assert answers[0].decided_at == NOW
    assert [h.request_id for h in table.rows["exp-1"].holds] == ["req-a"]
    assert decision.writes["exp-1"][1] == 0  # written in the partition of the input that decided it


def test_decide_sees_earlier_batches_through_the_table_and_replays_answer_the_same():
    table = MemoryTable()
    first = run(table, ask("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)))
    again = run(table, ask("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)))
    assert first.emits[0].granted and again.emits[0].granted
    assert len(table.rows["exp-1"].holds) == 1
    run(table, ask("req-c", "cri-c", date(2026, 4, 1), date(2026, 4, 20)), rest_days=14)
    assert len(table.rows["exp-1"].holds) == 1, "rest days keep the second hold out"


def test_decide_confirms_and_releases_without_answering():
    table = MemoryTable()
    run(table, ask("req-a", "cri-a", date(2026, 3, 1), date(2026, 3, 20)))
    decision = run(table, ConfirmHold(request_id="req-a", expert_id="exp-1"))
    assert decision.emits == [] and table.rows["exp-1"].holds[0].status == "confirmed"
    run(table, ReleaseHold(request_id="req-a", expert_id="exp-1"))
    assert table.rows["exp-1"].holds == []


def test_a_message_that_fails_is_rejected_alone_and_leaves_no_write():
    table = MemoryTable()
    bad = ask("req-x", "cri-x", date(2026, 3, 1), date(2026, 3, 20), expert="exp-2")

    def rest_days(expert: str) -> int:
        if expert == "exp-2":
            raise LookupError("roster has no exp-2")
        return 0

    decision = decide(table, [Received(bad, 0, 0), Received(ask("req-a", "cri-a", date(2026, 3, 1),
                                                                 date(2026, 3, 20)), 0, 1)], NOW, rest_days)
    assert [r.received.offset for r in decision.rejected] == [0]
    assert isinstance(decision.rejected[0].error, LookupError)
    assert set(decision.writes) == {"exp-1"} and len(decision.emits) == 1
