"""The ledger agent: the single writer of each expert's reservations (table `ledgers`, keyed by expert id).

Why a separate owner: the staffing of an intervention lives with its crisis (keyed by crisis id), but two crises on
two workers may want the same expert at once. Every hold therefore goes to the expert's own ledger on rrc.ledger,
keyed by expert id, so one worker decides for each expert, in order: the first hold it reads is granted and an
overlapping second one (rest days included) is refused, whichever workers the two crises live on. The decision
goes back to the crisis's owner as a `hold_result` command on rrc.commands (keyed by crisis id). Holds are
idempotent by request id, so a replay after a crash answers the same.

Decisions are `responders.deployments.ledger.try_hold / confirm / release`; this module decodes, calls and emits.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from typing import Any

import faust

from responders.deployments.ledger import ExpertLedger, Hold, confirm, release, try_hold
from responders.plans.models import Command
from streams import metrics
from streams.agents.batching import BatchRunner, each_event, write_table
from streams.app import Runtime

log = logging.getLogger("rrc.ledger")
STAGE = "ledger"


def hold_result(message: dict[str, Any], granted: bool, reason: str | None, at: datetime) -> Command:
    return Command(command_id=f"hold-{message['request_id']}", type="hold_result", crisis_id=message["crisis_id"],
                   intervention_id=message["intervention_id"], request_id=message["request_id"], granted=granted,
                   reason=reason[:500] if reason else None, actor="ledger", role="system", issued_at=at)


def register(runtime: Runtime) -> None:
    app, topics, settings = runtime.app, runtime.topics, runtime.settings
    partitions = topics.ledger.partitions or settings.topic_partitions
    schema = faust.Schema(key_type=str, key_serializer="raw", value_serializer="json")
    table = app.Table("ledgers", partitions=partitions, schema=schema, default=None)
    ledger_name, commands_name = topics.ledger.get_topic_name(), topics.commands.get_topic_name()
    source = app.topic(ledger_name, key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw",
                       partitions=partitions)
    runner = BatchRunner(app, STAGE, settings.bootstrap_servers, max_events=500, within_s=0.01)

    @app.agent(source, name=f"{settings.topic_prefix}ledger", concurrency=1)
    async def ledger_agent(stream):
        await runner.run(stream, handle_batch)

    def rest_days(expert_id: str) -> int:
        expert = runtime.views["roster"].experts.records.get(expert_id)
        return expert.rest_days if expert is not None else 0

    def load(expert_id: str, ledgers: dict) -> ExpertLedger:
        if expert_id in ledgers:
            return ledgers[expert_id][1]
        raw = table.get(expert_id)
        if raw is None:
            return ExpertLedger(expert_id=expert_id)
        return ExpertLedger.model_validate_json(raw) if isinstance(raw, str) else ExpertLedger.model_validate(raw)

    async def handle_batch(stream, batch) -> None:
        # Decisions read the roster (matching, rest days): after a restart, wait until its view has loaded it.
        await runtime.services["roster-view"].caught_up.wait()
        now = runtime.clock()
        ledgers: dict[str, tuple[Any, ExpertLedger]] = {}
        sends = []
        for ev in each_event(stream, batch):
            try:
                message = json.loads(ev.value)
                expert_id = message["expert_id"]
                ledger = load(expert_id, ledgers)
                kind = message["type"]
                if kind == "AskHold":
                    hold = Hold(request_id=message["request_id"], intervention_id=message["intervention_id"],
                                crisis_id=message["crisis_id"], start=date.fromisoformat(message["start"]),
                                end=date.fromisoformat(message["end"]))
                    ledger, decision = try_hold(ledger, hold, rest_days(expert_id))
                    command = hold_result(message, decision.granted, decision.reason, now)
                    sends.append(await app.producer.send(commands_name, command.crisis_id.encode(),
                                                         command.model_dump_json().encode(), None, None,
                                                         [("rrc-command", b"hold_result")]))
                    metrics.LEDGER_HOLDS.labels("granted" if decision.granted else "refused").inc()
                    log.info("hold granted" if decision.granted else "hold refused",
                             extra={"expert_id": expert_id, "request_id": hold.request_id,
                                    "crisis_id": hold.crisis_id, "intervention_id": hold.intervention_id})
                elif kind == "ConfirmHold":
                    ledger = confirm(ledger, message["request_id"])
                elif kind == "Release":
                    ledger = release(ledger, message["request_id"])
                else:
                    raise ValueError(f"unknown ledger message type {kind!r}")
                ledgers[expert_id] = (ev, ledger)
            except Exception as exc:  # noqa: BLE001 - a poison message is logged and counted, never stops the agent
                metrics.ERRORS.labels(STAGE, type(exc).__name__).inc()
                log.exception("ledger input failed", extra={"stage": STAGE, "offset": ev.message.offset})
        if sends:
            await asyncio.gather(*sends)
        write_table(stream, table, [(ev, expert_id, ledger.model_dump_json())
                                    for expert_id, (ev, ledger) in ledgers.items()])
        metrics.MESSAGES_IN.labels(STAGE).inc(len(batch))
        metrics.MESSAGES_OUT.labels(STAGE).inc(len(sends))
        metrics.LAST_PROCESSED.labels(STAGE).set(now.timestamp())
