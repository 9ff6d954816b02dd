"""The delivery view: each intervention's latest delivery state from rrc.delivery.state, and what the sweep and
the API read from it (targets, due checks, the overview)."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any


class DeliveryView:
    def __init__(self) -> None:
        self.interventions: dict[str, dict[str, Any]] = {}  # intervention id -> its delivery state (JSON)
        self.next_check: dict[str, datetime] = {}

    def apply_message(self, value: bytes | None) -> None:
        """A state as the owner stored it; also the envelope earlier versions sent (`{"delivery": state, ...}`)."""
        if not value:
            return  # a tombstone: delivery states are never deleted, so nothing to forget
        delivery = json.loads(value)
        if "intervention_id" not in delivery:
            delivery = delivery["delivery"]
        iid = delivery["intervention_id"]
        current = self.interventions.get(iid)
        if current is not None and (current.get("evaluated_at") or "") > (delivery.get("evaluated_at") or ""):
            return  # a replay of an older state
        self.interventions[iid] = delivery
        check = delivery.get("next_check_at")
        if check and not delivery.get("closed"):
            self.next_check[iid] = datetime.fromisoformat(check.replace("Z", "+00:00"))
        else:
            self.next_check.pop(iid, None)

    def due(self, now: datetime) -> list[tuple[str, datetime]]:
        """Interventions whose statuses time alone may have moved by `now`."""
        return [(iid, at) for iid, at in self.next_check.items() if at <= now]
