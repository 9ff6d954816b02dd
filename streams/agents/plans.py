"""The planning agent: owns each crisis's plans and interventions (table `plans`, keyed by crisis id).

It reads rrc.crises (crisis events) and rrc.commands (coordinators' approve/patch/close commands). Both are keyed by
crisis id with the same partition count, so the events and the commands of one crisis reach the same worker, which
is the single writer of that crisis's PlanBook; its changelog partition is the input partition. Order per batch
(BatchRunner): emit (rrc.plans, and the public types on rrc.response-events), wait for the acks, write the table: a crash
in between replays the event and the planner's ids make the replay harmless.

The staffing of launched interventions is kept in the same book (`responders.deployments.owner`): approval starts
the offers, and the experts' answers, the ledgers' hold results and the sweep's expiries come as commands. Besides
rrc.plans it emits deployment events and staffing snapshots to rrc.deployments, their public copies (no expert
ids) to rrc.response-events, hold requests to rrc.ledger (keyed by expert id, see `streams.agents.ledger`) and
notifications to the rrc.notifications outbox.

Decisions are in `responders.plans.planner` and `responders.deployments.owner`; this module decodes, calls them
and emits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass
from typing import Any

import faust

from config.plan_templates import load_templates
from responders.deployments.owner import (
    STAFFING_UPDATED,
    StaffingConfig,
    StaffingOutcome,
    handle_command,
    notification_for,
    public_data,
    seats_summary,
)
from responders.deployments.staffing import AskHold, ConfirmHold, DeploymentEvent, Release
from responders.plans import Command, PlanBook, on_crisis_event
from responders.plans.planner import PLANNED_ON
from responders.plans.matcher import RosterMatcher
from responders.plans.models import PlanEvent, PlanEventType
from streams import metrics
from streams.agents.batching import BatchRunner, each_event, write_table
from streams.app import Runtime
from vocabulary.cloudevents import CloudEvent

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
    deployments_name, ledger_name = topics.deployments.get_topic_name(), topics.ledger.get_topic_name()
    notifications_name = topics.notifications.get_topic_name()
    staffing_config = StaffingConfig(parallel=settings.deployment_parallel_offers,
                                     answer_hours=dict(settings.deployment_answer_hours),
                                     answer_otherwise=settings.deployment_answer_hours_default)
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
        # Decisions read the roster (matching, rest days): after a restart, wait until its view has loaded it.
        await runtime.services["roster-view"].caught_up.wait()
        now = runtime.clock()
        books: dict[str, tuple[Any, PlanBook]] = {}  # crisis id -> (event that last changed it, its new book)
        sends = []
        for ev in each_event(stream, batch):
            try:
                outcome = decide(ev, now, books)
            except Exception as exc:  # noqa: BLE001 - a poison message is logged and counted, never stops the agent
                metrics.ERRORS.labels(STAGE, type(exc).__name__).inc()
                log.exception("plan input failed", extra={"stage": STAGE, "topic": ev.message.topic,
                                                          "offset": ev.message.offset})
                continue
            if outcome is None:
                continue
            books[outcome.crisis_id] = (ev, outcome.book)
            for event in outcome.events:
                sends.extend(await emit(outcome.crisis_id, event))
            if outcome.staffing is not None:
                sends.extend(await emit_staffing(outcome.crisis_id, outcome.staffing, now))
        if sends:
            await asyncio.gather(*sends)
        write_table(stream, table, [(ev, crisis_id, book.model_dump_json())
                                    for crisis_id, (ev, book) in books.items()])
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

    async def emit_staffing(crisis_id: str, out: StaffingOutcome, now) -> list:
        key, book, futures = crisis_id.encode(), out.book, []
        for event in out.deployment_events:
            futures.extend(await emit_deployment(key, book, event))
        for iv_id in out.staffing_changed:
            st = book.staffing[iv_id]
            snapshot = {"type": STAFFING_UPDATED, "crisis_id": crisis_id, "intervention_id": iv_id,
                        "occurred_at": now.isoformat(), "staffing": st.model_dump(mode="json"),
                        "seats": seats_summary(st)}
            futures.append(await app.producer.send(deployments_name, key, json.dumps(snapshot).encode(), None, None,
                                                   [("rrc-event-type", STAFFING_UPDATED.encode())]))
        for action in out.ledger:
            futures.append(await app.producer.send(ledger_name, action.expert_id.encode(), ledger_message(action),
                                                   None, None, [("rrc-ledger", type(action).__name__.encode())]))
        return futures

    async def emit_deployment(key: bytes, book: PlanBook, event: DeploymentEvent) -> list:
        intervention = book.intervention(event.intervention_id)
        value = event.model_dump_json(exclude_none=True).encode()
        futures = [await app.producer.send(deployments_name, key, value, None, None,
                                           [("rrc-event-type", event.type.encode())])]
        ce = CloudEvent(id=event.event_id, type=event.type, time=event.occurred_at, subject=event.intervention_id,
                        data=public_data(event, intervention),
                        extensions={"rrcexercise": "true" if intervention.exercise else "false",
                                    "rrccrisisid": event.crisis_id})
        headers, public_value = ce.to_kafka_binary()
        futures.append(await app.producer.send(public_name, key, public_value, None, None, headers))
        note = notification_for(event, book.staffing[event.intervention_id])
        if note is not None:
            futures.append(await app.producer.send(notifications_name, note["expert_id"].encode(),
                                                   json.dumps(note).encode(), None, None, None))
        metrics.DEPLOYMENT_EVENTS.labels(event.type).inc()
        log.info(event.type, extra={"crisis_id": event.crisis_id, "event_id": event.event_id,
                                    "intervention_id": event.intervention_id, "request_id": event.request_id,
                                    "role": event.role, "seat": event.seat})
        return futures

    sweep_sent: dict[str, tuple[Any, float]] = {}

    async def send_expiry_commands() -> None:
        """The APScheduler job (also run at start-up): ask the owners of interventions with overdue offers to
        expire them. Deadlines live in the staffing state (table and rrc.deployments), so no timer is lost on a
        restart; a duplicate command is harmless (the owner finds nothing overdue the second time)."""
        view = runtime.views["deployments"]
        now = runtime.clock()
        metrics.OPEN_OFFERS.set(view.open_offers)
        loop_now = asyncio.get_running_loop().time()
        for due in view.overdue(now):
            sent = sweep_sent.get(due.intervention_id)
            if sent is not None and sent[0] == due.respond_by and loop_now - sent[1] < 2 * settings.expiry_sweep_interval_s:
                continue  # asked already; the owner has not caught up yet
            command = Command(command_id=f"expire-{due.intervention_id}-{now.isoformat()}", type="expire_due",
                              crisis_id=due.crisis_id, intervention_id=due.intervention_id, actor="expiry-sweep",
                              role="system", issued_at=now)
            await app.producer.send_and_wait(commands_name, due.crisis_id.encode(), command.model_dump_json().encode(),
                                             None, None, [("rrc-command", b"expire_due")])
            sweep_sent[due.intervention_id] = (due.respond_by, loop_now)
            metrics.EXPIRY_SWEEPS.inc()
            log.info("expire_due sent", extra={"crisis_id": due.crisis_id, "intervention_id": due.intervention_id})

    runtime.jobs.append(("deployment-expiry-sweep", send_expiry_commands, settings.expiry_sweep_interval_s))

    def relax(intervention, role, exclude):
        return matcher().relaxed_candidates(intervention, role, exclude)

    def load_book(crisis_id: str) -> PlanBook:
        raw = table.get(crisis_id)
        if raw is None:
            return PlanBook(crisis_id=crisis_id)
        return PlanBook.model_validate_json(raw) if isinstance(raw, str) else PlanBook.model_validate(raw)

    def decide(ev, now, books: dict):
        if ev.message.topic == commands_name:
            command = Command.model_validate_json(ev.value)
            staffed = handle_command(book_of(command.crisis_id, books), command, now, staffing_config, relax)
            if not staffed.changed and not staffed.plan_events:
                return None
            return Decided(command.crisis_id, staffed.book, staffed.plan_events, staffed)
        message = json.loads(ev.value)
        event = message.get("event") or {}
        if event.get("type") not in PLANNED_ON:
            return None  # most crisis events are updates: no table read
        crisis_id = event["crisis_id"]
        m = matcher()
        outcome = on_crisis_event(book_of(crisis_id, books), message, now, templates, m.index, m.rank_asks,
                                  plan_exercises=settings.plan_exercises)
        return Decided(crisis_id, outcome.book, outcome.events) if outcome.changed else None

    def book_of(crisis_id: str, books: dict) -> PlanBook:
        """This batch's newest book for the crisis (not in the table yet), else the table's."""
        return books[crisis_id][1] if crisis_id in books else load_book(crisis_id)


@dataclass(frozen=True)
class Decided:
    """What one input changed: the crisis's new book, the plan events, and for commands the staffing to emit."""

    crisis_id: str
    book: PlanBook
    events: list[PlanEvent]
    staffing: StaffingOutcome | None = None


def ledger_message(action: AskHold | Release | ConfirmHold) -> bytes:
    body = {"type": type(action).__name__, **{k: str(v) if hasattr(v, "isoformat") else v
                                             for k, v in vars(action).items()}}
    return json.dumps(body).encode()
