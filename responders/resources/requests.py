"""Resource requests to partners, modelled on OASIS EDXL-RM 1.0: what a plan's partner asks become once the
intervention launches, and how they move (plain data in, plain data out; the response owner applies them).

Message types, by their EDXL-RM names:
- RequestResource: an ask (capability, quantity, unit, needed-by date, place) goes to the best-ranked partner not
  asked yet, for what is still missing, with a respond-by deadline (`rrc.resource.requested`);
- ResponseToRequestResource: the partner accepts (all), accepts in part (a quantity) or declines (a reason), with an
  estimated arrival (`rrc.resource.declined`; an acceptance is committed first);
- CommitResource: the partner's capacity ledger holds the quantity for the dates (`responders.resources.capacity`)
  and the commitment is recorded (`rrc.resource.committed`);
- ReportResourceDeploymentStatus: dispatched, arrived, in use, returned (`rrc.resource.status`); a coordinator
  confirms receipt (`rrc.resource.received`);
- RequestExtendedDeploymentDuration and RequestReturn: not built yet (the note of the issue says so);
- ReleaseResource: the capacity goes back to the partner's ledger (returned, or the intervention closed).

A line carries quantities requested, committed, in transit, fulfilled (arrived), in use, returned and received,
as Sahana Eden's request items do. The remainder of a partial, declined or expired request goes to the next
ranked partner; when nobody is left, `rrc.delivery.warning` names the ask.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

EPSILON = 1e-9
DEFAULT_RESPOND_HOURS = {"extreme": 12.0, "severe": 24.0, "moderate": 48.0}
DEFAULT_RESPOND_OTHERWISE = 72.0


class RequestState(StrEnum):
    REQUESTED = "requested"
    COMMITTED = "committed"  # all of it
    PARTIAL = "partial"  # part of it; the rest went on
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


OPEN = frozenset({RequestState.REQUESTED})
HELD = frozenset({RequestState.COMMITTED, RequestState.PARTIAL})


class Fulfilment(StrEnum):
    DISPATCHED = "dispatched"
    ARRIVED = "arrived"
    IN_USE = "in_use"
    RETURNED = "returned"


class Change(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    at: AwareDatetime
    what: str
    quantity: float | None = None
    by: str | None = None
    note: str | None = None


class ResourceRequest(BaseModel):
    """One request line to one partner (EDXL-RM RequestResource and what became of it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    request_id: str
    ask_id: str
    intervention_id: str
    crisis_id: str
    partner_id: str
    organisation: str
    capability: str
    unit: str
    quantity: float = Field(description="requested")
    needed_by: date
    until: date = Field(description="the last day the resource is needed (the intervention's planned end)")
    place: list[str]
    requested_at: AwareDatetime
    respond_by: AwareDatetime
    state: RequestState = RequestState.REQUESTED
    committed: float = 0
    eta: date | None = None
    reason: str | None = None
    in_transit: float = 0
    fulfilled: float = Field(default=0, description="arrived, as the partner reports")
    in_use: float = 0
    returned: float = 0
    received: float = Field(default=0, description="receipt confirmed by a coordinator")
    history: list[Change] = Field(default_factory=list)


class Ask(BaseModel):
    """A plan's partner ask for one capability, and the partners it went to in rank order."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    ask_id: str
    capability: str
    unit: str
    quantity: float
    needed_by: date
    phase: str
    ranked: list[tuple[str, str]] = Field(description="(partner id, organisation), best first")
    tried: list[str] = Field(default_factory=list)
    warned: bool = False


class Resources(BaseModel):
    """An intervention's asks and requests (in the response owner's book, keyed by intervention id)."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    title: str
    severity: str
    exercise: bool = False
    place: list[str]
    until: date
    asks: list[Ask] = Field(default_factory=list)
    requests: dict[str, ResourceRequest] = Field(default_factory=dict)
    closed: bool = False

    def ask(self, ask_id: str) -> Ask:
        return next(a for a in self.asks if a.ask_id == ask_id)

    def of_ask(self, ask_id: str) -> list[ResourceRequest]:
        return [r for r in self.requests.values() if r.ask_id == ask_id]

    def committed(self, ask_id: str) -> float:
        return sum(r.committed for r in self.of_ask(ask_id) if r.state in HELD)

    def pending(self, ask_id: str) -> float:
        return sum(r.quantity for r in self.of_ask(ask_id) if r.state in OPEN)


