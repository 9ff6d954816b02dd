"""The crisis read view: the latest version of each crisis from rrc.crises, with its signals and its history (each
message carries the signal and the history entry of its change), queries.

Why a view and not the Faust table: the table is partitioned over workers, so one API instance would see only its
own partitions. Every API instance instead reads all partitions of rrc.crises (no consumer group), so every
instance gives the same answers, eventually consistent with the events. Crises, signals and history are kept on
local disk (`streams.views.store`); memory holds only what lists filter and sort on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from streams.views.store import DiskGroups, DiskRecords, DiskStore
from vocabulary.pagination import BadCursor, Page, decode_cursor, encode_cursor, paginate
from vocabulary.signals import Severity

RECENT_SIGNALS_SHOWN = 20
HISTORY_SHOWN = 100


@dataclass(frozen=True)
class CrisisFilter:
    status: str | None = None
    active: bool | None = None  # true: not closed; false: closed
    historical: bool | None = None  # true: recorded as history (closed at once, never planned for)
    kind: str | None = None
    hazard: str | None = None
    country: str | None = None
    min_severity: Severity | None = None
    since: datetime | None = None
    exercise: bool | None = None
    within: frozenset[str] | None = None  # the caller's office scope: any of the crisis's countries in it

    def matches(self, c: dict[str, Any]) -> bool:
        if self.within is not None and self.within.isdisjoint(c["countries"]):
            return False
        if self.status and c["status"] != self.status:
            return False
        if self.active is not None and (c["status"] != "closed") != self.active:
            return False
        if self.historical is not None and bool(c.get("historical")) != self.historical:
            return False
        if self.kind and c["kind"] != self.kind:
            return False
        if self.hazard and c["hazard"] != self.hazard:
            return False
        if self.country and self.country.upper() not in c["countries"]:
            return False
        if self.min_severity and Severity(c["severity"]).rank < self.min_severity.rank:
            return False
        if self.since and datetime.fromisoformat(c["updated_at"].replace("Z", "+00:00")) < self.since:
            return False
        if self.exercise is not None and bool(c.get("exercise")) != self.exercise:
            return False
        return True


PUBLIC_FIELDS = ("crisis_id", "kind", "hazard", "title", "countries", "location", "severity", "status", "exercise",
                 "historical",
                 "signal_count", "references", "opened_at", "updated_at", "affected_population", "magnitude",
                 "first_signal_at", "last_signal_at", "closed_at", "correlation_key")
META_FIELDS = ("crisis_id", "status", "kind", "hazard", "countries", "severity", "updated_at", "opened_at", "exercise",
               "signal_count", "history_len", "location", "historical")


def crisis_read(crisis: dict[str, Any]) -> dict[str, Any]:
    """The public crisis shape (ARCHITECTURE.md) from a full snapshot."""
    return {k: crisis.get(k) for k in PUBLIC_FIELDS}


class CrisisView:
    """Fold of rrc.crises (the latest version wins by status, signal count and update time) and of memberships."""

    def __init__(self, store: DiskStore, members: DiskStore) -> None:
        self.crises = DiskRecords(store, META_FIELDS, part="crisis")  # the rrc.crises message's bytes
        self.history = DiskGroups(store)  # the entry each message carries, by crisis and time
        self.members = DiskGroups(members)

    def apply_crisis_message(self, value: bytes) -> None:
        message = json.loads(value)
        crisis, member = message["crisis"], message.get("member")
        if member is not None:  # the signal that made this change (a replay writes the same key)
            self.members.put(member["crisis_id"], member["observed_at"], member["signal_id"],
                             json.dumps(member).encode())
        for entry in crisis.get("history", []):  # the entry for this change (a replay writes the same key)
            mark = f"{entry['change']}:{entry.get('signal_id') or ''}"
            self.history.put(f"h:{crisis['crisis_id']}", entry["at"], mark, json.dumps(entry).encode())
        crisis["history_len"] = crisis.get("history_dropped", 0) + len(crisis.get("history", []))
        current = self.crises.meta.get(crisis["crisis_id"])
        if current is None or _version(crisis) >= _version(current):
            self.crises.put(crisis["crisis_id"], crisis, value)

    def list(self, flt: CrisisFilter, limit: int, cursor: str | None) -> Page:
        rows = (c for c in self.crises.meta.values() if flt.matches(c))
        page = paginate(rows, _newest_first, limit, cursor)
        return Page(items=[crisis_read(self.crises[c["crisis_id"]]) for c in page.items], total=page.total,
                    next=page.next)

    def map(self, flt: CrisisFilter, max_points: int) -> dict[str, Any]:
        """What a map draws: per country the number of matching crises and the highest severity, and the located
        ones as points (the newest `max_points`)."""
        countries: dict[str, dict[str, Any]] = {}
        located: list[dict[str, Any]] = []
        total = 0
        for c in self.crises.meta.values():
            if not flt.matches(c):
                continue
            total += 1
            severity = Severity(c["severity"])
            for code in c["countries"]:
                entry = countries.setdefault(code, {"count": 0, "severity": severity.value})
                entry["count"] += 1
                if severity.rank > Severity(entry["severity"]).rank:
                    entry["severity"] = severity.value
            if c.get("location"):
                located.append(c)
        located.sort(key=_newest_first)
        points = [{"crisis_id": c["crisis_id"], "lat": c["location"]["lat"], "lon": c["location"]["lon"],
                   "severity": c["severity"], "title": self.crises[c["crisis_id"]]["title"]}
                  for c in located[:max_points]]
        return {"total": total, "countries": countries, "points": points, "points_total": len(located)}

    def get(self, crisis_id: str) -> dict[str, Any] | None:
        if crisis_id not in self.crises:
            return None
        crisis = self.crises[crisis_id]
        detail = crisis_read(crisis)
        detail["signal_ids"] = list(crisis.get("signal_ids", []))  # the newest (see /signals for all)
        detail["signals"] = self.members.last(crisis_id, RECENT_SIGNALS_SHOWN)
        detail["history"] = self.history.last(f"h:{crisis_id}", HISTORY_SHOWN)  # the newest, oldest first
        return detail

    def signals(self, crisis_id: str, limit: int, cursor: str | None) -> dict[str, Any]:
        """Every signal of the crisis, oldest first, a page at a time (the cursor is the last member's position)."""
        after = None
        if cursor:
            position = decode_cursor(cursor)
            if len(position) != 1 or not isinstance(position[0], str) or not position[0].startswith(crisis_id):
                raise BadCursor("cursor is not valid")
            after = position[0]
        items, last = self.members.page(crisis_id, limit, after)
        total = self.crises.meta[crisis_id]["signal_count"]
        return {"items": items, "total": total, "next": encode_cursor([last]) if last else None}


def _version(crisis: dict[str, Any]) -> tuple:
    return (crisis.get("status") == "closed", crisis.get("signal_count", 0), crisis.get("updated_at", ""),
            crisis.get("history_len", 0))


def _newest_first(c: dict[str, Any]) -> tuple:
    # ISO timestamps sort lexically; invert for newest first by sorting on the negated epoch.
    opened = datetime.fromisoformat(c["opened_at"].replace("Z", "+00:00")).timestamp()
    return (-opened, c["crisis_id"])
