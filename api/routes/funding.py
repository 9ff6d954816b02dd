"""Funding and expenditure over HTTP: coordinators record what donors committed and what was spent; rates by
intervention, source, country, region and strategic objective; a funding partner's own view of what it funds.

Funding lines and expenditure reports are commands to the intervention's delivery owner (rrc.delivery, keyed by
intervention id), like progress reports. A funding source is `regular_budget` or an active partner that funds (the
`funding` capability, or a partner of type `donor`). A donor sees only its own lines, its own spending and the
results of what it funds: never others' funding, never an expert.
"""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from api.auth.deps import CoordinatorDep, PartnerDep
from api.auth.scope import OfficeScope, ScopeDep
from api.deps import RuntimeDep, WorkerDep
from api.commands import applied_in_view, send_command
from api.errors import ApiError, Invalid, NotFound, code_for
from api.routes.delivery import tracked, region_lookup
from responders.delivery.funding import (
    REGULAR_BUDGET,
    ExpenditureReport,
    FundingLineInput,
    funds,
    lag_of,
    rates_by,
    tallies,
)
from responders.delivery.models import AddFunding, ReportExpenditure

router = APIRouter(prefix="/v1/interventions", tags=["funding"])
funding = APIRouter(prefix="/v1/funding", tags=["funding"])

REGULAR_BUDGET_NAME = "ILO regular budget"


def _source_name(runtime, source: str) -> str:
    if source == REGULAR_BUDGET:
        return REGULAR_BUDGET_NAME
    partner = runtime.views.roster.partners.get(source)
    if partner is None:
        raise Invalid(f"source: no partner {source!r} in the directory (or use {REGULAR_BUDGET!r})")
    if not funds(partner):
        raise Invalid(f"source: partner {source!r} does not fund (it lists neither the funding "
                                  f"capability nor the donor type)")
    return partner.organisation


async def _command(runtime, worker, principal, kind, delivery, **fields) -> dict[str, Any]:
    result = await send_command(runtime, worker, principal, kind, delivery["crisis_id"],
                                intervention_id=delivery["intervention_id"], office_id=principal.office_id, **fields)
    if result["status_code"] >= 400:
        raise ApiError(result["status_code"], code_for(result["status_code"]), result.get("detail") or "body: refused")
    await applied_in_view(runtime, delivery["intervention_id"], result["command_id"])
    return result


@router.post("/{intervention_id}/funding", status_code=201,
             summary="Record a funding line: a donor's (or the regular budget's) commitment to the intervention",
             description="Amount and currency as agreed; `budget_amount` is its value in the intervention's budget "
                         "currency when they differ. An earmark names one country, strategic objective or hazard "
                         "of the intervention.")
async def add_funding(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                      scope: ScopeDep, body: FundingLineInput = Body(...)) -> JSONResponse:
    delivery = tracked(runtime, scope, intervention_id)
    organisation = _source_name(runtime, body.source)
    result = await _command(runtime, worker, principal, AddFunding, delivery, line_id=f"fnd-{uuid.uuid4().hex[:16]}",
                            organisation=organisation, line=body)
    return JSONResponse({"line_id": result["report_id"], "intervention_id": intervention_id,
                         "command_id": result["command_id"]}, status_code=201)


@router.post("/{intervention_id}/expenditures", status_code=201,
             summary="Report expenditure: dated lines, each charged to one funding source of the intervention")
async def report_expenditure(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                             worker: WorkerDep, scope: ScopeDep,
                             body: ExpenditureReport = Body(...)) -> JSONResponse:
    delivery = tracked(runtime, scope, intervention_id)
    result = await _command(runtime, worker, principal, ReportExpenditure, delivery,
                            report_id=f"xpr-{uuid.uuid4().hex[:16]}", report=body)
    return JSONResponse({"report_id": result["report_id"], "lines": len(body.lines),
                         "intervention_id": intervention_id, "command_id": result["command_id"]}, status_code=201)


