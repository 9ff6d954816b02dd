"""Liveness and readiness: broker reachable, worker state, version; plus Prometheus metrics."""

from __future__ import annotations

import time
from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from api.auth.deps import PUBLIC_ROUTE
from api.deps import RuntimeDep, WorkerDep
from streams.broker.probe import metadata_ok
from streams.metrics import BROKER_UP, REGISTRY

router = APIRouter(tags=["health"], dependencies=[PUBLIC_ROUTE])

try:
    RRC_VERSION = version("rrc")
except PackageNotFoundError:  # running from a source tree without install
    RRC_VERSION = "0+unknown"


@router.get("/health/live", summary="Whether the process is up (200 while it answers at all)")
async def live(worker: WorkerDep) -> JSONResponse:
    return JSONResponse({"status": "live", "version": RRC_VERSION, "worker": {"state": worker.faust_state}})


READY_RESPONSES = {503: {"description": "Not ready: the body names the stage (or the broker) and why",
                         "content": {"application/json": {}}}}


@router.get("/health/ready", responses=READY_RESPONSES, summary="Ready to work: broker reachable, worker running, no stage crashed, failing, "
                                     "stalled or rebalancing too long (503 naming the stage otherwise)")
async def ready(runtime: RuntimeDep, worker: WorkerDep) -> JSONResponse:
    return await _readiness(runtime, worker)


@router.get("/health", responses=READY_RESPONSES, summary="Same as /health/ready: 200 when ready, 503 naming what is not")
async def health(runtime: RuntimeDep, worker: WorkerDep) -> JSONResponse:
    return await _readiness(runtime, worker)


async def _readiness(runtime, worker) -> JSONResponse:
    started = time.monotonic()
    settings = runtime.settings
    broker_ok = await metadata_ok(settings.bootstrap_servers, timeout=settings.health_timeout_s)
    BROKER_UP.set(1 if broker_ok else 0)
    problems = [p.to_json() for p in worker.problems()]
    if not broker_ok:
        problems.insert(0, {"stage": "broker", "reason": f"unreachable at {settings.bootstrap_servers}"})
    body = {
        "status": "ok" if not problems else "unavailable",
        "version": RRC_VERSION,
        "broker": {"ok": broker_ok, "bootstrap": settings.bootstrap_servers},
        "worker": {"state": worker.faust_state, "error": worker.error},
        "problems": problems,
        "checked_in_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JSONResponse(body, status_code=200 if not problems else 503)


@router.get("/metrics", summary="Prometheus metrics of every stage", response_class=Response,
            responses={200: {"description": "Prometheus text exposition format",
                             "content": {CONTENT_TYPE_LATEST.split(";")[0]: {"schema": {"type": "string"}}}}})
async def metrics(runtime: RuntimeDep) -> Response:
    for source in runtime.metric_sources():
        await source.refresh_metrics()
    runtime.health.export()
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi.json", summary="AsyncAPI 3.0 document of every event type (public stream, webhooks, SSE, "
                                      "internal topics)")
async def asyncapi(runtime: RuntimeDep) -> dict:
    from streams.asyncapi import asyncapi_document

    return asyncapi_document(runtime.settings.bootstrap_servers)
