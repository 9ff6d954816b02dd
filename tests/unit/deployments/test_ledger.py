"""An expert's ledger grants one hold per period: two crises wanting the same expert at once, only one gets them."""

from __future__ import annotations

from datetime import date

from responders.deployments.ledger import ExpertLedger, Hold, confirm, release, try_hold


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
