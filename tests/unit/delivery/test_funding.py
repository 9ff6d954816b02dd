"""Funding lines and expenditure through the delivery owner: rates by source, country, region and objective; the
lag warning once per episode as time passes; refusals name the field."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from responders.delivery.funding import (
    Earmark,
    ExpenditureInput,
    ExpenditureReport,
    FundingLineInput,
    lag,
    rates_by,
    tallies,
)
from responders.delivery.models import AddFunding, EvaluateDue, ReportExpenditure, TargetSpecIn, TrackIntervention
from responders.delivery.owner import decide
from responders.delivery.targets import Rules
from responders.messages import MemoryTable, Public, Received
from responders.plans.models import PlanEvent
from tests.factories import T0

D = timedelta(days=1)
IV = "int-f"


def track(countries=("TUR", "SYR")) -> TrackIntervention:
    return TrackIntervention(intervention_id=IV, crisis_id="cri-f", countries=list(countries), hazard="earthquake",
                             objectives=["employment", "social_protection"], title="M7.8 earthquake",
                             launched_at=T0, ends_at=T0 + 100 * D,
                             targets=[TargetSpecIn(target_id="person_days", label="Person-days", kind="quantity",
                                                   value=1000, unit="person_days", due_at=T0 + 100 * D)])


def fund(n: int, source: str, amount: float, earmark: Earmark | None = None, currency="USD", budget=None):
    return AddFunding(intervention_id=IV, crisis_id="cri-f", command_id=f"fund-{n}", line_id=f"fnd-{n}",
                      organisation=source.upper(), actor="tok-c", role="coordinator", issued_at=T0 + D,
                      line=FundingLineInput(source=source, amount=amount, currency=currency, budget_amount=budget,
                                            earmark=earmark))


def spend(n: int, day: int, *lines: tuple[str, float]) -> ReportExpenditure:
    return ReportExpenditure(intervention_id=IV, crisis_id="cri-f", command_id=f"exp-{n}", report_id=f"xpr-{n}",
                             actor="tok-c", role="coordinator", issued_at=T0 + day * D,
                             report=ExpenditureReport(lines=[
                                 ExpenditureInput(spent_on=(T0 + day * D).date(), source=s, amount=a, currency="USD",
                                                  description="cash for work wages") for s, a in lines]))


def run(table: MemoryTable, message, now, rules=Rules()):
    decision = decide(table, [Received(message, 0)], now, rules)
    table.apply(decision)
    return decision


def results(decision) -> list[dict]:
    return [e.result.model_dump() for e in decision.emits if isinstance(e, PlanEvent) and e.result]


def lagging(decision) -> list[dict]:
    return [e.event.data for e in decision.emits if isinstance(e, Public) and e.event.type == "rrc.delivery.rate_lagging"]


def funded_table() -> MemoryTable:
    table = MemoryTable()
    run(table, track(), T0)
    assert results(run(table, fund(1, "ptn-donor-a", 600_000), T0 + D))[0]["status_code"] == 201
    run(table, fund(2, "ptn-donor-b", 400_000, Earmark(objective="social_protection")), T0 + D)
    return table


def test_rates_by_source_country_region_and_objective():
    table = funded_table()
    run(table, spend(1, 10, ("ptn-donor-a", 100_000)), T0 + 10 * D)
    run(table, spend(2, 20, ("ptn-donor-a", 50_000), ("ptn-donor-b", 100_000)), T0 + 20 * D)
    run(table, spend(3, 30, ("ptn-donor-b", 100_000)), T0 + 30 * D)
    state = table.rows[IV].model_dump(mode="json")
    t = tallies(state, lambda c: {"TUR": "europe_central_asia", "SYR": "arab_states"}[c])
    assert t["source"]["ptn-donor-a"].rate == pytest.approx(150_000 / 600_000)
    assert t["source"]["ptn-donor-b"].rate == pytest.approx(200_000 / 400_000)
    assert t["intervention"][IV].rate == pytest.approx(350_000 / 1_000_000)
    # B's money is earmarked to social protection: all of it counts there; A's splits over both objectives.
    assert t["objective"]["social_protection"].allocated == pytest.approx(400_000 + 300_000)
    assert t["objective"]["employment"].allocated == pytest.approx(300_000)
    # No country named anywhere: both countries get half, and so do their regions.
    assert t["country"]["TUR"].allocated == pytest.approx(500_000)
    assert t["region"]["arab_states"].spent == pytest.approx(175_000)
    summary = rates_by([state, state], lambda _: None)
    assert summary["by_source"]["ptn-donor-a"] == {"allocated": 1_200_000, "spent": 300_000, "delivery_rate": 0.25}


def test_the_lag_warning_fires_once_when_spending_trails_time_and_again_after_a_recovery():
    table = funded_table()
    rules = Rules(rate_lag_margin=0.15)
    # Day 10 of 100, nothing spent: 10 % behind, within the margin; the owner asks to be woken when it is not.
    quiet = run(table, spend(1, 10, ("ptn-donor-a", 10_000)), T0 + 10 * D, rules)
    assert not lagging(quiet)
    wake = table.rows[IV].next_check_at
    assert T0 + 16 * D < wake < T0 + 17 * D  # 1 % spent + 15 % margin: lagging from day 16
    fired = run(table, EvaluateDue(intervention_id=IV, command_id="due-1", issued_at=wake), wake, rules)
    [data] = lagging(fired)
    assert data["delivery_rate"] == 0.01 and data["lag"] >= 0.15 and data["currency"] == "USD"
    assert "ptn-donor-a" not in str(data), "the public warning names nobody's funding"
    again = run(table, EvaluateDue(intervention_id=IV, command_id="due-2", issued_at=T0 + 30 * D), T0 + 30 * D, rules)
    assert not lagging(again), "announced once per episode"
    run(table, spend(2, 31, ("ptn-donor-a", 400_000)), T0 + 31 * D, rules)  # 41 % spent at 31 %: caught up
    assert not table.rows[IV].rate_lagging
    late = run(table, EvaluateDue(intervention_id=IV, command_id="due-3", issued_at=T0 + 70 * D), T0 + 70 * D, rules)
    assert len(lagging(late)) == 1 and table.rows[IV].lag_warnings == 2


def test_refusals_name_the_field():
    table = funded_table()
    refused = results(run(table, fund(3, "ptn-donor-c", 100, Earmark(country="FRA")), T0 + D))[0]
    assert refused["status_code"] == 422 and refused["detail"].startswith("body.earmark.country")
    refused = results(run(table, fund(4, "ptn-donor-c", 100, currency="EUR"), T0 + D))[0]
    assert refused["detail"].startswith("body.budget_amount")
    assert results(run(table, fund(5, "ptn-donor-c", 100, currency="EUR", budget=108), T0 + D))[0]["status_code"] == 201
    assert table.rows[IV].funding[-1].budget_amount == 108
    refused = results(run(table, spend(9, 5, ("ptn-donor-a", 1), ("ptn-nobody", 5)), T0 + 5 * D))[0]
    assert refused["status_code"] == 422 and refused["detail"].startswith("lines[1].source")
    assert not table.rows[IV].expenditures, "a refused report keeps none of its lines"
    with pytest.raises(ValidationError, match="exactly one"):
        Earmark(country="TUR", hazard="earthquake")


def test_a_repeated_command_is_applied_once():
    table = funded_table()
    run(table, spend(1, 10, ("ptn-donor-a", 100)), T0 + 10 * D)
    assert results(run(table, spend(1, 10, ("ptn-donor-a", 100)), T0 + 10 * D)) == []
    assert len(table.rows[IV].expenditures) == 1


def test_lag_without_money_or_an_end_never_fires():
    assert not lag(0, 0, T0, T0 + 10 * D, T0 + 9 * D, 0.1).lagging
    assert not lag(100, 0, T0, None, T0 + 9 * D, 0.1).lagging
    assert lag(100, 0, T0, T0 + 10 * D, T0 + 9 * D, 0.1).lagging
