"""The deployment request state machine: one request offers one seat of an intervention to one expert.

    offered ──accept──► accepted ──confirm──► confirmed ──deploy──► deployed ──complete──► completed
       │ └──decline──► declined
       │ └──expire───► expired      (the answer deadline passed; also when an answer arrives after it)
       └──withdraw──► withdrawn     (the seat was filled by someone else, or the intervention closed)
    accepted ──withdraw──► withdrawn (before confirmation, e.g. the reservation could not be held)

Plain functions over immutable models; the owner of a request applies them and emits one event per change.
Time is always passed in (`at`), never read, so tests move the clock instead of sleeping.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class RequestState(StrEnum):
    OFFERED = "offered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"
    CONFIRMED = "confirmed"
    DEPLOYED = "deployed"
    COMPLETED = "completed"


TRANSITIONS: dict[RequestState, frozenset[RequestState]] = {
    RequestState.OFFERED: frozenset({RequestState.ACCEPTED, RequestState.DECLINED, RequestState.EXPIRED,
                                     RequestState.WITHDRAWN}),
    RequestState.ACCEPTED: frozenset({RequestState.CONFIRMED, RequestState.WITHDRAWN}),
    RequestState.CONFIRMED: frozenset({RequestState.DEPLOYED, RequestState.WITHDRAWN}),
    RequestState.DEPLOYED: frozenset({RequestState.COMPLETED}),
    RequestState.DECLINED: frozenset(),
    RequestState.EXPIRED: frozenset(),
    RequestState.WITHDRAWN: frozenset(),
    RequestState.COMPLETED: frozenset(),
}
OPEN_STATES = frozenset({RequestState.OFFERED, RequestState.ACCEPTED})
HOLDING_STATES = frozenset({RequestState.OFFERED, RequestState.ACCEPTED, RequestState.CONFIRMED,
                            RequestState.DEPLOYED})  # the expert's days are taken

# Answer deadlines by crisis severity (hours); anything else gets the default.
DEFAULT_ANSWER_HOURS = {"extreme": 4, "severe": 12}
DEFAULT_ANSWER_HOURS_OTHERWISE = 24


class TransitionRefused(ValueError):
    """The change is not allowed from the request's state; the message says why, for the caller."""

    def __init__(self, message: str, *, code: int = 409) -> None:
        super().__init__(message)
        self.code = code


class AnswerChannel(StrEnum):
    """How an expert's answer came in: through the API themselves, or told to a coordinator who recorded it."""

    API = "api"
    PHONE = "phone"
    EMAIL = "email"
    IN_PERSON = "in_person"


class Transition(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    state: RequestState
    at: AwareDatetime
    by: str | None = None
    reason: str | None = None
    channel: AnswerChannel | None = None  # how the answer reached rrc, when someone recorded it for the expert
    recorded_by: str | None = None  # the token id of the coordinator who recorded it


class DeploymentRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: str
    intervention_id: str
    crisis_id: str
    plan_id: str
    role: str
    seat: int = Field(ge=1, description="which seat of the role, from 1 (as everywhere: seats, offers, events)")
    expert_id: str
    state: RequestState = RequestState.OFFERED
    offered_at: AwareDatetime
    respond_by: AwareDatetime
    start: date
    end: date
    place: list[str] = Field(description="crisis countries")
    crisis_title: str
    severity: str
    history: list[Transition] = Field(default_factory=list)
    reminded: list[str] = Field(default_factory=list, description="mission reminders sent (each once)")

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def holds_expert(self) -> bool:
        return self.state in HOLDING_STATES


def answer_deadline(offered_at: datetime, severity: str, hours: dict[str, float] | None = None,
                    otherwise: float = DEFAULT_ANSWER_HOURS_OTHERWISE) -> datetime:
    table = DEFAULT_ANSWER_HOURS if hours is None else hours
    return offered_at + timedelta(hours=table.get(severity, otherwise))


def move(request: DeploymentRequest, to: RequestState, at: datetime, *, by: str | None = None,
         reason: str | None = None, channel: AnswerChannel | None = None,
         recorded_by: str | None = None) -> DeploymentRequest:
    """The request in state `to`; TransitionRefused when the machine does not allow it."""
    if to not in TRANSITIONS[request.state]:
        raise TransitionRefused(f"request {request.request_id} is {request.state.value}; it cannot become "
                                f"{to.value}")
    return request.model_copy(update={"state": to, "history": [*request.history,
                                                                Transition(state=to, at=at, by=by, reason=reason,
                                                                           channel=channel,
                                                                           recorded_by=recorded_by)]})


def answer(request: DeploymentRequest, accept: bool, at: datetime, *, by: str, reason: str | None = None,
           channel: AnswerChannel | None = None, recorded_by: str | None = None) -> DeploymentRequest:
    """An expert's answer. After the deadline it is refused (410) even if the expiry sweep has not run yet: the
    caller then expires the request (`expire_if_due`) and moves the seat on."""
    if request.state is RequestState.EXPIRED or (request.state is RequestState.OFFERED and at > request.respond_by):
        raise TransitionRefused(f"request {request.request_id} expired at {request.respond_by.isoformat()}; "
                                "the seat has been offered to someone else", code=410)
    if request.state is not RequestState.OFFERED:
        raise TransitionRefused(f"request {request.request_id} is {request.state.value}; it was answered already")
    if not accept and not (reason or "").strip():
        raise TransitionRefused("reason: a decline needs a reason", code=422)
    return move(request, RequestState.ACCEPTED if accept else RequestState.DECLINED, at, by=by,
                reason=reason, channel=channel, recorded_by=recorded_by)


def expire_if_due(request: DeploymentRequest, at: datetime) -> DeploymentRequest | None:
    """The expired request when its deadline has passed and it is still unanswered, else None."""
    if request.state is RequestState.OFFERED and at > request.respond_by:
        return move(request, RequestState.EXPIRED, at, reason="no answer by the deadline")
    return None
