"""The audit hook on a small app with the real edge (auth gate, request ids) and a fake producer: what it writes,
that it never changes an answer, and that write failures are logged and counted instead of failing the call."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse, PlainTextResponse, StreamingResponse
from pydantic import BaseModel

from api.audit import install_audit
from api.audit import trail
from api.auth import AnyRoleDep, CoordinatorDep, Role, TokenStore
from api.auth.ratelimit import RateLimit
from api.errors import Invalid
from api.middleware import install
from config.settings import Settings
from streams.metrics import REGISTRY
from streams.views.audit import AuditFilter, AuditView
from streams.worker import WorkerState

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AUDIT_TOPIC = "test.rrc.audit"


class ThingIn(BaseModel):
    thing_id: str


@dataclass
class FakeProducer:
    """Records what is sent; `fail` raises on send, `hang` never acknowledges."""

    sent: list[tuple[str, bytes, bytes]] = field(default_factory=list)
    fail: Exception | None = None
    hang: bool = False

    async def send(self, topic, key, value, partition, timestamp, headers):
        if self.fail is not None:
            raise self.fail
        self.sent.append((topic, key, value))
        future = asyncio.get_running_loop().create_future()
        if not self.hang:
            future.set_result(None)
        return future


def build_app() -> FastAPI:
    api = FastAPI()
    v1 = APIRouter(prefix="/v1/things")

    @v1.post("", status_code=201)
    async def create(body: ThingIn, principal: CoordinatorDep) -> JSONResponse:
        return JSONResponse({"thing_id": body.thing_id, "name": "t"}, status_code=201)

    @v1.patch("/{thing_id}")
    async def update(thing_id: str, principal: CoordinatorDep) -> dict:
        if thing_id == "bad":
            raise Invalid("thing_id: bad")
        return {"thing_id": thing_id}

    @v1.post("/bulk", status_code=202)
    async def bulk(principal: CoordinatorDep, n: int = 300) -> JSONResponse:
        return JSONResponse({"accepted": [f"t{i}" for i in range(n)], "rejections": []}, status_code=202)

    @v1.post("/text")
    async def text(principal: CoordinatorDep) -> PlainTextResponse:
        return PlainTextResponse("done thing_id=zzz")

    @v1.post("/stream")
    async def stream(principal: CoordinatorDep) -> StreamingResponse:
        async def parts():
            yield b'{"thing_id": "th-s", "pad": "'
            for _ in range(4):
                yield b"x" * 1000
            yield b'"}'
        return StreamingResponse(parts(), media_type="application/json")

    @v1.get("")
    async def listing(principal: AnyRoleDep) -> dict:
        return {"items": [], "total": 0, "next": None}

    api.include_router(v1)
    return api


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path / "data", log_json=False)


@pytest.fixture
def store(settings) -> TokenStore:
    return TokenStore.from_settings(settings)


@pytest.fixture
def producer() -> FakeProducer:
    return FakeProducer()


@pytest.fixture
def edge(settings, store, producer):
    """(app, view, worker): the small app behind the real edge, with the audit hook outermost."""
    api = build_app()
    install(api, settings, store=store, rate_limit=RateLimit(per_s=1000, burst=1000))
    install_audit(api, max_capture=2048)
    view = AuditView()
    api.state.runtime = SimpleNamespace(
        topics=SimpleNamespace(audit=SimpleNamespace(get_topic_name=lambda: AUDIT_TOPIC)),
        views=SimpleNamespace(audit=view), app=SimpleNamespace(producer=producer), clock=lambda: NOW)
    api.state.worker = SimpleNamespace(state=WorkerState.RUNNING)
    return api, view, api.state.worker


def client(api: FastAPI, token: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://rrc.test", headers=headers)


def failures(reason: str) -> float:
    return REGISTRY.get_sample_value("rrc_audit_failures_total", {"reason": reason}) or 0.0


def sent_events(producer: FakeProducer) -> list[dict]:
    return [json.loads(value) for _, _, value in producer.sent]


async def test_a_change_writes_one_event_before_its_answer(edge, store, producer):
    api, view, _ = edge
    issued = store.issue(Role.COORDINATOR, office_id="hq")
    async with client(api, issued.token) as c:
        r = await c.post("/v1/things", json={"thing_id": "th-1"}, headers={"X-Request-ID": "req-42"})
    assert r.status_code == 201 and r.json() == {"thing_id": "th-1", "name": "t"}
    assert r.headers["x-request-id"] == "req-42"
    [(topic, key, value)] = producer.sent
    event = json.loads(value)
    assert topic == AUDIT_TOPIC and key == b"th-1"
    assert {k: event[k] for k in ("actor", "role", "action", "operation", "path", "status", "outcome",
                                  "request_id", "affected", "at")} == {
        "actor": issued.record.token_id, "role": "coordinator", "action": "things.create",
        "operation": "POST /v1/things", "path": "/v1/things", "status": 201, "outcome": "applied",
        "request_id": "req-42", "affected": ["th-1"], "at": "2025-06-01T12:00:00Z"}
    assert view.list(AuditFilter(), 10, None).items == [event]  # the caller reads its own trail at once


async def test_path_parameters_and_generated_request_ids_are_recorded(edge, store, producer):
    api, _, _ = edge
    async with client(api, store.issue(Role.ADMIN).token) as c:
        r = await c.patch("/v1/things/th-9")
    assert r.status_code == 200
    [event] = sent_events(producer)
    assert event["action"] == "things.update" and event["operation"] == "PATCH /v1/things/{thing_id}"
    assert event["affected"] == ["th-9"] and event["role"] == "admin"
    assert event["request_id"] == r.headers["x-request-id"]


async def test_a_role_refused_by_the_gate_is_a_denied_event(edge, store, producer):
    api, _, _ = edge
    issued = store.issue(Role.EXPERT, expert_id="exp-5")
    async with client(api, issued.token) as c:
        r = await c.patch("/v1/things/th-2")
    assert r.status_code == 403 and r.json()["error"] == "forbidden"
    [event] = sent_events(producer)
    assert (event["outcome"], event["status"], event["actor"], event["expert_id"]) == (
        "denied", 403, issued.record.token_id, "exp-5")
    assert event["action"] == "things.update" and event["affected"] == ["th-2"]


async def test_reads_anonymous_calls_and_failed_changes_write_nothing(edge, store, producer):
    api, view, _ = edge
    token = store.issue(Role.COORDINATOR, office_id="hq").token
    async with client(api, token) as c:
        assert (await c.get("/v1/things")).status_code == 200
        assert (await c.patch("/v1/things/bad")).status_code == 422
        assert (await c.post("/v1/things", json={"nope": 1})).status_code == 422
        assert (await c.delete("/v1/things/th-1")).status_code == 405
    async with client(api) as anonymous:
        assert (await anonymous.post("/v1/things", json={"thing_id": "x"})).status_code == 401
    assert producer.sent == [] and len(view) == 0


async def test_many_returned_ids_are_cut_to_the_bound(edge, store, producer):
    api, _, _ = edge
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things/bulk", params={"n": 300})
    assert r.status_code == 202 and len(r.json()["accepted"]) == 300
    [event] = sent_events(producer)
    assert event["affected"] == [f"t{i}" for i in range(100)] and event["affected_total"] == 300
    assert event["action"] == "things.bulk"


async def test_a_body_over_the_capture_bound_goes_out_unread(edge, store, producer):
    api, _, _ = edge
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things/bulk", params={"n": 1000})
    assert len(r.content) > 2048
    assert r.status_code == 202 and r.json()["accepted"] == [f"t{i}" for i in range(1000)]
    [event] = sent_events(producer)
    assert event["affected"] == [] and event["affected_total"] == 0 and event["action"] == "things.bulk"


async def test_a_streamed_answer_over_the_bound_is_released_early_and_still_audited(edge, store, producer):
    api, _, _ = edge
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things/stream")
    assert r.status_code == 200 and r.json() == {"thing_id": "th-s", "pad": "x" * 4000}
    [event] = sent_events(producer)
    assert event["action"] == "things.stream" and event["affected"] == []


async def test_non_json_answers_are_passed_on_unchanged(edge, store, producer):
    api, _, _ = edge
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things/text")
    assert r.status_code == 200 and r.text == "done thing_id=zzz"
    [event] = sent_events(producer)
    assert event["affected"] == [] and event["action"] == "things.text"


async def test_a_broker_error_is_counted_and_the_change_still_succeeds(edge, store, producer, caplog):
    api, view, _ = edge
    producer.fail = ConnectionError("broker gone")
    before = failures("ConnectionError")
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things", json={"thing_id": "th-3"})
    assert r.status_code == 201 and r.json()["thing_id"] == "th-3"
    assert failures("ConnectionError") == before + 1
    assert len(view) == 0
    assert any("audit event not written" in rec.getMessage() for rec in caplog.records)


async def test_an_unacknowledged_event_times_out_and_is_counted(edge, store, producer, monkeypatch):
    api, view, _ = edge
    producer.hang = True
    monkeypatch.setattr(trail, "PUBLISH_TIMEOUT_S", 0.2)
    before = failures("Unavailable")
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.post("/v1/things", json={"thing_id": "th-4"})
    assert r.status_code == 201
    assert failures("Unavailable") == before + 1 and len(view) == 0


async def test_a_stopped_worker_is_counted(edge, store, producer):
    api, _, worker = edge
    worker.state = WorkerState.STOPPING
    before = failures("Unavailable")
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.patch("/v1/things/th-5")
    assert r.status_code == 200 and producer.sent == []
    assert failures("Unavailable") == before + 1


async def test_a_broken_audit_build_never_breaks_the_answer(edge, store, producer):
    api, _, _ = edge
    api.state.runtime.clock = lambda: datetime(2025, 1, 1)  # naive: the event refuses it
    before = failures("build:ValidationError")
    async with client(api, store.issue(Role.COORDINATOR, office_id="hq").token) as c:
        r = await c.patch("/v1/things/th-6")
    assert r.status_code == 200 and r.json() == {"thing_id": "th-6"}
    assert producer.sent == [] and failures("build:ValidationError") == before + 1