def _rate_status(runtime, delivery: dict[str, Any]) -> dict[str, Any]:
    verdict = lag_of(delivery, runtime.clock(), runtime.settings.delivery_rate_lag_margin)
    return {**verdict.figures(), "lagging": verdict.lagging, "announced": bool(delivery.get("rate_lagging"))}


@router.get("/{intervention_id}/funding",
            summary="An intervention's funding lines, expenditure and delivery rates (by source, country, objective)")
async def intervention_funding(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                               scope: ScopeDep) -> dict[str, Any]:
    delivery = tracked(runtime, scope, intervention_id)
    rates = rates_by([delivery], region_lookup(runtime))
    return {"intervention_id": intervention_id, "crisis_id": delivery["crisis_id"],
            "launched_at": delivery["launched_at"], "ends_at": delivery.get("ends_at"),
            "currency": delivery.get("budget_currency", "USD"), "funding": delivery.get("funding", []),
            "expenditures": delivery.get("expenditures", []), "rate": _rate_status(runtime, delivery),
            **{k: v for k, v in rates.items() if k.startswith("by_") and k != "by_intervention"}}


def _funded(runtime, scope: OfficeScope, exercise: bool | None):
    """The states of the funded interventions in scope (rates of the others are nothing to sum)."""
    return runtime.views.delivery.chosen(lambda m: bool(m["sources"]) and scope.sees(m)
                                         and (exercise is None or bool(m.get("exercise")) == exercise))


@funding.get("", summary="Delivery rates (spent over allocated) by intervention, funding source, country, region "
                         "and strategic objective, over the interventions in your scope")
async def funding_overview(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                           exercise: bool | None = Query(False, description="include exercises (default: no)")
                           ) -> dict[str, Any]:
    return rates_by(_funded(runtime, scope, exercise), region_lookup(runtime))


def _donor_view(delivery: dict[str, Any], partner_id: str) -> dict[str, Any] | None:
    """What a donor sees of an intervention it funds: its own lines and spending, and the results (no people)."""
    lines = [line for line in delivery.get("funding", []) if line["source"] == partner_id]
    if not lines:
        return None
    mine = tallies(delivery)["source"][partner_id]
    return {"intervention_id": delivery["intervention_id"], "crisis_id": delivery["crisis_id"],
            "title": delivery.get("title", ""), "countries": delivery.get("countries", []),
            "hazard": delivery.get("hazard"), "status": "closed" if delivery.get("closed") else "active",
            "launched_at": delivery["launched_at"], "ends_at": delivery.get("ends_at"),
            "currency": delivery.get("budget_currency", "USD"),
            "funding": [{k: line.get(k) for k in ("line_id", "amount", "currency", "budget_amount", "earmark",
                                              "reference", "committed_on")} for line in lines],
            "expenditures": [{k: e.get(k) for k in ("spent_on", "amount", "currency", "budget_amount", "country",
                                                "objective", "description")}
                             for e in delivery.get("expenditures", []) if e["source"] == partner_id],
            **mine.as_dict(),
            "results": [{k: t.get(k) for k in ("target_id", "label", "kind", "value", "unit", "due_at", "status",
                                               "reported", "reason")} for t in delivery["targets"]]}


@funding.get("/mine", summary="A funding partner's interventions: its lines, its spending and delivery rate, results")
async def my_funding(principal: PartnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    partner_id = principal.partner_id  # a partner that funds nothing (or does not fund) sees an empty list
    items = [v for d in runtime.views.delivery.chosen(lambda m: partner_id in m["sources"])
             if (v := _donor_view(d, partner_id)) is not None]
    items.sort(key=lambda v: v["launched_at"], reverse=True)
    return {"items": items, "total": len(items), "next": None}


@funding.get("/mine/{intervention_id}", summary="One intervention a funding partner funds (404 for any other)")
async def my_funding_of(intervention_id: str, principal: PartnerDep, runtime: RuntimeDep) -> dict[str, Any]:
    partner_id = principal.partner_id
    delivery = runtime.views.delivery.interventions.get(intervention_id)
    view = None if delivery is None else _donor_view(delivery, partner_id)
    if view is None:
        raise NotFound(f"intervention_id: no intervention {intervention_id!r} that you fund")
    return view
