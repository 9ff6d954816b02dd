"""The delivery view: each intervention's latest delivery state from rrc.delivery.state, and what the sweep and
the API read from it (targets, due checks, the overview).

The states are kept on local disk as the bytes the owner stored (`streams.views.store.DiskRecords`), with the
fields the API filters on and the sweep's next check in memory. Kept parsed, 10,000 interventions were about
240,000 objects (125 MB) that the cyclic collector went through again after every sweep, and each sweep replaced
them all: the worker spent about a fifth of a sweep's CPU in collections.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import orjson

from responders.delivery.overview import standing
from streams.views.store import DiskRecords, DiskStore
from streams.views.waiters import Waiters

# In memory per intervention: what scopes and filters read (the crisis, its countries, exercise or not), the order
# of exports (launch), which state is newer (evaluated_at), and (`indexed`) what the overview sums and who funds it.
DELIVERY_META = ("intervention_id", "crisis_id", "countries", "exercise", "launched_at", "evaluated_at", "closed")


def indexed(delivery: dict[str, Any]) -> dict[str, Any]:
    return {**standing(delivery), "sources": sorted({line["source"] for line in delivery.get("funding") or []})}


class DeliveryView:
    def __init__(self, store: DiskStore) -> None:
        # intervention id -> its delivery state (JSON), read from disk when asked for
        self.interventions = DiskRecords(store, DELIVERY_META, derived=indexed)
        self.next_check: dict[str, datetime] = {}
        self.waiters = Waiters()  # by (intervention id, command id)

    def apply_message(self, value: bytes | None) -> None:
        """A state as the owner stored it; also the envelope earlier versions sent (`{"delivery": state, ...}`)."""
        if not value:
            return  # a tombstone: delivery states are never deleted, so nothing to forget
        delivery = orjson.loads(value)
        raw: bytes | None = value
        if "intervention_id" not in delivery:
            delivery, raw = delivery["delivery"], None
        iid = delivery["intervention_id"]
        current = self.interventions.meta.get(iid)
        if current is not None and (current.get("evaluated_at") or "") > (delivery.get("evaluated_at") or ""):
            return  # a replay of an older state
        self.interventions.put(iid, delivery, raw)
        for key in self.waiters:
            if key[0] == iid:
                self.waiters.wake(key)
        check = delivery.get("next_check_at")
        if check and not delivery.get("closed"):
            self.next_check[iid] = datetime.fromisoformat(check.replace("Z", "+00:00"))
        else:
            self.next_check.pop(iid, None)

    def applied(self, intervention_id: str, command_id: str) -> bool:
        """The view holds the state in which the owner applied the command (its last 200 are in the state)."""
        return command_id in (self.interventions.get(intervention_id) or {}).get("commands_seen", ())

    async def wait_applied(self, intervention_id: str, command_id: str, timeout: float) -> bool:
        """Until the view holds the state in which the owner applied `command_id`, so that what the caller reads
        next shows it; False after `timeout` seconds. (The owner answers once its emits are acknowledged; the state
        reaches the view through its table's changelog a moment later.)"""
        return await self.waiters.wait((intervention_id, command_id),
                                       lambda: self.applied(intervention_id, command_id), timeout)

    def kept(self, keep: Callable[[dict[str, Any]], bool]) -> list[dict[str, Any]]:
        """The in-memory fields (DELIVERY_META and `indexed`) of the interventions they pass `keep` for; no state
        is read."""
        return [meta for meta in list(self.interventions.meta.values()) if keep(meta)]

    def chosen(self, keep: Callable[[dict[str, Any]], bool],
               order: Callable[[dict[str, Any]], Any] | None = None) -> Iterator[dict[str, Any]]:
        """The states of the interventions `kept(keep)` returns (sorted on those fields by `order`), each read from
        disk as the caller reaches it."""
        metas = self.kept(keep)
        if order is not None:
            metas.sort(key=order)
        return (self.interventions[meta["intervention_id"]] for meta in metas)

    def due(self, now: datetime) -> list[tuple[str, datetime]]:
        """Interventions whose statuses time alone may have moved by `now`."""
        return [(iid, at) for iid, at in self.next_check.items() if at <= now]
