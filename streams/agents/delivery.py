"""The delivery-control owner: each intervention's targets (table `delivery`, keyed by intervention id).

It reads rrc.delivery: the response owner's `TrackIntervention` (at launch) and `StaffingObserved` (when staffing
changes), the API's `SubmitReport`, `AddFunding` and `ReportExpenditure` and the sweep's `EvaluateDue`, all keyed by intervention id, so one worker is
the single writer of each intervention's delivery state. It emits `rrc.target.*` (public, keyed by crisis id),
notices to the outbox and report results (rrc.plans, where the API waits for them). Its table's changelog is
rrc.delivery.state, which the views read: every state it writes goes there once, as stored.

Decisions: `responders.delivery.owner`. The sweep is a timer that sends `EvaluateDue` to interventions whose
`next_check_at` (the earliest time at which time alone could move one of their statuses) has passed.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import defaultdict

from config.topics import DEADLETTER, DELIVERY, DELIVERY_STATE
from responders.delivery.models import DELIVERY_UPDATED, SWEEP_CHUNK, EvaluateDue, InterventionDelivery
from responders.delivery.owner import decide
from responders.delivery.targets import Rules
from responders.registry import inbox
from streams.agents.owner import Owner, OwnerSpec
from streams.agents.records import load_model, send_records, typed_decoder
from streams.partitioning import partition_for
from streams.scheduler import Job
from streams.wiring import Wiring

STAGE = "delivery"


def build(wiring: Wiring) -> tuple[Owner, Job]:
    settings = wiring.settings
    rules = Rules(at_risk_share=settings.delivery_at_risk_share, off_track_margin=settings.delivery_off_track_margin,
                  rate_lag_margin=settings.delivery_rate_lag_margin, offices_for=wiring.offices.responsible_for,
                  digest_over=settings.delivery_digest_over)
    spec = OwnerSpec(stage=STAGE, sources=(DELIVERY,), table="delivery", decode=typed_decoder(*inbox(STAGE)),
                     decide=lambda table, batch, now: decide(table, batch, now, rules),
                     load=load_model(InterventionDelivery), deadletter=DEADLETTER, max_events=1000, within_s=0.01,
                     changelog=DELIVERY_STATE, changelog_type=DELIVERY_UPDATED,
                     cache_entries=settings.delivery_state_cache)
    asked: dict[str, tuple[str, float]] = {}
    partitions = DELIVERY.partitions or settings.topic_partitions

    async def sweep() -> int:
        """Ask the owner of every intervention whose next check has come to re-evaluate it; returns how many.
        One command per partition and chunk of SWEEP_CHUNK interventions, keyed by its first (same partition)."""
        now, loop_now = wiring.clock(), asyncio.get_running_loop().time()
        by_partition: dict[int, list[str]] = defaultdict(list)
        for intervention_id, next_check in wiring.views.delivery.due(now):
            last = asked.get(intervention_id)
            if last is not None and last[0] == next_check and loop_now - last[1] < 2 * settings.delivery_sweep_interval_s:
                continue  # asked already; the owner has not caught up yet
            by_partition[partition_for(intervention_id, partitions)].append(intervention_id)
            asked[intervention_id] = (next_check, loop_now)
        commands = [EvaluateDue(intervention_id=ids[start], also=ids[start + 1:start + SWEEP_CHUNK],
                                command_id=f"due-{uuid.uuid4().hex[:12]}", issued_at=now).record()
                    for ids in by_partition.values() for start in range(0, len(ids), SWEEP_CHUNK)]
        await send_records(wiring.app, settings, commands)
        return sum(len(ids) for ids in by_partition.values())

    return Owner(wiring, spec), Job("delivery-sweep", sweep, settings.delivery_sweep_interval_s)
