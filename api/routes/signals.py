"""Signal intake over HTTP: normalised signals or a raw feed body, answered 202 with ids and rejections."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Body, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from api.auth.deps import CoordinatorDep
from api.deps import RuntimeDep, WorkerDep
from api.errors import BadRequest, Invalid
from api.publish import publish_signals
from streams import metrics
from responders.signals.intake import IntakeResult, parse_feed, validate_signals

router = APIRouter(prefix="/v1/signals", tags=["signals"])


class RejectionRead(BaseModel):
    record: str
    reason: str
    error_type: str


class IntakeRead(BaseModel):
    accepted: list[str]
    rejections: list[RejectionRead]


async def _accept(runtime, worker, result: IntakeResult, via: str) -> JSONResponse:
    if result.signals:
        await publish_signals(runtime, worker, result.signals)
    metrics.RECORDS_REJECTED.labels(via).inc(len(result.rejections))
    for s in result.signals:
        metrics.SIGNALS_PARSED.labels(s.source, via).inc()
    body = IntakeRead(accepted=[s.signal_id for s in result.signals],
                      rejections=[RejectionRead(**r.to_json()) for r in result.rejections])
    return JSONResponse(body.model_dump(), status_code=202)


@router.post("", status_code=202, response_model=IntakeRead, summary="Submit one or a list of normalised signals")
async def post_signals(principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                       payload: dict[str, Any] | list[dict[str, Any]] = Body(...)) -> JSONResponse:
    result = validate_signals(payload)
    if not result.signals:
        reasons = "; ".join(f"{r.record}: {r.reason}" for r in result.rejections[:20]) or "no signal in the body"
        raise Invalid(reasons)
    return await _accept(runtime, worker, result, "api")


@router.post("/feed", status_code=202, response_model=IntakeRead,
             summary="Submit a raw feed document (CAP, GDACS, USGS, ReliefWeb, ACLED, indicators, JSON)",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def post_feed(principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep, request: Request,
                    format: str = Query("auto", description="auto|cap|gdacs|usgs|reliefweb|acled|indicators|json"),
                    indicator: str | None = Query(None, max_length=200)) -> JSONResponse:
    from responders.intake import FORMATS
    from responders.intake.exceptions import UnknownFormat, UnreadableInput

    if format not in FORMATS:
        raise BadRequest(f"format: unknown format {format!r}; one of {', '.join(FORMATS)}")
    body = await request.body()
    if not body:
        raise Invalid("body: the feed document is empty")
    try:
        result = parse_feed(body, format, indicator)
    except UnknownFormat as exc:
        raise BadRequest(f"format: {exc}") from exc
    except UnreadableInput as exc:
        raise Invalid(f"body: {exc}") from exc
    return await _accept(runtime, worker, result, "api-feed")
