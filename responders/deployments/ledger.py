"""An expert's reservations: the single place that decides whether the expert's days can be promised.

Design: every hold goes through the ledger of that expert, and ledgers are keyed (and partitioned) by expert
id, so exactly one worker writes an expert's ledger. Two crises that want the same expert at the same time both
ask that one writer; it grants the first hold it processes and refuses the overlapping second, whatever workers
the two interventions live on. A hold covers the deployment days plus the expert's rest period on both sides.
Holds are granted for open offers and kept for confirmed deployments; they are released when the request ends
otherwise (declined, expired, withdrawn). Replays are harmless: holding or releasing the same request twice
changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Hold(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: str
    intervention_id: str
    crisis_id: str
    start: date
    end: date
    status: Literal["offered", "confirmed"] = "offered"


class ExpertLedger(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    expert_id: str
    holds: list[Hold] = Field(default_factory=list)


class HoldDecision(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    granted: bool
    conflict: Hold | None = None
    reason: str | None = None


def _overlaps(a_start: date, a_end: date, b_start: date, b_end: date, rest_days: int) -> bool:
    pad = timedelta(days=rest_days)
    return a_start <= b_end + pad and b_start <= a_end + pad


def try_hold(ledger: ExpertLedger, hold: Hold, rest_days: int = 0) -> tuple[ExpertLedger, HoldDecision]:
    """Hold the expert's days for `hold.request_id` unless they overlap another hold (rest included)."""
    for existing in ledger.holds:
        if existing.request_id == hold.request_id:
            return ledger, HoldDecision(granted=True)  # a replay of a granted hold
    for existing in ledger.holds:
        if _overlaps(hold.start, hold.end, existing.start, existing.end, rest_days):
            return ledger, HoldDecision(
                granted=False, conflict=existing,
                reason=f"{ledger.expert_id} is held from {existing.start} to {existing.end} for crisis "
                       f"{existing.crisis_id} ({existing.status})")
    return ledger.model_copy(update={"holds": [*ledger.holds, hold]}), HoldDecision(granted=True)


def confirm(ledger: ExpertLedger, request_id: str) -> ExpertLedger:
    return ledger.model_copy(update={"holds": [h.model_copy(update={"status": "confirmed"})
                                               if h.request_id == request_id else h for h in ledger.holds]})


def release(ledger: ExpertLedger, request_id: str) -> ExpertLedger:
    return ledger.model_copy(update={"holds": [h for h in ledger.holds if h.request_id != request_id]})
