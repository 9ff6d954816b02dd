"""Partners answer resource requests (EDXL-RM): list theirs, accept, accept in part or decline, report fulfilment;
coordinators see every ask of an intervention and confirm receipt.

An acceptance goes to the partner's capacity ledger first (CommitResource on rrc.capacity, keyed by partner id):
an over-commitment is refused there (409 with the remaining capacity); a granted one is recorded by the crisis's
owner, which answers the call. A decline, a status report and a receipt go to the crisis's owner on rrc.commands.
An `Idempotency-Key` header makes an answer safe to repeat: the same key on the same request is the same command,
and a repeat answers the first result. A partner sees only its own requests (any other is 404).
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any, Literal

from fastapi import APIRouter, Body, Header, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.auth.deps import CoordinatorDep, PartnerDep, PartnerOrStaffDep
from api.auth.roles import Principal, Role
from api.auth.scope import OfficeScope, ScopeDep
from api.commands import send_command
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, Invalid, NotFound, code_for
from api.routes.delivery import tracked
from responders.resources.capacity import CommitResource
from responders.resources.owner import DeclineResource, ReportResourceStatus
from responders.resources.requests import Fulfilment
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT

requests = APIRouter(prefix="/v1/resource-requests", tags=["resources"])
mine = APIRouter(prefix="/v1/me", tags=["resources"])
per_intervention = APIRouter(prefix="/v1/interventions", tags=["resources"])

IDEMPOTENCY = Header(None, alias="Idempotency-Key", max_length=200, pattern=r"^[\x21-\x7e]+$",
                     description="repeat the same key to repeat the answer safely: the first result is returned")


class Respond(BaseModel):
    """EDXL-RM ResponseToRequestResource."""

    model_config = ConfigDict(extra="forbid")
    answer: Literal["accept", "partial", "decline"]
    quantity: float | None = Field(default=None, gt=0, le=1e12,
                                   description="partial: how much (accept: all that was requested)")
    eta: date | None = Field(default=None, description="estimated arrival")
    reason: str | None = Field(default=None, min_length=1, max_length=500, description="decline: why")

    @model_validator(mode="after")
    def _complete(self) -> Respond:
        if self.answer == "partial" and self.quantity is None:
            raise ValueError("quantity: a partial answer says how much")
        if self.answer == "decline" and self.reason is None:
            raise ValueError("reason: a decline says why")
        return self


class StatusReport(BaseModel):
    """EDXL-RM ReportResourceDeploymentStatus, from the partner."""

    model_config = ConfigDict(extra="forbid")
    status: Fulfilment
    quantity: float = Field(gt=0, le=1e12)
    note: str | None = Field(default=None, max_length=500)


class Receipt(BaseModel):
    model_config = ConfigDict(extra="forbid")
    quantity: float = Field(gt=0, le=1e12)
    note: str | None = Field(default=None, max_length=500)


def _visible(principal: Principal, scope: OfficeScope, request: dict[str, Any] | None) -> bool:
    if request is None:
        return False
    if principal.role is Role.PARTNER:
        return request["partner_id"] == principal.partner_id
    return scope.sees(request)


def _request(runtime, principal: Principal, scope: OfficeScope, request_id: str) -> dict[str, Any]:
    request = runtime.views.deployments.resource_requests.get(request_id)
    if not _visible(principal, scope, request):
        raise NotFound(f"resource_request_id: no resource request {request_id!r}")
    return request


def _answer(result: dict[str, Any], request: dict[str, Any], default: int = 200) -> JSONResponse:
    code = result["status_code"]
    if code >= 400:
        raise ApiError(code, code_for(code), result.get("detail") or "request_id: refused")
    return JSONResponse({"request_id": request["request_id"], "outcome": result["outcome"],
                         "detail": result.get("detail"), "command_id": result["command_id"]},
                        status_code=code or default)


def _key(principal: Principal, request_id: str, action: str, key: str | None) -> str | None:
    if key is None:
        return None
    digest = hashlib.sha256(f"{principal.partner_id}|{request_id}|{action}|{key}".encode()).hexdigest()[:32]
    return f"idem-{digest}"


@mine.get("/resource-requests", summary="My resource requests (partner), newest state of each")
async def my_requests(principal: PartnerDep, runtime: RuntimeDep,
                      state: Literal["requested", "committed", "partial", "declined", "expired", "withdrawn"] | None
                      = None, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                      cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    return runtime.views.deployments.resource_requests_of(principal.partner_id, state, limit, cursor).to_json()


@requests.get("/{resource_request_id}", summary="One resource request with its quantities and history")
async def get_request(resource_request_id: str, principal: PartnerOrStaffDep, runtime: RuntimeDep,
                      scope: ScopeDep) -> dict[str, Any]:
    return _request(runtime, principal, scope, resource_request_id)


@requests.post("/{resource_request_id}/respond", status_code=201,
               responses={200: {"description": "Declined (or a repeat of an earlier answer)"}},
               summary="Answer a resource request: accept (all), partial (a quantity) or decline (a reason)",
               description="An acceptance is held against the capacity the partner declares (409 names what "
                           "remains); the rest of a partial or declined request goes to the next ranked partner.")
async def respond(resource_request_id: str, principal: PartnerDep, runtime: RuntimeDep, worker: WorkerDep,
                  scope: ScopeDep, body: Respond = Body(...),
                  idempotency_key: str | None = IDEMPOTENCY) -> JSONResponse:
    request = _request(runtime, principal, scope, resource_request_id)
    command_id = _key(principal, resource_request_id, "respond", idempotency_key)
    if body.answer == "decline":
        result = await send_command(runtime, worker, principal, DeclineResource, request["crisis_id"],
                                    command_id=command_id, intervention_id=request["intervention_id"],
                                    request_id=resource_request_id, partner_id=principal.partner_id,
                                    reason=body.reason)
        return _answer(result, request)
    quantity = request["quantity"] if body.answer == "accept" else body.quantity
    if body.answer == "accept" and body.quantity is not None and abs(body.quantity - request["quantity"]) > 1e-9:
        raise Invalid(f"quantity: accept commits all {request['quantity']:g} {request['unit']}; "
                      f"use partial for less")
    if quantity > request["quantity"] + 1e-9:
        raise Invalid(f"quantity: at most the {request['quantity']:g} {request['unit']} requested")
    result = await send_command(runtime, worker, principal, CommitResource, request["crisis_id"],
                                command_id=command_id, request_id=resource_request_id,
                                partner_id=principal.partner_id,
                                intervention_id=request["intervention_id"], capability=request["capability"],
                                unit=request["unit"], quantity=quantity, start=request["needed_by"],
                                end=request["until"], eta=body.eta)
    return _answer(result, request, 201)


@requests.post("/{resource_request_id}/status", summary="Report fulfilment: dispatched, arrived, in use or returned")
async def report(resource_request_id: str, principal: PartnerDep, runtime: RuntimeDep, worker: WorkerDep,
                 scope: ScopeDep, body: StatusReport = Body(...),
                 idempotency_key: str | None = IDEMPOTENCY) -> JSONResponse:
    request = _request(runtime, principal, scope, resource_request_id)
    result = await send_command(runtime, worker, principal, ReportResourceStatus, request["crisis_id"],
                                command_id=_key(principal, resource_request_id, f"status-{body.status}",
                                                idempotency_key),
                                intervention_id=request["intervention_id"], request_id=resource_request_id,
                                partner_id=principal.partner_id, status=body.status, quantity=body.quantity,
                                note=body.note)
    return _answer(result, request)


@requests.post("/{resource_request_id}/receipt", summary="Confirm receipt of committed resources (coordinator)")
async def receipt(resource_request_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                  scope: ScopeDep, body: Receipt = Body(...)) -> JSONResponse:
    request = _request(runtime, principal, scope, resource_request_id)
    result = await send_command(runtime, worker, principal, ReportResourceStatus, request["crisis_id"],
                                intervention_id=request["intervention_id"], request_id=resource_request_id,
                                status="received", quantity=body.quantity, note=body.note)
    return _answer(result, request)


@per_intervention.get("/{intervention_id}/resources",
                      summary="Every partner ask of an intervention: its requests, answers and quantities")
async def intervention_resources(intervention_id: str, principal: CoordinatorDep, runtime: RuntimeDep,
                                 scope: ScopeDep) -> dict[str, Any]:
    snapshot = runtime.views.deployments.resources.get(intervention_id)
    if snapshot is None or not scope.sees(snapshot):
        tracked(runtime, scope, intervention_id)  # 404 naming why when the intervention is not visible
        raise NotFound(f"intervention_id: {intervention_id!r} has no partner asks")
    res = snapshot["resources"]
    return {"intervention_id": intervention_id, "crisis_id": res["crisis_id"], "asks": snapshot["asks"],
            "requests": sorted(res["requests"].values(), key=lambda r: (r["requested_at"], r["request_id"])),
            "next_due_at": snapshot.get("next_due_at")}
