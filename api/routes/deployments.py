"""Deployment requests: experts see and answer their own; coordinators see each intervention's staffing.

Reads come from the deployments view. An answer looks the request up in the view (another expert's request is
404, as if it did not exist, so ids do not leak), then goes as an `AnswerRequest` command to the owner of the
crisis, which applies the request state machine (`responders.deployments`) and answers: 200, 409 when answered
already, 410 when the answer came after the deadline (the seat has moved on).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import CoordinatorDep, ExpertDep, ExpertOrStaffDep
from api.auth.roles import Principal, Role
from api.auth.scope import ScopeDep
from api.commands import send_command
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, Invalid, NotFound, code_for
from responders.deployments.commands import AnswerRequest, ExtendMission, MissionStep
from responders.deployments.machine import AnswerChannel, RequestState
from streams.views.deployments import RequestFilter
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT

me = APIRouter(prefix="/v1/me", tags=["deployment requests"])
deployments = APIRouter(prefix="/v1/deployments", tags=["deployment requests"])
requests = APIRouter(prefix="/v1/deployment-requests", tags=["deployment requests"])
staffing = APIRouter(prefix="/v1/interventions", tags=["interventions"])


class RecordedAnswer(BaseModel):
    """An answer an expert gave a coordinator outside rrc (by phone, email or in person), recorded for them."""

    model_config = ConfigDict(extra="forbid")
    accept: bool = Field(description="true: the expert accepts; false: declines (then a reason is needed)")
    channel: AnswerChannel = Field(description="how the expert answered; `api` is for the expert's own calls")
    reason: str | None = Field(default=None, min_length=1, max_length=500,
                               description="why the expert declines (needed for a decline)")


class MissionBody(BaseModel):
    """A check-in on arrival or the end of a mission; a coordinator recording it for the expert names the channel."""

    model_config = ConfigDict(extra="forbid")
    on: date = Field(description="arrival date (check-in) or last day of the mission (completion)")
    note: str | None = Field(default=None, min_length=1, max_length=2000,
                             description="end-of-mission note (needed for a completion)")
    channel: AnswerChannel | None = Field(default=None, description="coordinators: how the expert told them")


class DeclineBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=500, description="why the expert declines (shown to coordinators)")


def _view(runtime):
    return runtime.views.deployments


def _own_request(runtime, principal: Principal, request_id: str) -> dict[str, Any]:
    request = _view(runtime).requests.get(request_id)
    if request is None or principal.expert_id is None or request["expert_id"] != principal.expert_id:
        raise NotFound(f"request_id: no deployment request {request_id!r}")
    return request


@me.get("/deployment-requests", summary="My deployment requests (expert), oldest first, filtered by state")
async def my_requests(principal: ExpertDep, runtime: RuntimeDep, state: RequestState | None = None,
                      limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                      cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    if principal.expert_id is None:
        return {"items": [], "total": 0, "next": None}
    return _view(runtime).requests_of(principal.expert_id, state.value if state else None, limit, cursor).to_json()


@requests.post("/{request_id}/accept", summary="Accept a deployment request addressed to me (expert)")
async def accept(request_id: str, principal: ExpertDep, runtime: RuntimeDep, worker: WorkerDep) -> JSONResponse:
    request = _own_request(runtime, principal, request_id)
    return await _answer(runtime, worker, principal, request, accept=True, reason=None)


@requests.post("/{request_id}/decline", summary="Decline a deployment request addressed to me (expert), with a reason")
async def decline(request_id: str, principal: ExpertDep, runtime: RuntimeDep, worker: WorkerDep,
                  body: DeclineBody = Body(...)) -> JSONResponse:
    request = _own_request(runtime, principal, request_id)
    return await _answer(runtime, worker, principal, request, accept=False, reason=body.reason)


@requests.post("/{request_id}/answer", summary="Record an expert's answer given by phone, email or in person "
                                               "(coordinator of the crisis's office)",
               description="Audited with both identities: the coordinator's token and office as the actor, the "
                           "expert as the one who answered, and the channel.")
async def record_answer(request_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                        scope: ScopeDep, http: Request, body: RecordedAnswer = Body(...)) -> JSONResponse:
    request = _view(runtime).requests.get(request_id)
    if not scope.sees(request):
        raise NotFound(f"request_id: no deployment request {request_id!r}")
    if body.channel is AnswerChannel.API:
        raise Invalid("channel: `api` is how an expert answers themselves; record phone, email or in_person")
    http.state.audit = {"on_behalf_of": request["expert_id"], "channel": body.channel.value}
    return await _answer(runtime, worker, principal, request, accept=body.accept, reason=body.reason,
                         channel=body.channel)


def _request_for(runtime, principal: Principal, scope, request_id: str) -> dict[str, Any]:
    """The expert's own request, or one a coordinator's office covers (404 otherwise)."""
    if principal.role is Role.EXPERT:
        return _own_request(runtime, principal, request_id)
    request = _view(runtime).requests.get(request_id)
    if not scope.sees(request):
        raise NotFound(f"request_id: no deployment request {request_id!r}")
    return request


async def _mission(runtime, worker, principal: Principal, request: dict[str, Any], step: str,
                   body: MissionBody) -> JSONResponse:
    if principal.role is not Role.EXPERT and body.channel in (None, AnswerChannel.API):
        raise Invalid("channel: a coordinator recording this for the expert names how they heard (phone, email, "
                      "in_person)")
    if principal.role is Role.EXPERT and body.channel is not None:
        raise Invalid("channel: only for a coordinator recording this for the expert")
    if step == "complete" and not body.note:
        raise Invalid("note: the end of a mission needs a note")
    result = await send_command(runtime, worker, principal, MissionStep, request["crisis_id"],
                                intervention_id=request["intervention_id"], request_id=request["request_id"],
                                expert_id=request["expert_id"], step=step, on=body.on, note=body.note,
                                channel=body.channel)
    code = result["status_code"]
    if code >= 400:
        field = {404: "request_id", 409: "state"}.get(code, "body")
        raise ApiError(code, code_for(code), f"{field}: {result.get('detail')}")
    return JSONResponse({"outcome": result["outcome"], "command_id": result["command_id"],
                         "request_id": request["request_id"], "state": result.get("detail")}, status_code=code)


async def _mission_route(request_id: str, principal: Principal, runtime, worker, scope, http: Request,
                         body: MissionBody, step: str) -> JSONResponse:
    request = _request_for(runtime, principal, scope, request_id)
    if principal.role is not Role.EXPERT:
        http.state.audit = {"on_behalf_of": request["expert_id"],
                            "channel": body.channel.value if body.channel else None}
    return await _mission(runtime, worker, principal, request, step, body)


@requests.post("/{request_id}/check-in", summary="Check in on arrival: confirmed -> deployed (the expert, or a "
                                                 "coordinator of the crisis's office for them)")
async def check_in(request_id: str, principal: ExpertOrStaffDep, runtime: RuntimeDep, worker: WorkerDep,
                   scope: ScopeDep, http: Request, body: MissionBody = Body(...)) -> JSONResponse:
    return await _mission_route(request_id, principal, runtime, worker, scope, http, body, "check_in")


@requests.post("/{request_id}/complete", summary="End of mission with a note: deployed -> completed")
async def complete(request_id: str, principal: ExpertOrStaffDep, runtime: RuntimeDep, worker: WorkerDep,
                   scope: ScopeDep, http: Request, body: MissionBody = Body(...)) -> JSONResponse:
    return await _mission_route(request_id, principal, runtime, worker, scope, http, body, "complete")


class ExtendBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    end: date = Field(description="the new last day of the mission (after the current one)")
    reason: str = Field(min_length=1, max_length=500)
    channel: AnswerChannel | None = Field(default=None, description="coordinators: how the expert asked")


@requests.post("/{request_id}/extend", summary="Extend a confirmed or deployed mission: the expert's reservations "
                                               "are re-checked for the longer days (409 naming the clash)")
async def extend(request_id: str, principal: ExpertOrStaffDep, runtime: RuntimeDep, worker: WorkerDep,
                 scope: ScopeDep, http: Request, body: ExtendBody = Body(...)) -> JSONResponse:
    request = _request_for(runtime, principal, scope, request_id)
    if principal.role is not Role.EXPERT:
        http.state.audit = {"on_behalf_of": request["expert_id"],
                            "channel": body.channel.value if body.channel else None}
    result = await send_command(runtime, worker, principal, ExtendMission, request["crisis_id"],
                                intervention_id=request["intervention_id"], request_id=request_id,
                                expert_id=request["expert_id"], end=body.end, reason=body.reason)
    code = result["status_code"]
    if code >= 400:
        field = {404: "request_id", 409: "end", 422: "end"}.get(code, "body")
        detail = str(result.get("detail"))
        raise ApiError(code, code_for(code), detail if detail.startswith(f"{field}:") else f"{field}: {detail}")
    return JSONResponse({"outcome": result["outcome"], "command_id": result["command_id"], "request_id": request_id,
                         "end": body.end.isoformat()}, status_code=code)


async def _answer(runtime, worker, principal: Principal, request: dict[str, Any], *, accept: bool,
                  reason: str | None, channel: AnswerChannel | None = None) -> JSONResponse:
    result = await send_command(runtime, worker, principal, AnswerRequest, request["crisis_id"],
                                intervention_id=request["intervention_id"], request_id=request["request_id"],
                                expert_id=request["expert_id"], accept=accept, reason=reason, channel=channel)
    code = result["status_code"]
    if code >= 400:
        field = {404: "request_id", 409: "state", 410: "request_id", 422: "reason"}.get(code, "body")
        raise ApiError(code, code_for(code), f"{field}: {result.get('detail')}")
    answer = {"outcome": result["outcome"], "command_id": result["command_id"], "request_id": request["request_id"],
              "state": result.get("detail")}
    if channel is not None:
        answer |= {"expert_id": request["expert_id"], "channel": channel.value}
    return JSONResponse(answer, status_code=code)


@deployments.get("", summary="Who is where: every deployment request and deployment, filtered; oldest offer first")
async def list_deployments(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                           state: RequestState | None = None,
                           country: str | None = Query(None, pattern="^[A-Za-z]{3}$"),
                           crisis_id: str | None = Query(None, max_length=64),
                           expert_id: str | None = Query(None, max_length=128),
                           start: date | None = Query(None, description="overlapping from this day on"),
                           end: date | None = Query(None, description="overlapping until this day"),
                           limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                           cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    flt = RequestFilter(state=state.value if state else None, country=country, crisis_id=crisis_id,
                        expert_id=expert_id, start=start, end=end, visible=None if scope.whole else scope.sees)
    return _view(runtime).list_requests(flt, limit, cursor).to_json()


@staffing.get("/{intervention_id}/staffing", summary="Seats, offers, their states and times for an intervention")
async def intervention_staffing(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                                scope: ScopeDep) -> dict[str, Any]:
    found = _view(runtime).staffing.get(intervention_id)
    if not scope.sees(found):
        if scope.sees(runtime.views.plans.interventions.get(intervention_id)):
            raise NotFound(f"intervention_id: staffing of {intervention_id!r} has not started yet")
        raise NotFound(f"intervention_id: no intervention {intervention_id!r}")
    st = found["staffing"]
    offers = sorted(st["requests"].values(), key=lambda r: (r["offered_at"], r["request_id"]))
    return {"intervention_id": intervention_id, "crisis_id": found["crisis_id"], "updated_at": found["occurred_at"],
            "closed": st["closed"], "parallel_offers": st["parallel"],
            "filled": sum(1 for s in found["seats"] if s["filled"]), "seats_total": len(found["seats"]),
            "seats": found["seats"], "offers": offers}
