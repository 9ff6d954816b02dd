"""The crisis's owner's side of resource requests: the commands it takes, what a step sends, the snapshot.

Requests live in the crisis's `ResponseBook` (`resources`, by intervention id), written by the response owner
like staffing. Partners' declines and status reports, coordinators' receipts and the sweep's expiry come on
rrc.commands keyed by crisis id; acceptances go to the partner's capacity ledger first (rrc.capacity), whose
`ResourceCommitted` then comes here. Every change is a public CloudEvent on rrc.response-events addressed to
the partner it concerns (extension `rrcpartnerid`: only that partner's subscriptions receive it), and a
`rrc.resources.updated` snapshot on rrc.deployments for the views.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, create_model

from config.topics import DEPLOYMENTS
from responders.messages import Emitted, Event, Public
from responders.plans.commands import CrisisCommand
from responders.plans.models import CommandResult
from responders.resources.capacity import ReleaseResource
from responders.resources.requests import (
    Fulfilment,
    ReleaseCapacity,
    ResourceEvent,
    ResourceRequest,
    Resources,
    Step,
    next_due,
    summary,
)
from vocabulary.cloudevents import CloudEvent

RESOURCES_UPDATED = "rrc.resources.updated"
RESOURCE_TYPES = ("rrc.resource.requested", "rrc.resource.declined", "rrc.resource.committed",
                  "rrc.resource.expired", "rrc.resource.status", "rrc.resource.received", "rrc.resource.withdrawn")


class ResourceCommand(CrisisCommand):
    """A command about one resource request (rrc.commands, keyed by crisis id)."""

    intervention_id: str
    request_id: str


class DeclineResource(ResourceCommand):
    """EDXL-RM ResponseToRequestResource with a decline (from the partner)."""

    type: Literal["DeclineResource"] = "DeclineResource"
    partner_id: str
    reason: str = Field(min_length=1, max_length=500)


class ReportResourceStatus(ResourceCommand):
    """EDXL-RM ReportResourceDeploymentStatus: the partner's fulfilment, or a coordinator's receipt."""

    type: Literal["ReportResourceStatus"] = "ReportResourceStatus"
    partner_id: str | None = Field(default=None, description="None: a coordinator confirms receipt")
    status: Fulfilment | Literal["received"]
    quantity: float = Field(gt=0)
    note: str | None = Field(default=None, max_length=500)


class AskData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ask_id: str
    capability: str
    unit: str
    quantity: float
    needed_by: date


PublicResourceRequest = create_model(
    "PublicResourceRequest", __config__=ResourceRequest.model_config,
    __doc__="A resource request as its partner receives it (its history stays with the owner).",
    **{k: (f.annotation, f) for k, f in ResourceRequest.model_fields.items() if k != "history"})


class ResourceEventData(BaseModel):
    """The data of `rrc.resource.*` (addressed to the request's partner) and of a resource `rrc.delivery.warning`."""

    model_config = ConfigDict(extra="forbid")
    message_type: str = Field(description="the EDXL-RM message type: RequestResource, ResponseToRequestResource, "
                                          "CommitResource, ReportResourceDeploymentStatus, ReleaseResource")
    intervention_id: str
    crisis_id: str
    detail: str | None = None
    request: PublicResourceRequest | None = None  # type: ignore[valid-type]
    ask: AskData | None = None


class ResourcesUpdated(Event):
    """An intervention's resource asks and requests after a change (rrc.deployments, keyed by crisis id)."""

    topic = DEPLOYMENTS
    type: Literal["rrc.resources.updated"] = RESOURCES_UPDATED
    crisis_id: str
    intervention_id: str
    occurred_at: AwareDatetime
    resources: Resources
    asks: list[dict[str, Any]]
    next_due_at: AwareDatetime | None = None

    @property
    def key(self) -> str:
        return self.crisis_id


def public_event(event: ResourceEvent, exercise: bool) -> Public:
    extensions = {"rrcexercise": "true" if exercise else "false", "rrccrisisid": event.crisis_id}
    if event.partner_id is not None:
        extensions["rrcpartnerid"] = event.partner_id  # addressed: only this partner's subscriptions get it
    subject = event.request.request_id if event.request is not None else event.intervention_id
    return Public(CloudEvent(id=event.event_id, type=event.type, time=event.occurred_at, subject=subject,
                             data=event.data(), extensions=extensions), event.crisis_id)


def emits_of(step: Step, now: datetime) -> list[Emitted]:
    res, out = step.resources, []
    for action in step.actions:
        if isinstance(action, ResourceEvent):
            out.append(public_event(action, res.exercise))
        elif isinstance(action, ReleaseCapacity):
            out.append(ReleaseResource(request_id=action.request_id, partner_id=action.partner_id))
        else:
            raise TypeError(f"unexpected resource action {action!r}")
    out.append(ResourcesUpdated(crisis_id=res.crisis_id, intervention_id=res.intervention_id, occurred_at=now,
                                resources=res, asks=summary(res), next_due_at=next_due(res)))
    return out


def result_of(command: ResourceCommand | Any, outcome: str, code: int, detail: str | None) -> CommandResult:
    return CommandResult(command_id=command.command_id, outcome=outcome, status_code=code, detail=detail,
                         intervention_id=command.intervention_id, request_id=command.request_id)