class ResourceRefused(ValueError):
    def __init__(self, message: str, code: int = 409) -> None:
        super().__init__(message)
        self.code = code


# --- actions ----------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ResourceEvent:
    """A change to announce: `rrc.resource.*` to the partner it concerns, or `rrc.delivery.warning` to all."""

    event_id: str
    type: str
    intervention_id: str
    crisis_id: str
    occurred_at: datetime
    edxl: str
    request: ResourceRequest | None = None
    ask: Ask | None = None
    detail: str | None = None

    def data(self) -> dict[str, Any]:
        out: dict[str, Any] = {"message_type": self.edxl, "intervention_id": self.intervention_id,
                               "crisis_id": self.crisis_id, "detail": self.detail}
        if self.request is not None:
            r = self.request
            out["request"] = {k: v for k, v in r.model_dump(mode="json").items() if k != "history"}
        if self.ask is not None:
            out["ask"] = {"ask_id": self.ask.ask_id, "capability": self.ask.capability, "unit": self.ask.unit,
                          "quantity": self.ask.quantity, "needed_by": self.ask.needed_by.isoformat()}
        return out

    @property
    def partner_id(self) -> str | None:
        return self.request.partner_id if self.request is not None else None


@dataclass(frozen=True)
class ReleaseCapacity:
    """Give a committed quantity back to the partner's capacity ledger (EDXL-RM ReleaseResource)."""

    request_id: str
    partner_id: str


@dataclass
class Step:
    resources: Resources
    actions: list[Any] = field(default_factory=list)


def _id(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:20]


def _event(res: Resources, type_: str, edxl: str, at: datetime, request: ResourceRequest | None = None,
           ask: Ask | None = None, detail: str | None = None, serial: object = "") -> ResourceEvent:
    rid = request.request_id if request else ""
    return ResourceEvent(event_id=f"res-{_id(type_, res.intervention_id, ask.ask_id if ask else '', rid, serial)}",
                         type=type_, intervention_id=res.intervention_id, crisis_id=res.crisis_id, occurred_at=at,
                         edxl=edxl, request=request, ask=ask, detail=detail)


def _changed(request: ResourceRequest, at: datetime, what: str, **update: Any) -> ResourceRequest:
    change = Change(at=at, what=what, quantity=update.pop("_quantity", None), by=update.pop("_by", None),
                    note=update.pop("_note", None))
    return request.model_copy(update={**update, "history": [*request.history, change]})


def _put(res: Resources, request: ResourceRequest, **changes: Any) -> Resources:
    return res.model_copy(update={"requests": {**res.requests, request.request_id: request}, **changes})


def _put_ask(res: Resources, ask: Ask) -> Resources:
    return res.model_copy(update={"asks": [ask if a.ask_id == ask.ask_id else a for a in res.asks]})


def respond_by(now: datetime, severity: str, hours: dict[str, float] | None = None,
               otherwise: float = DEFAULT_RESPOND_OTHERWISE) -> datetime:
    return now + timedelta(hours=(hours or DEFAULT_RESPOND_HOURS).get(severity, otherwise))


# --- start ------------------------------------------------------------------------------------------------------

