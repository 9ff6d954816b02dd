"""Partners' webhook subscriptions, their delivery logs and replays; the live event stream (SSE).

A partner reaches only its own subscriptions (another partner's is 404, as if it did not exist). The signing
secret (`whsec_…`) is in the answer to creation and to a rotation, never again. Subscriptions are records on the
compacted rrc.subscriptions topic; the delivery service (`streams/stages/webhooks.py`) reads them from there.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from fastapi import APIRouter, Body, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sse_starlette.sse import EventSourceResponse

from api.auth.deps import PartnerDep, PartnerOrAdminDep, PartnerOrStaffDep
from api.auth.roles import STAFF, Grant as TokenGrant, Principal, Role
from api.auth.scope import ScopeDep
from api.deps import RuntimeDep, WorkerDep
from api.errors import Invalid, NotFound
from api.publish import publish_record, publish_records, require_running
from responders.partners.filters import Grant, SubscriptionFilter, entitled, facts_of
from responders.partners.subscriptions import (
    Subscription,
    SubscriptionCreate,
    create_subscription,
    public_view,
    rotate_secret,
    wants,
)
from responders.security.targets import TargetRefused, check_resolved
from streams import metrics
from vocabulary.cloudevents import CloudEvent
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate

router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"])
events = APIRouter(prefix="/v1/events", tags=["events"])
MAX_REPLAY_EVENTS = 100_000


def _grant(principal: Principal) -> Grant:
    return Grant(restricted=principal.has_grant(TokenGrant.RESTRICTED), exercise=principal.has_grant(TokenGrant.EXERCISE))


def _own(runtime, principal: Principal, subscription_id: str, request: Request | None = None) -> Subscription:
    """The partner's own subscription; an admin (operator) reaches any, and the read is audited."""
    sub = runtime.views.subscriptions.records.get(subscription_id)
    if sub is None or (sub.partner_id != principal.partner_id and principal.role is not Role.ADMIN):
        raise NotFound(f"subscription_id: no subscription {subscription_id!r}")
    if request is not None and principal.role is Role.ADMIN:
        request.state.audit_read = True
    return sub


async def _save(runtime, worker, sub: Subscription) -> None:
    await publish_record(runtime, worker, runtime.topics.subscriptions.get_topic_name(), sub.subscription_id,
                         sub.model_dump_json().encode())
    runtime.views.subscriptions.records[sub.subscription_id] = sub  # read-your-write before the view catches up


@router.post("", status_code=201, summary="Subscribe to response events (partner); the signing secret is shown once")
async def create(principal: PartnerDep, runtime: RuntimeDep, worker: WorkerDep,
                 body: SubscriptionCreate = Body(...)) -> JSONResponse:
    require_running(worker)
    try:
        await check_resolved(body.url, allow_private=runtime.settings.allow_private_targets)
    except TargetRefused as exc:
        raise Invalid(f"url: {exc}") from exc
    except OSError as exc:
        raise Invalid(f"url: the host cannot be resolved ({exc})") from exc
    sub, secret = create_subscription(principal.partner_id or "", body, runtime.clock(), grant=_grant(principal))
    await _save(runtime, worker, sub)
    return JSONResponse({**public_view(sub), "secret": secret}, status_code=201)


@router.get("", summary="My subscriptions (partner), oldest first, paginated; an admin sees every partner's "
                        "(or one partner's, with partner_id), audited")
