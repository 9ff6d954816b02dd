"""What the owner of a crisis's response keeps (its table value, keyed by crisis id)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from responders.deployments.staffing import Staffing
from responders.plans.models import PlanBook
from responders.resources.requests import Resources


class ResponseBook(BaseModel):
    """The crisis's plans and interventions (`plans`) and the staffing of each launched intervention."""

    model_config = ConfigDict(extra="forbid")
    crisis_id: str
    plans: PlanBook
    staffing: dict[str, Staffing] = Field(default_factory=dict, description="intervention id -> seats and requests")
    resources: dict[str, Resources] = Field(default_factory=dict,
                                            description="intervention id -> partner asks and resource requests")

    @classmethod
    def new(cls, crisis_id: str) -> "ResponseBook":
        return cls(crisis_id=crisis_id, plans=PlanBook(crisis_id=crisis_id))
