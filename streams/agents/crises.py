"""The crisis owner: signals from rrc.signals.by-correlation into crises (table `crises`, keyed by crisis id).

Single writer: rrc.signals.by-correlation is keyed (and explicitly partitioned) by the correlation key, so every
signal that could join a crisis, and every crisis of that key, lives on one partition; the table is written from
that partition, so its changelog partition matches. The close sweep is a `CloseQuietCrises` command put on each
partition of the same topic by a timer: the timer never writes the table. The in-memory index per partition is
derived from the table and rebuilt after every rebalance and every table recovery (a rebuild between the two
would miss crises still being recovered).

Decisions: `responders.crises.owner.decide`. This module decodes and wires; the primitive emits, writes, acks.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from config.topics import SIGNALS_BY_CORRELATION, SIGNALS_DEADLETTER
from responders.crises.models import Crisis, CrisisMember
from responders.crises.owner import MEMBERS, CloseQuietCrises, Indexes, decide
from responders.messages import TYPE_HEADER
from streams.agents.owner import Owner, OwnerSpec
from streams.agents.records import load_model, send_records
from streams.partitioning import partition_for_repeated
from streams.scheduler import Job
from streams.wiring import Wiring
from vocabulary.signals import Signal

STAGE = "correlate"
SWEEP = CloseQuietCrises.__name__.encode()


def decode(ev) -> Signal | CloseQuietCrises:
    if (TYPE_HEADER, SWEEP) in tuple(ev.message.headers or ()):
        return CloseQuietCrises.model_validate_json(ev.value)
    return Signal.model_validate_json(ev.value)


def build(wiring: Wiring) -> tuple[Owner, Indexes, Job]:
    settings = wiring.settings
    partitions = SIGNALS_BY_CORRELATION.partitions or settings.topic_partitions
    periods = {family: timedelta(days=days) for family, days in settings.crisis_quiet_days.items()}
    load = load_model(Crisis)
    spec = OwnerSpec(stage=STAGE, sources=(SIGNALS_BY_CORRELATION,), table="crises", decode=decode,
                     decide=lambda table, batch, now: decide(indexes, table, batch, now, periods),
                     load=load, deadletter=SIGNALS_DEADLETTER, max_events=2000, within_s=0.05,
                     tables={MEMBERS: load_model(CrisisMember)})
    owner = Owner(wiring, spec)
    indexes = Indexes(lambda: (load(raw) for raw in owner.table.values()),
                      lambda crisis: partition_for_repeated(crisis.correlation_key, partitions))

    async def stale(*_args, **_kwargs) -> None:
        indexes.stale = True

    wiring.app.on_rebalance_complete.connect(stale)
    owner.table.on_recover(stale)

    async def send_sweep_commands() -> None:
        """One CloseQuietCrises per partition, to the owner of that partition."""
        record = CloseQuietCrises(now=wiring.clock()).record()
        await send_records(wiring.app, settings, [replace(record, partition=p) for p in range(partitions)])

    return owner, indexes, Job("crisis-close-sweep", send_sweep_commands, settings.crisis_sweep_interval_s)
