"""Fixtures for auth tests: settings on a tmp data dir, a token store with a movable clock, a small FastAPI app."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel

from api.auth import AnyRoleDep, CoordinatorDep, ExpertOrStaffDep, PUBLIC_ROUTE, Role, TokenStore, allow, ensure_owner
from api.auth.ratelimit import RateLimit
from api.errors import NotFound
from api.middleware import install
from config.settings import Settings

START = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


class Clock:
    """Wall clock and monotonic clock that tests move by hand."""

    def __init__(self) -> None:
        self.now = START
        self.mono = 1000.0

    def wall(self) -> datetime:
        return self.now

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)
        self.mono += seconds


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", max_body_bytes=2048, log_json=False)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(settings, clock) -> TokenStore:
    return TokenStore.from_settings(settings, clock=clock.wall, monotonic=clock.monotonic)


class SignalIn(BaseModel):
    signal_id: str
    title: str


DEPLOYMENTS = {"d1": "E1", "d2": "E2"}


def build_app() -> FastAPI:
    """A few routes in the shapes the real API will have."""
    api = FastAPI()
    v1 = APIRouter(prefix="/v1")

    @v1.post("/signals", status_code=202)
    async def post_signal(signal: SignalIn, principal: CoordinatorDep) -> dict:
        return {"accepted": [signal.signal_id], "by": principal.role}

    @v1.get("/me")
    async def me(principal: AnyRoleDep) -> dict:
        return {"role": principal.role, "expert_id": principal.expert_id, "partner_id": principal.partner_id,
                "grants": sorted(principal.grants)}

    @v1.get("/deployment-requests/{request_id}")
    async def get_deployment_request(request_id: str, principal: ExpertOrStaffDep) -> dict:
        detail = f"deployment request {request_id} not found"
        owner = DEPLOYMENTS.get(request_id)
        if owner is None:
            raise NotFound(detail)
        ensure_owner(principal, expert_id=owner, detail=detail)
        return {"request_id": request_id, "expert_id": owner}

    @v1.get("/undeclared")
    async def undeclared() -> dict:
        return {"leak": True}

    @v1.get("/status", dependencies=[PUBLIC_ROUTE])
    async def status(request: Request) -> dict:
        return {"open": True, "request_id": request.state.request_id}

    @v1.get("/boom", dependencies=[Depends(allow(Role.ADMIN))])
    async def boom() -> dict:
        raise RuntimeError("secret internals")

    api.include_router(v1)

    @api.get("/health", dependencies=[PUBLIC_ROUTE])
    async def health() -> dict:
        return {"status": "ok"}

    return api


@pytest.fixture
def make_client(settings, store):
    """An httpx client on the small app with auth installed (use it with `async with`); `rate` tunes the limiter."""

    def make(rate: RateLimit | None = None, raise_app_exceptions: bool = True) -> httpx.AsyncClient:
        api = build_app()
        install(api, settings, store=store, rate_limit=rate or RateLimit(per_s=1000, burst=1000), check_routes=False)
        transport = httpx.ASGITransport(app=api, raise_app_exceptions=raise_app_exceptions)
        return httpx.AsyncClient(transport=transport, base_url="http://rrc.test")

    return make


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}
