"""Coordinators' plans and interventions: read from the plans view; changes are commands to the crisis's owner.

A change (approve, edit, close) looks its plan or intervention up in the view (404, and the crisis id to route by),
then goes on rrc.commands keyed by crisis id; the owner (the planning agent that holds the crisis) applies or
refuses it by the rules in `responders.plans.planner`, and the call answers with the owner's result. Approving an approved plan answers 200 with the same intervention (idempotent).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import CoordinatorDep
from api.auth.scope import OfficeScope, ScopeDep
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, NotFound, code_for
from api.commands import send_command
from responders.plans.commands import ApprovePlan, CloseIntervention, RevisePlan
from responders.plans.models import InterventionStatus, PlanPatch, PlanStatus
from vocabulary.signals import Severity
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT
from streams.views.plans import PlanFilter

plans = APIRouter(prefix="/v1/plans", tags=["plans"])
interventions = APIRouter(prefix="/v1/interventions", tags=["interventions"])


class CloseBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(default=None, max_length=500)


def _view(runtime):
    return runtime.views.plans


class ListView(StrEnum):
    SUMMARY = "summary"
    FULL = "full"


VIEW = Query(ListView.SUMMARY, description="summary (default): counts of roles, seats, candidates and unfilled "
                                           "seats instead of the roles; full: every role with its candidates")
HAZARD = Query(None, max_length=40, pattern=r"^[a-z_]+$", description="e.g. earthquake, flood, armed_conflict")
COUNTRY = Query(None, pattern=r"^[A-Za-z]{3}$", description="ISO 3166-1 alpha-3: plans that cover it")


@plans.get("", summary="Plans, oldest first, filtered by crisis, status, hazard, severity and country, paginated")
async def list_plans(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                     crisis_id: str | None = Query(None, max_length=64),
                     status: PlanStatus | None = None, exercise: bool | None = None, hazard: str | None = HAZARD,
                     severity: Severity | None = None, country: str | None = COUNTRY,
                     view: ListView = VIEW,
                     limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                     cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    flt = PlanFilter(crisis_id=crisis_id, status=status.value if status else None, exercise=exercise, hazard=hazard,
                     severity=severity.value if severity else None, country=country.upper() if country else None,
                     visible=None if scope.whole else scope.sees_crisis)
    return _view(runtime).list_plans(flt, limit, cursor, full=view is ListView.FULL).to_json(lambda p: p)


@plans.get("/{plan_id}", summary="One plan: roles with ranked candidates and explanations, partner asks, targets")
async def get_plan(plan_id: str, principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep) -> dict[str, Any]:
    return _known_plan(runtime, scope, plan_id)


@plans.patch("/{plan_id}", summary="Edit a proposed plan: role counts, chosen candidates and partners")
async def patch_plan(plan_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                     scope: ScopeDep, patch: PlanPatch = Body(...)) -> JSONResponse:
    plan = _known_plan(runtime, scope, plan_id)  # the view names the crisis, whose owner decides (409 when not proposed)
    result = await send_command(runtime, worker, principal, RevisePlan, plan["crisis_id"], plan_id=plan_id,
                            patch=patch)
    return _answer(runtime, result)


@plans.post("/{plan_id}/approve", status_code=201,
            responses={200: {"description": "Approved already: the same intervention (a repeat is idempotent)"}},
            summary="Approve a proposed plan: its owner launches one intervention",
            description="The caller's office must cover one of the crisis's countries and be of a kind that may "
                        "approve its severity (`approvals` in the offices file: by default a country office up to "
                        "severe; extreme needs the regional office or headquarters); otherwise 403 names the "
                        "office that may.")
async def approve_plan(plan_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                       scope: ScopeDep) -> JSONResponse:
    plan = _known_plan(runtime, scope, plan_id)  # the owner refuses a superseded plan (409)
    scope.require_approver(principal, plan["crisis_id"])
    result = await send_command(runtime, worker, principal, ApprovePlan, plan["crisis_id"], plan_id=plan_id)
    return _answer(runtime, result)


@interventions.get("", summary="Interventions, oldest first, filtered by crisis, status, hazard, severity and "
                                "country, paginated")
async def list_interventions(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                             status: InterventionStatus | None = None,
                             crisis_id: str | None = Query(None, max_length=64), exercise: bool | None = None,
                             hazard: str | None = HAZARD, severity: Severity | None = None,
                             country: str | None = COUNTRY, view: ListView = VIEW,
                             limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                             cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    flt = PlanFilter(crisis_id=crisis_id, status=status.value if status else None, exercise=exercise, hazard=hazard,
                     severity=severity.value if severity else None, country=country.upper() if country else None,
                     visible=None if scope.whole else scope.sees_crisis)
    return _view(runtime).list_interventions(flt, limit, cursor, full=view is ListView.FULL).to_json()


@interventions.get("/{intervention_id}", summary="One intervention with its frozen plan and target due times")
async def get_intervention(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                           scope: ScopeDep) -> dict[str, Any]:
    return _known_intervention(runtime, scope, intervention_id)


@interventions.post("/{intervention_id}/close", summary="Close an intervention")
async def close_intervention(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                             worker: WorkerDep, scope: ScopeDep, body: CloseBody | None = Body(None)) -> JSONResponse:
    found = _known_intervention(runtime, scope, intervention_id)
    result = await send_command(runtime, worker, principal, CloseIntervention, found["crisis_id"],
                            intervention_id=intervention_id, reason=body.reason if body else None)
    return _answer(runtime, result)


def _known_plan(runtime, scope: OfficeScope, plan_id: str) -> dict[str, Any]:
    plan = _view(runtime).plans.get(plan_id)
    if not scope.sees(plan):
        raise NotFound(f"plan_id: no plan {plan_id!r}")
    return plan


def _known_intervention(runtime, scope: OfficeScope, intervention_id: str) -> dict[str, Any]:
    found = _view(runtime).interventions.get(intervention_id)
    if not scope.sees(found):
        raise NotFound(f"intervention_id: no intervention {intervention_id!r}")
    return found


def _answer(runtime, result: dict[str, Any]) -> JSONResponse:
    code = result["status_code"]
    if code >= 400:
        field = {404: "plan_id", 409: "status", 422: "body"}.get(code, "body")
        raise ApiError(code, code_for(code), f"{field}: {result.get('detail')}")
    view = _view(runtime)
    body: dict[str, Any] = {"outcome": result["outcome"], "command_id": result["command_id"]}
    if result.get("plan_id") and result["plan_id"] in view.plans:
        body["plan"] = view.plans[result["plan_id"]]
    if result.get("intervention_id") and result["intervention_id"] in view.interventions:
        body["intervention"] = view.interventions[result["intervention_id"]]
    return JSONResponse(body, status_code=code)
