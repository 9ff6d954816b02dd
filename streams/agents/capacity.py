"""The capacity owner: the single writer of each partner's commitments (table `capacity`, keyed by partner id).

Why a separate owner: the resource requests of an intervention live with its crisis (keyed by crisis id), but two
crises on two workers may want the same partner's trucks at once. Every commitment therefore goes to the partner's
own ledger on rrc.capacity, keyed by partner id, so one worker decides for each partner, in order, against the
capacity the partner declares in the directory (the roster view). A granted commitment goes on to the crisis's
owner (`ResourceCommitted` on rrc.commands); a refusal (over-commitment, with the remaining capacity) goes to the
waiting API call on rrc.plans.

Decisions: `responders.resources.capacity.decide`. This module decodes and wires; the primitive emits, writes, acks.
"""

from __future__ import annotations

from config.topics import CAPACITY, DEADLETTER
from responders.registry import inbox
from responders.resources.capacity import PartnerCapacity, decide
from streams.agents.owner import Owner, OwnerSpec
from streams.agents.records import load_model, typed_decoder
from streams.wiring import Wiring

STAGE = "capacity"


def build(wiring: Wiring) -> Owner:
    partners = wiring.views.roster.partners.records

    def declared(partner_id: str, capability: str, unit: str) -> float | None:
        """The capacity a partner declares for the capability in that unit (None: it declares none)."""
        partner = partners.get(partner_id)
        if partner is None or not partner.active:
            return None
        found = [r.capacity for r in partner.resources if r.capability == capability and r.unit == unit]
        return sum(found) if found else None

    spec = OwnerSpec(stage=STAGE, sources=(CAPACITY,), table="capacity", decode=typed_decoder(*inbox(STAGE)),
                     decide=lambda table, batch, now: decide(table, batch, now, declared),
                     load=load_model(PartnerCapacity), deadletter=DEADLETTER, max_events=500, within_s=0.01,
                     ready=wiring.roster_ready)
    return Owner(wiring, spec)
