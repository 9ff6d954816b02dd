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

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.topics import COMMANDS, LEDGER
from responders.messages import Command, Decision, Event, Received, StateReader, decide_each


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


# --- the ledger owner's messages: commands in on rrc.ledger (keyed by expert id), its answer out ---------------

class ExpertCommand(Command):
    """A command to an expert's ledger about one request (rrc.ledger, keyed by expert id)."""

    topic = LEDGER
    request_id: str
    expert_id: str

    @property
    def key(self) -> str:
        return self.expert_id


class HoldExpert(ExpertCommand):
    """Hold the expert's days for an offer (sent by the crisis's owner before it offers the seat)."""

    type: Literal["HoldExpert"] = "HoldExpert"
    intervention_id: str
    crisis_id: str
    start: date
    end: date


class ConfirmHold(ExpertCommand):
    """The offer was accepted: the hold becomes a confirmed deployment."""

    type: Literal["ConfirmHold"] = "ConfirmHold"


class ReleaseHold(ExpertCommand):
    """The offer ended otherwise (declined, expired, withdrawn): free the days."""

    type: Literal["ReleaseHold"] = "ReleaseHold"


class ExtendHold(ExpertCommand):
    """A mission is to last longer: keep the expert's days until `end` unless another hold is in the way."""

    type: Literal["ExtendHold"] = "ExtendHold"
    intervention_id: str
    crisis_id: str
    end: date
    command_id: str


LedgerCommand = HoldExpert | ConfirmHold | ReleaseHold | ExtendHold


class LedgerAnswer(Event):
    """What an expert's ledger answers the crisis's owner (its inbox rrc.commands, keyed by crisis id)."""

    topic = COMMANDS
    request_id: str
    expert_id: str
    intervention_id: str
    crisis_id: str
    granted: bool
    reason: str | None = Field(default=None, max_length=500)
    decided_at: AwareDatetime

    @property
    def key(self) -> str:
        return self.crisis_id


class HoldDecided(LedgerAnswer):
    """The answer to a HoldExpert."""

    type: Literal["HoldDecided"] = "HoldDecided"


class ExtensionDecided(LedgerAnswer):
    """The answer to an ExtendHold; `command_id` is the extension the API waits on."""

    type: Literal["ExtensionDecided"] = "ExtensionDecided"
    command_id: str
    end: date


def extend(ledger: ExpertLedger, request_id: str, end: date, rest_days: int = 0) -> tuple[ExpertLedger, HoldDecision]:
    """Move a hold's end unless the longer days overlap another hold of the expert (rest included): the hold asked
    again without itself, by `try_hold`'s rule."""
    mine = next((h for h in ledger.holds if h.request_id == request_id), None)
    if mine is None:
        return ledger, HoldDecision(granted=False, reason=f"no hold for request {request_id}")
    longer, decision = try_hold(release(ledger, request_id), mine.model_copy(update={"end": end}), rest_days)
    return (longer, decision) if decision.granted else (ledger, decision)


def on_extend(ledger: ExpertLedger, command: ExtendHold, now: datetime, rest_days: Callable[[str], int]):
    new, verdict = extend(ledger, command.request_id, command.end, rest_days(command.expert_id))
    return new, [ExtensionDecided(request_id=command.request_id, expert_id=command.expert_id,
                                  intervention_id=command.intervention_id, crisis_id=command.crisis_id,
                                  command_id=command.command_id, end=command.end, granted=verdict.granted,
                                  reason=verdict.reason[:500] if verdict.reason else None, decided_at=now)]


def on_hold(ledger: ExpertLedger, command: HoldExpert, now: datetime, rest_days: Callable[[str], int]):
    """Hold the days unless they overlap another hold (rest included); the answer goes to the crisis's owner."""
    hold = Hold(request_id=command.request_id, intervention_id=command.intervention_id,
                crisis_id=command.crisis_id, start=command.start, end=command.end)
    new, verdict = try_hold(ledger, hold, rest_days(command.expert_id))
    reason = verdict.reason[:500] if verdict.reason else None
    return new, [HoldDecided(request_id=command.request_id, expert_id=command.expert_id,
                             intervention_id=command.intervention_id, crisis_id=command.crisis_id,
                             granted=verdict.granted, reason=reason, decided_at=now)]


def on_confirm(ledger: ExpertLedger, command: ConfirmHold, now: datetime, rest_days: Callable[[str], int]):
    return confirm(ledger, command.request_id), []


def on_release(ledger: ExpertLedger, command: ReleaseHold, now: datetime, rest_days: Callable[[str], int]):
    return release(ledger, command.request_id), []


HANDLERS: dict[type, Callable] = {HoldExpert: on_hold, ConfirmHold: on_confirm, ReleaseHold: on_release,
                                  ExtendHold: on_extend}


def decide(table: StateReader[ExpertLedger], batch: list[Received], now: datetime,
           rest_days: Callable[[str], int]) -> Decision:
    """The ledger owner: each command changes its expert's ledger (a new one for an expert not seen yet)."""

    def handle(ledger: ExpertLedger | None, command: LedgerCommand):
        ledger = ledger or ExpertLedger(expert_id=command.expert_id)
        return HANDLERS[type(command)](ledger, command, now, rest_days)

    return decide_each(table, batch, lambda command: command.expert_id, handle)