def start_resources(intervention: dict[str, Any], now: datetime, hours: dict[str, float] | None = None) -> Step:
    """The asks of a launched intervention's frozen plan (its JSON), each sent to its best-ranked partner."""
    plan = intervention["plan"]
    launched = datetime.fromisoformat(str(intervention["launched_at"]).replace("Z", "+00:00"))
    ends = [date.fromisoformat(str(r["start"])) + timedelta(days=int(r["duration_days"]) - 1) for r in plan["roles"]]
    until = max(ends, default=launched.date() + timedelta(days=90))
    res = Resources(intervention_id=intervention["intervention_id"], crisis_id=intervention["crisis_id"],
                    title=plan["title"], severity=plan["severity"], exercise=bool(intervention.get("exercise")),
                    place=list(plan["countries"]), until=until)
    asks = []
    for n, ask in enumerate(plan.get("partner_asks", [])):
        chosen = list(ask.get("chosen") or [])
        ranked = [(p["partner_id"], p["organisation"]) for p in ask.get("partners", [])]
        ranked = sorted(ranked, key=lambda p: (p[0] not in chosen, chosen.index(p[0]) if p[0] in chosen else 0))
        within = ask.get("needed_within_days")
        asks.append(Ask(ask_id=f"ask-{_id(res.intervention_id, n, ask['capability'])}", capability=ask["capability"],
                        unit=ask.get("unit") or "units", quantity=float(ask["quantity"]),
                        needed_by=(launched + timedelta(days=within if within is not None else 7)).date(),
                        phase=ask["phase"], ranked=ranked))
    step = Step(res.model_copy(update={"asks": asks}))
    for ask in asks:
        step = _go_on(step, ask.ask_id, now, hours)
    return step


def _go_on(step: Step, ask_id: str, now: datetime, hours: dict[str, float] | None = None) -> Step:
    """Ask the next ranked partner for what is still missing; warn (once) when nobody is left."""
    res = step.resources
    if res.closed:
        return step
    ask = res.ask(ask_id)
    missing = ask.quantity - res.committed(ask_id) - res.pending(ask_id)
    if missing <= EPSILON:
        return step
    nxt = next(((pid, org) for pid, org in ask.ranked if pid not in ask.tried), None)
    if nxt is None:
        if ask.warned:
            return step
        ask = ask.model_copy(update={"warned": True})
        res = _put_ask(res, ask)
        detail = (f"no partner left for {ask.capability}: {res.committed(ask_id):g} of {ask.quantity:g} {ask.unit} "
                  f"committed after asking {len(ask.tried)}")
        return Step(res, [*step.actions, _event(res, "rrc.delivery.warning", "RequestResource", now, ask=ask,
                                                detail=detail)])
    partner_id, organisation = nxt
    ask = ask.model_copy(update={"tried": [*ask.tried, partner_id]})
    request = ResourceRequest(request_id=f"rsr-{_id(res.intervention_id, ask_id, partner_id)}", ask_id=ask_id,
                              intervention_id=res.intervention_id, crisis_id=res.crisis_id, partner_id=partner_id,
                              organisation=organisation, capability=ask.capability, unit=ask.unit, quantity=missing,
                              needed_by=ask.needed_by, until=max(res.until, ask.needed_by), place=res.place,
                              requested_at=now, respond_by=respond_by(now, res.severity, hours))
    request = _changed(request, now, "requested", _quantity=missing)
    res = _put(_put_ask(res, ask), request)
    return Step(res, [*step.actions, _event(res, "rrc.resource.requested", "RequestResource", now, request, ask)])


# --- answers ----------------------------------------------------------------------------------------------------

def _open(res: Resources, request_id: str, partner_id: str | None) -> ResourceRequest:
    request = res.requests.get(request_id)
    if request is None or (partner_id is not None and request.partner_id != partner_id):
        raise ResourceRefused(f"no resource request {request_id}", 404)
    return request


def decline(res: Resources, request_id: str, partner_id: str, reason: str, now: datetime,
            hours: dict[str, float] | None = None) -> Step:
    """ResponseToRequestResource with a decline: the whole remainder goes on to the next partner."""
    request = _open(res, request_id, partner_id)
    if request.state is not RequestState.REQUESTED:
        raise ResourceRefused(f"request {request_id} is {request.state.value}; it can no longer be answered",
                              410 if request.state is RequestState.EXPIRED else 409)
    request = _changed(request, now, "declined", state=RequestState.DECLINED, reason=reason, _by=partner_id,
                       _note=reason)
    res = _put(res, request)
    step = Step(res, [_event(res, "rrc.resource.declined", "ResponseToRequestResource", now, request,
                             detail=reason)])
    return _go_on(step, request.ask_id, now, hours)