async def list_mine(principal: PartnerOrAdminDep, runtime: RuntimeDep, request: Request,
                    partner_id: str | None = Query(None, max_length=128, description="admins: one partner's only"),
                    limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                    cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    if principal.role is Role.ADMIN:
        request.state.audit_read = True
        subs = [s for s in runtime.views.subscriptions.records.values()
                if partner_id is None or s.partner_id == partner_id]
    else:
        subs = runtime.views.subscriptions.of_partner(principal.partner_id or "")
    page = paginate(subs, lambda s: (s.created_at.isoformat(), s.subscription_id), limit, cursor)
    return page.to_json(public_view)


@router.get("/{subscription_id}", summary="One of my subscriptions (partner; an admin reads any, audited)")
async def get_one(subscription_id: str, principal: PartnerOrAdminDep, runtime: RuntimeDep,
                  request: Request) -> dict[str, Any]:
    return public_view(_own(runtime, principal, subscription_id, request))


@router.delete("/{subscription_id}", status_code=204, summary="Delete one of my subscriptions (partner)")
async def delete(subscription_id: str, principal: PartnerDep, runtime: RuntimeDep, worker: WorkerDep) -> Response:
    sub = _own(runtime, principal, subscription_id)
    await publish_record(runtime, worker, runtime.topics.subscriptions.get_topic_name(), sub.subscription_id, None)
    runtime.views.subscriptions.records.pop(sub.subscription_id, None)
    return Response(status_code=204)


@router.post("/{subscription_id}/rotate-secret", summary="A new signing secret; the old one keeps signing for the "
                                                         "overlap window (RRC_WEBHOOK_SECRET_OVERLAP_S)")
async def rotate(subscription_id: str, principal: PartnerDep, runtime: RuntimeDep, worker: WorkerDep) -> dict[str, Any]:
    sub = _own(runtime, principal, subscription_id)
    rotated, secret = rotate_secret(sub, runtime.clock(), runtime.settings.webhook_secret_overlap_s)
    await _save(runtime, worker, rotated)
    return {**public_view(rotated), "secret": secret}


@router.get("/{subscription_id}/deliveries", summary="The subscription's delivery log (latest 1,000 events): "
                                                     "attempts, status codes, latency; newest first")
async def deliveries(subscription_id: str, principal: PartnerOrAdminDep, runtime: RuntimeDep, request: Request,
                     status: str | None = Query(None, pattern="^(pending|delivered|failed|gone|exhausted)$"),
                     limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                     cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    sub = _own(runtime, principal, subscription_id, request)
    rows = runtime.views.webhook_log.deliveries(sub.subscription_id, status)
    page = paginate(rows, lambda row: (-row["seq"],), limit, cursor)  # newest first
    return page.to_json()



@router.post("/{subscription_id}/replay", status_code=202,
             summary="Deliver again every event since a time that this subscription wants (dead letters included; "
                     "the partner, or an admin)")
async def replay(subscription_id: str, principal: PartnerOrAdminDep, runtime: RuntimeDep, worker: WorkerDep,
                 since: datetime = Query(..., description="ISO 8601 time with zone")) -> JSONResponse:
    sub = _own(runtime, principal, subscription_id)
    require_running(worker)
    if since.tzinfo is None:
        raise Invalid("since: give a time zone (e.g. 2026-03-02T08:00:00Z)")
    found = await _events_since(runtime, since)
    chosen = [e for e in found if wants(sub, facts_of(e)) and entitled(sub.grant, e, sub.partner_id)]
    replay_id = f"rpl_{uuid.uuid4().hex[:16]}"
    topic = runtime.topics.webhook_jobs.get_topic_name()
    await publish_records(runtime, worker, topic, [
        (sub.subscription_id, json.dumps({"subscription_id": sub.subscription_id, "replay_id": replay_id,
                                          "event": e.to_structured()}, default=str).encode()) for e in chosen])
    return JSONResponse({"replay_id": replay_id, "subscription_id": sub.subscription_id, "since": since.isoformat(),
                         "events": len(chosen)}, status_code=202)


async def _events_since(runtime, since: datetime) -> list[CloudEvent]:
    """Public events from `since` to the current end of rrc.response-events (read directly, every partition)."""
    topic = runtime.topics.response_events.get_topic_name()
    consumer = AIOKafkaConsumer(bootstrap_servers=runtime.settings.bootstrap_servers, group_id=None,
                                enable_auto_commit=False, client_id="rrc-replay")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or ())]
        if not tps:
            return []
        consumer.assign(tps)
        ends = await consumer.end_offsets(tps)
        starts = await consumer.offsets_for_times({tp: int(since.timestamp() * 1000) for tp in tps})
        todo = {}
        for tp in tps:
            start = starts.get(tp)
            if start is not None and start.offset < ends[tp]:
                consumer.seek(tp, start.offset)
                todo[tp] = ends[tp]
        out: list[CloudEvent] = []
        while todo and len(out) < MAX_REPLAY_EVENTS:
            batches = await consumer.getmany(*todo, timeout_ms=1000, max_records=5000)
            if not batches:
                break
            for tp, records in batches.items():
                for r in records:
                    if r.offset < todo.get(tp, 0):
                        out.append(CloudEvent.from_kafka_binary(r.headers, r.value))
                if records and records[-1].offset + 1 >= todo.get(tp, 0):
                    todo.pop(tp, None)
        return out
    finally:
        try:
            await consumer.stop()
        except asyncio.CancelledError:
            # aiokafka cancels its own committed-offsets task on stop and may let that surface here; only a
            # cancellation of this request itself is passed on.
            if asyncio.current_task().cancelling():
                raise


