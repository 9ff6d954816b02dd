"""Delivery control over HTTP: each intervention's targets with status, projection and reason; progress reports;
the overview by intervention, country, region and strategic objective.

Reports are commands to the intervention's delivery owner (rrc.delivery, keyed by intervention id); the call
answers with the owner's result (201 with the report id and version, or 422 naming the field). Who may report:
coordinators of an office that covers the crisis, experts deployed on that intervention, and partners that
committed resources to it (any other partner's report is 404, as for an intervention they cannot see).
"""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from api.auth.deps import AnyRoleDep, CoordinatorDep
from api.auth.roles import Principal, Role
from api.auth.scope import OfficeScope, ScopeDep
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, NotFound, code_for
from api.commands import applied_in_view, send_command
from responders.delivery.models import ReportInput, SubmitReport
from responders.delivery.overview import overview as summarise

router = APIRouter(prefix="/v1/interventions", tags=["delivery"])
overview = APIRouter(prefix="/v1/delivery", tags=["delivery"])


def region_lookup(runtime):
    """A country's ILO region (its regional office id), None for a code no office covers (counted by country only)."""
    def region_of(country: str) -> str | None:
        try:
            return runtime.offices.region_of(country).office_id
        except KeyError:
            return None
    return region_of


def tracked(runtime, scope: OfficeScope, intervention_id: str) -> dict[str, Any]:
    delivery = runtime.views.delivery.interventions.get(intervention_id)
    if delivery is None or not scope.sees(delivery):
        if scope.sees(runtime.views.plans.interventions.get(intervention_id)):
            raise NotFound(f"intervention_id: delivery control has not started tracking {intervention_id!r} yet")
        raise NotFound(f"intervention_id: no intervention {intervention_id!r}")
    return delivery


@router.get("/{intervention_id}/targets", summary="Each target with its status, projection and reason")
async def targets(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                  scope: ScopeDep) -> dict[str, Any]:
    delivery = tracked(runtime, scope, intervention_id)
    return {"intervention_id": intervention_id, "crisis_id": delivery["crisis_id"],
            "evaluated_at": delivery.get("evaluated_at"), "next_check_at": delivery.get("next_check_at"),
            "facts": delivery.get("facts", {}), "targets": delivery["targets"],
            "counts": dict(Counter(t["status"] for t in delivery["targets"]))}


@router.get("/{intervention_id}/reports", summary="Progress reports of an intervention, every version, oldest first")
async def reports(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                  scope: ScopeDep) -> dict[str, Any]:
    delivery = tracked(runtime, scope, intervention_id)
    items = sorted((v for versions in delivery.get("reports", {}).values() for v in versions),
                   key=lambda r: (r["submitted_at"], r["report_id"], r["version"]))
    return {"items": items, "total": len(items), "next": None}


def _may_report(runtime, principal: Principal, scope: OfficeScope, delivery: dict[str, Any]) -> bool:
    if principal.role is Role.EXPERT:
        return principal.expert_id in delivery.get("reporters", [])
    if principal.role is Role.PARTNER:  # a partner that committed resources to the intervention
        view = runtime.views.deployments
        return any(view.resource_requests[r]["intervention_id"] == delivery["intervention_id"]
                   and view.resource_requests[r]["state"] in ("committed", "partial")
                   for r in view.by_partner.get(principal.partner_id, ()))
    return scope.sees(delivery)


@router.post("/{intervention_id}/reports", status_code=201,
             summary="Report progress: indicator values for a period, optionally by sex, age group and disability",
             description="From coordinators of the crisis's office, experts deployed on the intervention and "
                         "partners for what they committed. A correction names the report it corrects and becomes "
                         "its next version.")
async def submit(intervention_id: str, principal: AnyRoleDep, runtime: RuntimeDep, worker: WorkerDep,
                 scope: ScopeDep, body: ReportInput = Body(...)) -> JSONResponse:
    delivery = runtime.views.delivery.interventions.get(intervention_id)
    if delivery is None or not _may_report(runtime, principal, scope, delivery):
        raise NotFound(f"intervention_id: no intervention {intervention_id!r} you may report on")
    result = await send_command(runtime, worker, principal, SubmitReport, delivery["crisis_id"],
                                intervention_id=intervention_id, report_id=f"rpt-{uuid.uuid4().hex[:16]}",
                                expert_id=principal.expert_id, partner_id=principal.partner_id,
                                office_id=principal.office_id, report=body)
    code = result["status_code"]
    if code >= 400:
        raise ApiError(code, code_for(code), result.get("detail") or "body: refused")
    await applied_in_view(runtime, intervention_id, result["command_id"])
    return JSONResponse({"report_id": result["report_id"], "version": result["version"],
                         "intervention_id": intervention_id, "command_id": result["command_id"]}, status_code=201)


@overview.get("", summary="Targets by status per intervention, country, region and strategic objective; median "
                          "hours to first acceptance and to team on site")
async def delivery_overview(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                            exercise: bool | None = Query(False, description="include exercises (default: no)")
                            ) -> dict[str, Any]:
    seen = runtime.views.delivery.kept(lambda m: scope.sees(m) and (exercise is None
                                                                    or bool(m.get("exercise")) == exercise))
    return summarise(seen, region_lookup(runtime))