def check_commit(res: Resources, request_id: str, partner_id: str, quantity: float) -> ResourceRequest:
    """Can the partner commit `quantity` on this request (before its capacity ledger is asked)?"""
    request = _open(res, request_id, partner_id)
    if request.state is not RequestState.REQUESTED:
        raise ResourceRefused(f"request {request_id} is {request.state.value}; it can no longer be answered",
                              410 if request.state is RequestState.EXPIRED else 409)
    if quantity <= 0 or quantity > request.quantity + EPSILON:
        raise ResourceRefused(f"quantity: between 0 and the {request.quantity:g} {request.unit} requested", 422)
    return request


def commit(res: Resources, request_id: str, partner_id: str, quantity: float, eta: date | None, now: datetime,
           hours: dict[str, float] | None = None) -> Step:
    """CommitResource: the partner's ledger holds `quantity`; a part commitment sends the rest on."""
    request = check_commit(res, request_id, partner_id, quantity)
    full = quantity >= request.quantity - EPSILON
    request = _changed(request, now, "committed", state=RequestState.COMMITTED if full else RequestState.PARTIAL,
                       committed=quantity, eta=eta, _quantity=quantity, _by=partner_id)
    res = _put(res, request)
    step = Step(res, [_event(res, "rrc.resource.committed", "CommitResource", now, request,
                             detail=f"{quantity:g} of {request.quantity:g} {request.unit}")])
    return _go_on(step, request.ask_id, now, hours)


def expire_due(res: Resources, now: datetime, hours: dict[str, float] | None = None) -> Step:
    """Requests past their respond-by time expire; their remainder goes on."""
    step = Step(res)
    for request in [r for r in res.requests.values() if r.state is RequestState.REQUESTED and r.respond_by <= now]:
        expired = _changed(request, now, "expired", state=RequestState.EXPIRED)
        step = Step(_put(step.resources, expired), [*step.actions, _event(
            step.resources, "rrc.resource.expired", "ResponseToRequestResource", now, expired,
            detail=f"no answer by {request.respond_by.isoformat()}")])
        step = _go_on(step, request.ask_id, now, hours)
    return step


def next_due(res: Resources | dict[str, Any]) -> datetime | None:
    requests = res.requests.values() if isinstance(res, Resources) else [
        ResourceRequest.model_validate(r) for r in res.get("requests", {}).values()]
    due = [r.respond_by for r in requests if r.state is RequestState.REQUESTED]
    return min(due, default=None)


# --- fulfilment -------------------------------------------------------------------------------------------------

STATUS_ORDER = {Fulfilment.DISPATCHED: 0, Fulfilment.ARRIVED: 1, Fulfilment.IN_USE: 2, Fulfilment.RETURNED: 3}


