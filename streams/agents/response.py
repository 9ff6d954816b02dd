"""The response owner: each crisis's plans, interventions and staffing (table `plans`, keyed by crisis id).

It reads rrc.crises (the crisis events it plans on) and rrc.commands (coordinators' and experts' commands, the
ledgers' `HoldDecided`, the sweep's `ExpireDue`). Both are keyed by crisis id with the same partition count, so
everything about one crisis reaches one worker, the single writer of its `ResponseBook`. It emits plan events
(rrc.plans), deployment events and staffing snapshots (rrc.deployments), holds to the experts' ledgers
(rrc.ledger), notifications (rrc.notifications) and the public copies (rrc.response-events).

Decisions: `responders.response.owner` (one handler per message class, in `HANDLERS`). This module decodes and
wires; the primitive emits, writes, acks. The expiry sweep is a timer that sends `ExpireDue` commands.
"""

from __future__ import annotations

import asyncio
from functools import cache

from config.plan_templates import load_templates
from config.topics import COMMANDS, CRISES, DEADLETTER
from responders.crises.owner import CrisisRecorded
from responders.deployments.commands import ExpireDue
from responders.deployments.owner import StaffingConfig
from responders.plans.matcher import RosterMatcher
from responders.plans.planner import PLANNED_ON
from responders.response.book import ResponseBook
from responders.registry import inbox
from responders.response.owner import ResponseContext, decide
from streams import metrics
from streams.agents.owner import Owner, OwnerSpec
from streams.agents.records import load_model, send_records, typed_decoder
from streams.scheduler import Job
from streams.wiring import Wiring

STAGE = "plan"
PLANNED = {t.encode() for t in PLANNED_ON}


def build(wiring: Wiring) -> tuple[Owner, Job]:
    settings = wiring.settings
    commands = typed_decoder(*(c for c in inbox(STAGE) if c is not CrisisRecorded))
    crises_topic = settings.topic_name(CRISES.name)

    def decode(ev):
        if ev.message.topic != crises_topic:
            return commands(ev)
        planned = (dict(ev.message.headers or ()).get("rrc-event-type") or b"") in PLANNED
        return CrisisRecorded.model_validate_json(ev.value) if planned else None  # most are updates: skipped

    matcher = cache(lambda: RosterMatcher(wiring.views.roster))  # built once the roster view has loaded
    context = ResponseContext(
        templates=load_templates(),  # validated at start-up: a broken template file stops the worker here
        index=lambda: matcher().index, rank_asks=lambda asks: matcher().rank_asks(asks),
        relax=lambda iv, role, exclude: matcher().relaxed_candidates(iv, role, exclude),
        staffing=StaffingConfig(parallel=settings.deployment_parallel_offers,
                                answer_hours=dict(settings.deployment_answer_hours),
                                answer_otherwise=settings.deployment_answer_hours_default,
                                end_reminder_days=settings.deployment_end_reminder_days),
        plan_exercises=settings.plan_exercises, reservations=wiring.views.deployments.reservations,
        screens=lambda: matcher().screens)
    spec = OwnerSpec(stage=STAGE, sources=(CRISES, COMMANDS), table="plans", decode=decode,
                     decide=lambda table, batch, now: decide(context, table, batch, now),
                     load=load_model(ResponseBook), deadletter=DEADLETTER, max_events=200, within_s=0.01,
                     ready=wiring.roster_ready)
    sent: dict[str, tuple] = {}

    async def send_expiry_commands() -> None:
        """Ask the owners of interventions with overdue offers to expire them. Deadlines live in the staffing
        (table and rrc.deployments), so no timer is lost on a restart; a repeat finds nothing overdue."""
        view, now = wiring.views.deployments, wiring.clock()
        metrics.OPEN_OFFERS.set(view.open_offers)
        loop_now = asyncio.get_running_loop().time()
        for due in view.overdue(now):
            last = sent.get(due.intervention_id)
            if last is not None and last[0] == due.respond_by and loop_now - last[1] < 2 * settings.expiry_sweep_interval_s:
                continue  # asked already; the owner has not caught up yet
            command = ExpireDue(command_id=f"expire-{due.intervention_id}-{now.isoformat()}", crisis_id=due.crisis_id,
                                intervention_id=due.intervention_id, actor="expiry-sweep", role="system",
                                issued_at=now)
            await send_records(wiring.app, settings, [command.record()])
            sent[due.intervention_id] = (due.respond_by, loop_now)
            metrics.EXPIRY_SWEEPS.inc()

    return Owner(wiring, spec), Job("deployment-expiry-sweep", send_expiry_commands, settings.expiry_sweep_interval_s)
