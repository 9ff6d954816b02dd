"""The planning agent: owns each crisis's plans and interventions (table `plans`, keyed by crisis id).

It reads rrc.crises (crisis events) and rrc.commands (coordinators' approve/patch/close commands). Both are keyed by
crisis id with the same partition count, so the events and the commands of one crisis reach the same worker, which
is the single writer of that crisis's PlanBook; its changelog partition is the input partition. Order per batch
(BatchRunner): emit (rrc.plans, and the public types on rrc.response-events), wait for the acks, write the table: a crash
in between replays the event and the planner's ids make the replay harmless.

Decisions are in `responders.plans.planner`; this module decodes, calls it and emits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

import faust

from config.plan_templates import load_templates
from responders.plans import Command, PlanBook, on_command, on_crisis_event
from responders.plans.planner import PLANNED_ON
from responders.plans.matcher import RosterMatcher
from responders.plans.models import PlanEvent, PlanEventType
from streams import metrics
from streams.agents.batching import BatchRunner
from streams.app import Runtime
from streams.cloudevents import CloudEvent

log = logging.getLogger("rrc.plans")
STAGE = "plan"
PUBLIC_TYPES = {t.value for t in PlanEventType}


def plan_message(event: PlanEvent) -> bytes:
    return event.model_dump_json(exclude_none=True).encode()


def public_event(event: PlanEvent) -> CloudEvent:
    subject = event.intervention.intervention_id if event.intervention else event.plan.plan_id
    return CloudEvent(id=event.event_id, type=event.type, time=event.occurred_at, subject=subject,
                      data=event.public_data(),
                      extensions={"rrcexercise": "true" if event.exercise else "false",
                                  "rrccrisisid": event.crisis_id})


def register(runtime: Runtime) -> None:
    app, topics, settings = runtime.app, runtime.topics, runtime.settings
    templates = load_templates()  # validated at start-up: a broken template file stops the worker here
    partitions = topics.crises.partitions or settings.topic_partitions
    schema = faust.Schema(key_type=str, key_serializer="raw", value_serializer="json")
    table = app.Table("plans", partitions=partitions, schema=schema, default=None)
    crises_name, commands_name = topics.crises.get_topic_name(), topics.commands.get_topic_name()
    plans_name, public_name = topics.plans.get_topic_name(), topics.response_events.get_topic_name()
    source = app.topic(crises_name, commands_name, key_type=bytes, value_type=bytes, key_serializer="raw",
                       value_serializer="raw", partitions=partitions)
    state: dict[str, Any] = {}

    def matcher() -> RosterMatcher:
        if "matcher" not in state:
            state["matcher"] = RosterMatcher(runtime.views["roster"])
        return state["matcher"]

    runtime.services_state["plans"] = state
    runner = BatchRunner(app, STAGE, settings.bootstrap_servers, max_events=200, within_s=0.01)

    @app.agent(source, name=f"{settings.topic_prefix}plan", concurrency=1)
    async def plan_agent(stream):
        await runner.run(stream, handle_batch)

    async def handle_batch(stream, batch) -> None:
        now = runtime.clock()
        books: dict[str, tuple[Any, PlanBook]] = {}  # crisis id -> (event that last changed it, its new book)
        sends = []
        for ev in batch:
            try:
                outcome = decide(ev, now, books)
            except Exception as exc:  # noqa: BLE001 - a poison message is logged and counted, never stops the agent
                metrics.ERRORS.labels(STAGE, type(exc).__name__).inc()
                log.exception("plan input failed", extra={"stage": STAGE, "topic": ev.message.topic,
                                                          "offset": ev.message.offset})
                continue
            if outcome is None:
                continue
            crisis_id, book, events = outcome
            books[crisis_id] = (ev, book)
            for event in events:
                sends.extend(await emit(crisis_id, event))
        if sends:
            await asyncio.gather(*sends)
        for crisis_id, (ev, book) in books.items():
            stream._set_current_event(getattr(ev, "carrier", ev))  # changelog partition = input partition
            table[crisis_id] = book.model_dump_json()
        metrics.MESSAGES_IN.labels(STAGE).inc(len(batch))
        metrics.MESSAGES_OUT.labels(STAGE).inc(len(sends))
        metrics.LAST_PROCESSED.labels(STAGE).set(now.timestamp())

    async def emit(crisis_id: str, event: PlanEvent) -> list:
        key = crisis_id.encode()
        futures = [await app.producer.send(plans_name, key, plan_message(event), None, None,
                                           [("rrc-event-type", event.type.encode())])]
        if event.type in PUBLIC_TYPES:
            headers, value = public_event(event).to_kafka_binary()
            futures.append(await app.producer.send(public_name, key, value, None, None, headers))
        log.info(event.type, extra={"crisis_id": crisis_id, "event_id": event.event_id,
                                    "plan_id": event.plan.plan_id if event.plan else None,
                                    "intervention_id": event.intervention.intervention_id
                                    if event.intervention else None,
                                    "command_id": event.result.command_id if event.result else None})
        return futures

    def load_book(crisis_id: str) -> PlanBook:
        raw = table.get(crisis_id)
        if raw is None:
            return PlanBook(crisis_id=crisis_id)
        return PlanBook.model_validate_json(raw) if isinstance(raw, str) else PlanBook.model_validate(raw)

    def decide(ev, now, books: dict):
        if ev.message.topic == commands_name:
            command = Command.model_validate_json(ev.value)
            outcome = on_command(book_of(command.crisis_id, books), command, now)
            return (command.crisis_id, outcome.book, outcome.events) if outcome.changed else None
        message = json.loads(ev.value)
        event = message.get("event") or {}
        if event.get("type") not in PLANNED_ON:
            return None  # most crisis events are updates: no table read
        crisis_id = event["crisis_id"]
        m = matcher()
        outcome = on_crisis_event(book_of(crisis_id, books), message, now, templates, m.index, m.rank_asks,
                                  plan_exercises=settings.plan_exercises)
        return (crisis_id, outcome.book, outcome.events) if outcome.changed else None

    def book_of(crisis_id: str, books: dict) -> PlanBook:
        """This batch's newest book for the crisis (not in the table yet), else the table's."""
        return books[crisis_id][1] if crisis_id in books else load_book(crisis_id)
