"""Delivery control over HTTP: each intervention's targets with status, projection and reason; progress reports;
the overview by intervention, country, region and strategic objective.

Reports are commands to the intervention's delivery owner (rrc.delivery, keyed by intervention id); the call
answers with the owner's result (201 with the report id and version, or 422 naming the field). Who may report:
coordinators of an office that covers the crisis, and experts deployed on that intervention. Partners report on
what they committed; no partner commitments exist yet (resource requests are another issue), so every
partner's report is 404, as for an intervention they cannot see.
"""

from __future__ import annotations

import statistics
import uuid
from collections import Counter, defaultdict
from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse

from api.auth.deps import AnyRoleDep, CoordinatorDep
from api.auth.roles import Principal, Role
from api.auth.scope import OfficeScope, ScopeDep
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, NotFound, code_for
from api.commands import send_command
from responders.delivery.models import ReportInput, SubmitReport

router = APIRouter(prefix="/v1/interventions", tags=["delivery"])
overview = APIRouter(prefix="/v1/delivery", tags=["delivery"])


def _tracked(runtime, scope: OfficeScope, intervention_id: str) -> dict[str, Any]:
    delivery = runtime.views.delivery.interventions.get(intervention_id)
    if delivery is None or not scope.sees(delivery):
        if scope.sees(runtime.views.plans.interventions.get(intervention_id)):
            raise NotFound(f"intervention_id: delivery control has not started tracking {intervention_id!r} yet")
        raise NotFound(f"intervention_id: no intervention {intervention_id!r}")
    return delivery


@router.get("/{intervention_id}/targets", summary="Each target with its status, projection and reason")
async def targets(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                  scope: ScopeDep) -> dict[str, Any]:
    delivery = _tracked(runtime, scope, intervention_id)
    return {"intervention_id": intervention_id, "crisis_id": delivery["crisis_id"],
            "evaluated_at": delivery.get("evaluated_at"), "next_check_at": delivery.get("next_check_at"),
            "facts": delivery.get("facts", {}), "targets": delivery["targets"],
            "counts": dict(Counter(t["status"] for t in delivery["targets"]))}


@router.get("/{intervention_id}/reports", summary="Progress reports of an intervention, every version, oldest first")
async def reports(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                  scope: ScopeDep) -> dict[str, Any]:
    delivery = _tracked(runtime, scope, intervention_id)
    items = sorted((v for versions in delivery.get("reports", {}).values() for v in versions),
                   key=lambda r: (r["submitted_at"], r["report_id"], r["version"]))
    return {"items": items, "total": len(items), "next": None}


def _may_report(principal: Principal, scope: OfficeScope, delivery: dict[str, Any]) -> bool:
    if principal.role is Role.EXPERT:
        return principal.expert_id in delivery.get("reporters", [])
    if principal.role is Role.PARTNER:
        return False  # partners report on their commitments; none exist yet
    return scope.sees(delivery)


@router.post("/{intervention_id}/reports", status_code=201,
             summary="Report progress: indicator values for a period, optionally by sex, age group and disability",
             description="From coordinators of the crisis's office, experts deployed on the intervention and "
                         "partners for what they committed. A correction names the report it corrects and becomes "
                         "its next version.")
async def submit(intervention_id: str, principal: AnyRoleDep, runtime: RuntimeDep, worker: WorkerDep,
                 scope: ScopeDep, body: ReportInput = Body(...)) -> JSONResponse:
    delivery = runtime.views.delivery.interventions.get(intervention_id)
    if delivery is None or not _may_report(principal, scope, delivery):
        raise NotFound(f"intervention_id: no intervention {intervention_id!r} you may report on")
    result = await send_command(runtime, worker, principal, SubmitReport, delivery["crisis_id"],
                                intervention_id=intervention_id, report_id=f"rpt-{uuid.uuid4().hex[:16]}",
                                expert_id=principal.expert_id, partner_id=principal.partner_id,
                                office_id=principal.office_id, report=body)
    code = result["status_code"]
    if code >= 400:
        raise ApiError(code, code_for(code), result.get("detail") or "body: refused")
    return JSONResponse({"report_id": result["report_id"], "version": result["version"],
                         "intervention_id": intervention_id, "command_id": result["command_id"]}, status_code=201)


def _hours(later: str | None, earlier: str) -> float | None:
    if not later:
        return None
    return (datetime.fromisoformat(later.replace("Z", "+00:00"))
            - datetime.fromisoformat(earlier.replace("Z", "+00:00"))).total_seconds() / 3600


@overview.get("", summary="Targets by status per intervention, country, region and strategic objective; median "
                          "hours to first acceptance and to team on site")
async def delivery_overview(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                            exercise: bool | None = Query(False, description="include exercises (default: no)")
                            ) -> dict[str, Any]:
    groups: dict[str, dict[str, Counter]] = {k: defaultdict(Counter) for k in ("country", "region", "objective")}
    per_intervention, accepted, on_site = [], [], []
    for delivery in runtime.views.delivery.interventions.values():
        if not scope.sees(delivery) or (exercise is not None and bool(delivery.get("exercise")) != exercise):
            continue
        counts = Counter(t["status"] for t in delivery["targets"])
        per_intervention.append({"intervention_id": delivery["intervention_id"], "crisis_id": delivery["crisis_id"],
                                 "countries": delivery.get("countries", []), "statuses": dict(counts)})
        for country in delivery.get("countries", []):
            groups["country"][country].update(counts)
            try:
                groups["region"][runtime.offices.region_of(country).office_id].update(counts)
            except KeyError:
                pass  # a code no office covers (not ISO 3166): counted by country only
        for objective in delivery.get("objectives", []):
            groups["objective"][objective].update(counts)
        facts = delivery.get("facts", {})
        for name, out in (("first_expert_accepted", accepted), ("team_on_site", on_site)):
            hours = _hours(facts.get(name), delivery["launched_at"])
            if hours is not None:
                out.append(hours)
    return {"interventions": sorted(per_intervention, key=lambda d: d["intervention_id"]),
            "by_country": {k: dict(v) for k, v in sorted(groups["country"].items())},
            "by_region": {k: dict(v) for k, v in sorted(groups["region"].items())},
            "by_objective": {k: dict(v) for k, v in sorted(groups["objective"].items())},
            "median_hours_to_first_acceptance": statistics.median(accepted) if accepted else None,
            "median_hours_to_team_on_site": statistics.median(on_site) if on_site else None}
