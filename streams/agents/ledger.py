"""The ledger owner: the single writer of each expert's reservations (table `ledgers`, keyed by expert id).

Why a separate owner: the staffing of an intervention lives with its crisis (keyed by crisis id), but two crises on
two workers may want the same expert at once. Every hold therefore goes to the expert's own ledger on rrc.ledger,
keyed by expert id, so one worker decides for each expert, in order: the first hold it reads is granted and an
overlapping second one (rest days included) is refused, whichever workers the two crises live on. The answer
(`HoldDecided`) goes back to the crisis's owner on rrc.commands, keyed by crisis id. Holds are idempotent by
request id, so a replay after a crash answers the same.

Decisions: `responders.deployments.ledger.decide`. This module decodes and wires; the primitive emits, writes, acks.
"""

from __future__ import annotations

from config.topics import DEADLETTER, LEDGER
from responders.deployments.ledger import ExpertLedger, decide
from responders.registry import inbox
from streams.agents.owner import Owner, OwnerSpec
from streams.agents.records import load_model, typed_decoder
from streams.wiring import Wiring

STAGE = "ledger"


def build(wiring: Wiring) -> Owner:
    experts = wiring.views.roster.experts.records

    def rest_days(expert_id: str) -> int:
        expert = experts.get(expert_id)
        return expert.rest_days if expert is not None else 0

    spec = OwnerSpec(stage=STAGE, sources=(LEDGER,), table="ledgers",
                     decode=typed_decoder(*inbox(STAGE)),
                     decide=lambda table, batch, now: decide(table, batch, now, rest_days),
                     load=load_model(ExpertLedger), deadletter=DEADLETTER, max_events=500, within_s=0.01,
                     ready=wiring.roster_ready)
    return Owner(wiring, spec)