# --- the live stream ------------------------------------------------------------------------------------------

def _stream_filter(event_types: str | None, kinds: str | None, hazards: str | None, countries: str | None,
                   regions: str | None, min_severity: str | None) -> SubscriptionFilter:
    """The query's comma lists as one filter (event types included; none means every type)."""
    split = lambda v: [x.strip() for x in v.split(",") if x.strip()] if v else []  # noqa: E731
    try:
        return SubscriptionFilter(event_types=split(event_types), kinds=split(kinds), hazards=split(hazards),
                                  countries=split(countries), regions=split(regions), min_severity=min_severity or None)
    except ValidationError as exc:
        first = exc.errors()[0]
        raise Invalid(f"{'.'.join(str(p) for p in first['loc']) or 'query'}: {first['msg']}") from exc


@events.get("/stream", summary="Server-Sent Events of the response events I may see, filtered; resume with "
                               "Last-Event-ID")
async def stream(request: Request, principal: PartnerOrStaffDep, runtime: RuntimeDep, scope: ScopeDep,
                 event_types: str | None = Query(None, max_length=1000, description="comma-separated patterns"),
                 kinds: str | None = Query(None, max_length=200), hazards: str | None = Query(None, max_length=500),
                 countries: str | None = Query(None, max_length=1000), regions: str | None = Query(None, max_length=500),
                 min_severity: str | None = Query(None, max_length=20),
                 last_event_id: str | None = Header(None, alias="Last-Event-ID", max_length=200)) -> EventSourceResponse:
    flt = _stream_filter(event_types, kinds, hazards, countries, regions, min_severity)
    grant = Grant(restricted=True, exercise=True) if principal.role in STAFF else _grant(principal)
    view = runtime.views.public_events
    position = view.position_of(last_event_id)
    if position is None:
        # No id: live from now. An id no longer (or never) buffered: everything still buffered, so nothing newer is
        # lost (older events than the buffer are for the replay endpoint or the topic itself).
        position = view.seq if last_event_id is None or not view.events else view.events[0][0] - 1

    def visible(event: CloudEvent) -> bool:
        facts = facts_of(event)
        return (flt.matches(facts) and entitled(grant, event, principal.partner_id, staff=principal.role in STAFF)
                and in_scope(event, facts))

    def in_scope(event: CloudEvent, facts) -> bool:
        """A coordinator's office: by the event's countries, else by its crisis (an event naming neither is out)."""
        if scope.whole:
            return True
        if facts.countries:
            return scope.sees_countries(facts.countries)
        data = event.data if isinstance(event.data, dict) else {}
        return scope.sees_crisis(data.get("crisis_id"))

    async def generate():
        seq = position
        metrics.SSE_CLIENTS.inc()
        try:
            while True:
                changed = view.changed
                for seq_now, event in view.after(seq):
                    seq = seq_now
                    if visible(event):
                        yield {"id": event.id, "event": event.type,
                               "data": json.dumps(event.to_structured(), separators=(",", ":"), default=str)}
                if await request.is_disconnected():
                    return
                try:
                    await asyncio.wait_for(changed.wait(), 5)
                except asyncio.TimeoutError:
                    pass
        finally:
            metrics.SSE_CLIENTS.dec()

    return EventSourceResponse(generate(), ping=15)
