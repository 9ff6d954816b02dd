"""Commands to the owner of a crisis's response about its deployment requests (rrc.commands, keyed by crisis id)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from responders.deployments.machine import AnswerChannel
from responders.plans.commands import CrisisCommand


class AnswerRequest(CrisisCommand):
    """An expert accepts or declines a deployment request addressed to them (a decline needs a reason)."""

    type: Literal["AnswerRequest"] = "AnswerRequest"
    intervention_id: str
    request_id: str
    expert_id: str
    accept: bool
    reason: str | None = Field(default=None, max_length=500)
    channel: AnswerChannel | None = None  # set when a coordinator records the expert's answer (actor is theirs)


class ExpireDue(CrisisCommand):
    """Expire the intervention's offers past their deadline, as of `issued_at` (sent by the expiry sweep)."""

    type: Literal["ExpireDue"] = "ExpireDue"
    intervention_id: str


class MissionStep(CrisisCommand):
    """An expert (or a coordinator for them) checks in on arrival, or ends the mission with a note."""

    type: Literal["MissionStep"] = "MissionStep"
    intervention_id: str
    request_id: str
    expert_id: str
    step: Literal["check_in", "complete"]
    on: date = Field(description="arrival date (check-in) or last day (completion)")
    note: str | None = Field(default=None, max_length=2000)
    channel: AnswerChannel | None = None  # set when a coordinator records it for the expert


class ExtendMission(CrisisCommand):
    """Move a confirmed or deployed mission's end date; the expert's ledger re-checks the longer days first."""

    type: Literal["ExtendMission"] = "ExtendMission"
    intervention_id: str
    request_id: str
    expert_id: str
    end: date
    reason: str = Field(min_length=1, max_length=500)
