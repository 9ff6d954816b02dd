"""The FastAPI app: shares the worker's event loop (faust.contrib.asgi), one router per resource."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from starlette.middleware.gzip import GZipMiddleware

from config.settings import Settings
from streams.bootstrap import bootstrap
from streams.runtime import Runtime
from streams.worker import Worker


def create_api(settings: Settings, runtime: Runtime | None = None) -> FastAPI:
    """The whole HTTP edge; the lifespan starts the stream worker on the same loop."""
    runtime = runtime or bootstrap(settings)

    @asynccontextmanager
    async def lifespan(api: FastAPI):
        worker = Worker(runtime)
        api.state.worker = worker
        await worker.start()
        try:
            yield
        finally:
            await worker.stop()

    from fastapi import Depends

    from api.openapi import known_query_only

    api = FastAPI(title="rrc: Rapid Response Coordination", version="0.1.0", lifespan=lifespan, docs_url=None,
                  redoc_url=None, dependencies=[Depends(known_query_only)])
    api.state.runtime = runtime

    from api import audit
    from api.auth.identities import IdentityCheck
    from api.console import routes as console
    from api.middleware import install
    from api.openapi import install_openapi
    from api.routes import (crises, delivery, deployments, exports, funding, health, offices, plans, resources,
                            roster, signals, subscriptions, tokens)

    api.include_router(health.router)
    api.include_router(signals.router)
    api.include_router(crises.router)
    api.include_router(roster.experts)
    api.include_router(roster.partners)
    api.include_router(plans.plans)
    api.include_router(plans.interventions)
    api.include_router(deployments.staffing)
    api.include_router(deployments.me)
    api.include_router(deployments.requests)
    api.include_router(deployments.deployments)
    api.include_router(delivery.router)
    api.include_router(delivery.overview)
    api.include_router(funding.router)
    api.include_router(funding.funding)
    api.include_router(exports.router)
    api.include_router(resources.requests)
    api.include_router(resources.mine)
    api.include_router(resources.per_intervention)
    api.include_router(subscriptions.router)
    api.include_router(subscriptions.events)
    api.include_router(audit.router)
    api.include_router(offices.router)
    api.include_router(tokens.router)
    api.include_router(console.session)
    api.include_router(console.page)
    install_openapi(api)
    identities = IdentityCheck(runtime.views.roster, runtime.offices, runtime.roster_ready)
    install(api, settings, identities=identities)  # after every router: it checks that each /v1 route declares who may call it
    audit.install_audit(api)  # after install: outside it, so it sees the gate's refusals and every final status
    # Responses over 1 KiB are gzipped for clients that accept it (never the event stream, which must flush).
    api.add_middleware(GZipMiddleware, minimum_size=1024, compresslevel=5)
    return api
