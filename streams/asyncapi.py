"""The AsyncAPI 3.0 document of rrc's events, generated from the topic specs and the event models.

`EVENT_CATALOG` is the one list of event types: each names its channel (the public stream or an internal topic),
a summary and the model of its data. `GET /asyncapi.json` serves `asyncapi_document()`; a test checks that every
event type the code emits is in the catalog, so the document cannot fall behind the code.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, RootModel

from config import topics as spec
from responders.delivery.models import (
    DELIVERY_UPDATED,
    DIGEST,
    InterventionDelivery,
    NotifyOffice,
    RateLaggingData,
    TargetEventData,
)
from responders.deployments.owner import STAFFING_UPDATED, PublicDeploymentData
from responders.deployments.staffing import DeploymentEvent
from responders.resources.owner import RESOURCES_UPDATED, ResourceEventData, ResourcesUpdated
from responders.plans.models import (
    COMMAND_RESULT,
    REVISED,
    SUPERSEDED,
    CommandResult,
    Intervention,
    Plan,
    PublicIntervention,
    PublicPlan,
)
from responders.crises.models import CrisisEventType, CrisisSummary, FieldChange

PUBLIC = "response-events"


class CrisisEventData(BaseModel):
    model_config = ConfigDict(extra="forbid")
    crisis: CrisisSummary
    changes: list[FieldChange]
    exercise: bool


class PlanEventData(BaseModel):
    """Plans and interventions on the public stream: roles without candidates, chosen experts or near misses."""

    model_config = ConfigDict(extra="forbid")
    exercise: bool
    plan: PublicPlan | None = None  # type: ignore[valid-type]
    intervention: PublicIntervention | None = None  # type: ignore[valid-type]


class DeliveryWarningData(RootModel[PublicDeploymentData | ResourceEventData]):
    """`rrc.delivery.warning`: a seat that ran out of candidates, or a resource ask that ran out of partners."""


class InternalPlanEvent(BaseModel):
    model_config = ConfigDict(extra="forbid")
    event_id: str
    type: str
    crisis_id: str
    occurred_at: str
    exercise: bool
    plan: Plan | None = None
    intervention: Intervention | None = None
    result: CommandResult | None = None


class StaffingSnapshot(BaseModel):
    model_config = ConfigDict(extra="forbid")
    type: str = Field(description=STAFFING_UPDATED)
    crisis_id: str
    intervention_id: str
    occurred_at: str
    staffing: dict[str, Any] = Field(description="seats, requests (with expert ids and history) and drafts")
    seats: list[dict[str, Any]]


@dataclass(frozen=True)
class EventDoc:
    channel: str
    summary: str
    payload: type[BaseModel]


def _catalog() -> dict[str, EventDoc]:
    out: dict[str, EventDoc] = {}
    crisis_words = {"opened": "a new crisis", "updated": "a crisis changed without escalating",
                    "escalated": "a crisis became more severe", "closed": "a crisis went quiet and closed"}
    for t in CrisisEventType:
        out[t.value] = EventDoc(PUBLIC, crisis_words[t.value.rsplit(".", 1)[1]], CrisisEventData)
    out["rrc.plan.proposed"] = EventDoc(PUBLIC, "a response plan was proposed for a crisis", PlanEventData)
    out["rrc.plan.approved"] = EventDoc(PUBLIC, "a coordinator approved a plan", PlanEventData)
    out["rrc.intervention.launched"] = EventDoc(PUBLIC, "an approved plan launched an intervention", PlanEventData)
    out["rrc.intervention.closed"] = EventDoc(PUBLIC, "an intervention closed", PlanEventData)
    deployment_words = {"requested": "a seat was offered to an expert", "accepted": "an expert accepted a seat",
                        "declined": "an expert declined a seat", "expired": "an offer expired unanswered",
                        "escalated": "a seat moved on to the next candidate",
                        "deployed": "an expert checked in on arrival", "completed": "an expert ended the mission",
                        "reminded": "a mission reminder went out (not yet arrived; approaching the end)",
                        "extended": "a mission's end moved later (the expert's days re-checked)"}
    for word, summary in deployment_words.items():
        out[f"rrc.deployment.{word}"] = EventDoc(PUBLIC, summary, PublicDeploymentData)
    out["rrc.role.filled"] = EventDoc(PUBLIC, "every seat of a role is filled", PublicDeploymentData)
    out["rrc.delivery.warning"] = EventDoc(PUBLIC, "a seat has no candidate left, even with relaxed criteria, or a "
                                                   "resource ask no partner left (data: the seat's, or the ask's)",
                                           DeliveryWarningData)
    target_words = {"at_risk": "a target is at risk (a deadline's window mostly gone, a projection just short)",
                    "off_track": "a target's projection falls well short", "met": "a target was met",
                    "missed": "a target's due time passed without it"}
    for word, summary in target_words.items():
        out[f"rrc.target.{word}"] = EventDoc(PUBLIC, summary, TargetEventData)
    resource_words = {"requested": "a partner is asked for resources (EDXL-RM RequestResource; addressed to it)",
                      "declined": "a partner declined a resource request (ResponseToRequestResource)",
                      "committed": "a partner committed all or part of a request (CommitResource)",
                      "expired": "a resource request went unanswered past its deadline",
                      "status": "a partner reported dispatched, arrived, in use or returned "
                                "(ReportResourceDeploymentStatus)",
                      "received": "a coordinator confirmed receipt of committed resources",
                      "withdrawn": "an open resource request was withdrawn (the intervention closed)"}
    for word, summary in resource_words.items():
        out[f"rrc.resource.{word}"] = EventDoc(PUBLIC, summary + "; extension rrcpartnerid names the partner",
                                               ResourceEventData)
    out[RESOURCES_UPDATED] = EventDoc(spec.DEPLOYMENTS.name, "internal: an intervention's resource asks and requests "
                                      "after a change", ResourcesUpdated)
    out["rrc.delivery.rate_lagging"] = EventDoc(
        PUBLIC, "an intervention's delivery rate (spent over allocated) trails the elapsed share of its time by more "
                "than the configured margin (totals only)", RateLaggingData)
    out[DIGEST] = EventDoc(spec.NOTIFICATIONS.name, "internal: the notification telling an office's coordinators of "
                           "more early warnings from one evaluation than RRC_DELIVERY_DIGEST_OVER, each listed",
                           NotifyOffice)
    out[DELIVERY_UPDATED] = EventDoc(spec.DELIVERY_STATE.name, "internal: an intervention's targets after a change",
                                     InterventionDelivery)
    out[REVISED] = EventDoc(spec.PLANS.name, "internal: a coordinator edited a proposal", InternalPlanEvent)
    out[SUPERSEDED] = EventDoc(spec.PLANS.name, "internal: a newer version replaced a proposal", InternalPlanEvent)
    out[COMMAND_RESULT] = EventDoc(spec.PLANS.name, "internal: the owner's answer to a command", InternalPlanEvent)
    out[STAFFING_UPDATED] = EventDoc(spec.DEPLOYMENTS.name, "internal: an intervention's staffing after a change",
                                     StaffingSnapshot)
    return out


EVENT_CATALOG: dict[str, EventDoc] = _catalog()
DEPLOYMENT_INTERNAL = DeploymentEvent  # the same deployment types on rrc.deployments, with expert ids


def _message_name(event_type: str) -> str:
    return event_type.replace(".", "_")


def _attributes(event_type: str) -> dict[str, Any]:
    return {"specversion": {"const": "1.0"}, "id": {"type": "string"}, "type": {"const": event_type},
            "source": {"type": "string"}, "time": {"type": "string", "format": "date-time"},
            "subject": {"type": "string"},
            "rrcexercise": {"enum": ["true", "false"],
                            "description": "CloudEvents extension: the string \"true\" for exercise data"},
            "rrccrisisid": {"type": "string", "description": "CloudEvents extension: the crisis id"}}


def kafka_headers(event_type: str) -> dict[str, Any]:
    """CloudEvents 1.0 Kafka binary mode: every attribute as a `ce_` header, and `content-type`."""
    return {"type": "object", "description": "CloudEvents 1.0 binary content mode on Kafka (header values are "
                                             "strings)",
            "required": ["ce_specversion", "ce_id", "ce_type", "ce_source", "ce_time", "content-type"],
            "properties": {**{f"ce_{k}": v for k, v in _attributes(event_type).items()},
                           "content-type": {"const": "application/json"}}}


def structured_envelope(event_type: str, data: dict[str, Any]) -> dict[str, Any]:
    """CloudEvents 1.0 structured content mode (webhook bodies, SSE data): the attributes and `data`."""
    return {"type": "object", "required": ["specversion", "id", "type", "source", "time", "datacontenttype", "data"],
            "properties": {**_attributes(event_type), "datacontenttype": {"const": "application/json"},
                           "data": data}}


def asyncapi_document(server_url: str = "localhost:9092") -> dict[str, Any]:
    schemas: dict[str, Any] = {}
    messages: dict[str, Any] = {}

    def schema_ref(model: type[BaseModel]) -> dict[str, str]:
        if model.__name__ not in schemas:
            doc = model.model_json_schema(ref_template="#/components/schemas/{model}")
            for name, sub in doc.pop("$defs", {}).items():
                schemas.setdefault(name, sub)
            schemas[model.__name__] = doc
        return {"$ref": f"#/components/schemas/{model.__name__}"}

    public_messages: dict[str, Any] = {}
    envelopes: dict[str, Any] = {}
    internal: dict[str, dict[str, Any]] = {}
    for event_type, doc in EVENT_CATALOG.items():
        name = _message_name(event_type)
        public = doc.channel == PUBLIC
        messages[name] = {
            "name": event_type, "title": event_type, "summary": doc.summary,
            "contentType": "application/json",
            "payload": schema_ref(doc.payload),
            **({"headers": kafka_headers(event_type)} if public else {}),
        }
        target = public_messages if public else internal.setdefault(doc.channel, {})
        target[name] = {"$ref": f"#/components/messages/{name}"}
        if public:
            messages[f"{name}_structured"] = {
                "name": event_type, "title": f"{event_type} (structured)", "summary": doc.summary,
                "contentType": "application/cloudevents+json",
                "payload": structured_envelope(event_type, schema_ref(doc.payload))}
            envelopes[f"{name}_structured"] = {"$ref": f"#/components/messages/{name}_structured"}
    internal.setdefault(spec.DEPLOYMENTS.name, {})["deployment_event_internal"] = {
        "$ref": "#/components/messages/deployment_event_internal"}
    messages["deployment_event_internal"] = {
        "name": "rrc.deployment.* (internal)", "summary": "the deployment events with expert and request ids",
        "contentType": "application/json", "payload": schema_ref(DeploymentEvent)}

    channels: dict[str, Any] = {
        "responseEvents": {"address": spec.RESPONSE_EVENTS.name, "description": spec.RESPONSE_EVENTS.doc
                           + " Partners may consume it with their own Kafka client.", "messages": public_messages},
        "webhooks": {"address": "{subscriptionUrl}",
                     "description": "Signed webhooks (Standard Webhooks headers webhook-id, webhook-timestamp, "
                                    "webhook-signature) with CloudEvents structured JSON bodies "
                                    "(application/cloudevents+json); subscribe with POST /v1/subscriptions.",
                     "parameters": {"subscriptionUrl": {"description": "the subscription's url"}},
                     "messages": envelopes},
        "eventStream": {"address": "/v1/events/stream",
                        "description": "Server-Sent Events: id = CloudEvent id, event = type, data = structured JSON;"
                                       " resume with Last-Event-ID.", "messages": envelopes},
    }
    for topic_name, msgs in internal.items():
        topic = next(t for t in spec.ALL_TOPICS if t.name == topic_name)
        channels[topic_name.replace(".", "_")] = {"address": topic.name, "description": "internal: " + topic.doc,
                                                  "messages": msgs}
    operations = {
        "receiveResponseEvents": {"action": "receive", "channel": {"$ref": "#/channels/responseEvents"},
                                  "summary": "consume the public stream from Kafka"},
        "receiveWebhooks": {"action": "receive", "channel": {"$ref": "#/channels/webhooks"},
                            "summary": "receive signed webhooks at a subscription's url"},
        "receiveEventStream": {"action": "receive", "channel": {"$ref": "#/channels/eventStream"},
                               "summary": "follow the live stream over HTTP"},
    }
    return {
        "asyncapi": "3.0.0",
        "info": {"title": "rrc: Rapid Response Coordination events", "version": "0.1.0",
                 "description": "Every event type rrc emits: the public ones (Kafka topic, webhooks, SSE) and the "
                                "internal ones on the operational topics."},
        "defaultContentType": "application/json",
        "servers": {"kafka": {"host": server_url, "protocol": "kafka", "description": "the Kafka cluster"}},
        "channels": channels,
        "operations": operations,
        "components": {"messages": messages, "schemas": schemas},
    }
