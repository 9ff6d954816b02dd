"""Commands to the owner of a crisis's response (rrc.commands, keyed by crisis id): coordinators' plan decisions.

Every command names who sent it (`actor`, the token id, and `role`) and when (`issued_at`, the API's clock). The
owner answers each with a `CommandResult` on rrc.plans, which the API call that sent it waits for.
"""

from __future__ import annotations

from typing import Literal

from pydantic import AwareDatetime, Field

from config.topics import COMMANDS
from responders.messages import Command
from responders.plans.models import PlanPatch


class CrisisCommand(Command):
    """What every command to a crisis's owner carries."""

    topic = COMMANDS
    command_id: str = Field(min_length=1, max_length=200)
    crisis_id: str
    actor: str
    role: str
    issued_at: AwareDatetime

    @property
    def key(self) -> str:
        return self.crisis_id


class ApprovePlan(CrisisCommand):
    """Approve a proposed plan: its owner launches one intervention."""

    type: Literal["ApprovePlan"] = "ApprovePlan"
    plan_id: str


class RevisePlan(CrisisCommand):
    """Edit a proposed plan (role counts, chosen experts and partners)."""

    type: Literal["RevisePlan"] = "RevisePlan"
    plan_id: str
    patch: PlanPatch


class CloseIntervention(CrisisCommand):
    """Close a launched intervention (its open offers are withdrawn)."""

    type: Literal["CloseIntervention"] = "CloseIntervention"
    intervention_id: str
    reason: str | None = Field(default=None, max_length=500)


PlanCommand = ApprovePlan | RevisePlan | CloseIntervention
