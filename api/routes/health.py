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


@router.get("/health", summary="Broker reachable, worker state, version (503 when not ready)")
async def health(runtime: RuntimeDep, worker: WorkerDep) -> JSONResponse:
    started = time.monotonic()
    settings = runtime.settings
    broker_ok = await metadata_ok(settings.bootstrap_servers, timeout=settings.health_timeout_s)
    BROKER_UP.set(1 if broker_ok else 0)
    ok = broker_ok and worker.state.value == "running"
    body = {
        "status": "ok" if ok else "unavailable",
        "version": RRC_VERSION,
        "broker": {"ok": broker_ok, "bootstrap": settings.bootstrap_servers},
        "worker": {"state": worker.faust_state, "error": worker.error},
        "checked_in_ms": round((time.monotonic() - started) * 1000, 1),
    }
    return JSONResponse(body, status_code=200 if ok else 503)


@router.get("/metrics", summary="Prometheus metrics of every stage")
async def metrics(runtime: RuntimeDep) -> Response:
    for service in runtime.services.values():
        refresh = getattr(service, "refresh_metrics", None)
        if refresh is not None:
            await refresh()
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)


@router.get("/asyncapi.json", summary="AsyncAPI 3.0 document of every event type (public stream, webhooks, SSE, "
                                      "internal topics)")
async def asyncapi(runtime: RuntimeDep) -> dict:
    from streams.asyncapi import asyncapi_document

    return asyncapi_document(runtime.settings.bootstrap_servers)