def report_status(res: Resources, request_id: str, partner_id: str, status: Fulfilment, quantity: float,
                  now: datetime, note: str | None = None) -> Step:
    """ReportResourceDeploymentStatus: `quantity` more moved to `status` (dispatched, arrived, in use, returned)."""
    request = _open(res, request_id, partner_id)
    if request.state not in HELD:
        raise ResourceRefused(f"request {request_id} is {request.state.value}: only committed resources move")
    if quantity <= 0:
        raise ResourceRefused("quantity: more than 0", 422)
    limits = {Fulfilment.DISPATCHED: request.committed - request.in_transit - request.fulfilled - request.returned,
              Fulfilment.ARRIVED: request.in_transit, Fulfilment.IN_USE: request.fulfilled - request.in_use,
              Fulfilment.RETURNED: request.fulfilled - request.returned}
    if quantity > limits[status] + EPSILON:
        raise ResourceRefused(f"quantity: {quantity:g} {request.unit} cannot be {status.value}: "
                              f"{max(limits[status], 0):g} can be", 422)
    moved = {Fulfilment.DISPATCHED: {"in_transit": request.in_transit + quantity},
             Fulfilment.ARRIVED: {"in_transit": request.in_transit - quantity,
                                  "fulfilled": request.fulfilled + quantity},
             Fulfilment.IN_USE: {"in_use": request.in_use + quantity},
             Fulfilment.RETURNED: {"returned": request.returned + quantity,
                                   "in_use": max(0.0, request.in_use - quantity)}}[status]
    request = _changed(request, now, status.value, _quantity=quantity, _by=partner_id, _note=note, **moved)
    res = _put(res, request)
    actions: list[Any] = [_event(res, "rrc.resource.status", "ReportResourceDeploymentStatus", now, request,
                                 detail=f"{quantity:g} {request.unit} {status.value}", serial=len(request.history))]
    if request.returned >= request.committed - EPSILON:
        actions.append(ReleaseCapacity(request_id=request.request_id, partner_id=request.partner_id))
    return Step(res, actions)


def confirm_receipt(res: Resources, request_id: str, quantity: float, now: datetime, by: str) -> Step:
    """A coordinator confirms that `quantity` arrived where it was needed."""
    request = _open(res, request_id, None)
    if request.state not in HELD:
        raise ResourceRefused(f"request {request_id} is {request.state.value}: nothing was committed")
    if quantity <= 0 or request.received + quantity > request.committed + EPSILON:
        raise ResourceRefused(f"quantity: at most {request.committed - request.received:g} {request.unit} more can "
                              f"be received", 422)
    request = _changed(request, now, "received", received=request.received + quantity, _quantity=quantity, _by=by)
    res = _put(res, request)
    return Step(res, [_event(res, "rrc.resource.received", "ReportResourceDeploymentStatus", now, request,
                             detail=f"{quantity:g} {request.unit} received", serial=len(request.history))])


def close_resources(res: Resources, now: datetime) -> Step:
    """The intervention closed: open requests are withdrawn; committed capacity goes back to the partners."""
    actions: list[Any] = []
    requests = dict(res.requests)
    for request in res.requests.values():
        if request.state in OPEN:
            requests[request.request_id] = _changed(request, now, "withdrawn", state=RequestState.WITHDRAWN)
            actions.append(_event(res, "rrc.resource.withdrawn", "ReleaseResource", now,
                                  requests[request.request_id]))
        elif request.state in HELD and request.returned < request.committed - EPSILON:
            actions.append(ReleaseCapacity(request_id=request.request_id, partner_id=request.partner_id))
    return Step(res.model_copy(update={"requests": requests, "closed": True}), actions)


def summary(res: Resources) -> list[dict[str, Any]]:
    """Per ask: quantities asked, committed, pending, in transit, fulfilled, received (what coordinators see)."""
    out = []
    for ask in res.asks:
        lines = res.of_ask(ask.ask_id)
        out.append({"ask_id": ask.ask_id, "capability": ask.capability, "unit": ask.unit, "quantity": ask.quantity,
                    "needed_by": ask.needed_by.isoformat(), "phase": ask.phase,
                    "committed": res.committed(ask.ask_id), "pending": res.pending(ask.ask_id),
                    "in_transit": sum(r.in_transit for r in lines), "fulfilled": sum(r.fulfilled for r in lines),
                    "received": sum(r.received for r in lines), "returned": sum(r.returned for r in lines),
                    "partners_asked": list(ask.tried), "partners_left": len(ask.ranked) - len(ask.tried),
                    "warned": ask.warned, "requests": [r.request_id for r in lines]})
    return out


Answer = Literal["accept", "partial", "decline"]


def requests_of(res: Iterable[Resources], partner_id: str) -> list[ResourceRequest]:
    return [r for x in res for r in x.requests.values() if r.partner_id == partner_id]
