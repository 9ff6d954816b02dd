"""Staffing an intervention: offer each seat to the best available candidate, move on when an offer is declined,
expires or cannot be held, relax the criteria once when the list runs out, then warn.

The owner of an intervention applies these functions; they return the new Staffing and the actions to carry out:
`HoldExpert` / `ReleaseHold` / `ConfirmHold` go to the expert's ledger owner (see ledger.py), `Rematch` asks for
candidates found with soft criteria relaxed, and `DeploymentEvent`s are emitted. Nothing here reads a clock or
talks to Kafka. Ids are derived from intervention, seat and expert, so a replay repeats the same decisions.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from config.topics import DEPLOYMENTS
from responders.deployments.ledger import ConfirmHold, HoldDecision, HoldExpert, ReleaseHold
from responders.deployments.machine import (
    AnswerChannel,
    Transition,
    DEFAULT_ANSWER_HOURS_OTHERWISE,
    DeploymentRequest,
    RequestState,
    TransitionRefused,
    answer,
    answer_deadline,
    expire_if_due,
    move,
)
from responders.messages import Event, Record


class Seat(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    role: str
    index: int = Field(ge=1, description="which seat of the role, from 1")
    start: date
    end: date
    candidates: list[str]
    tried: list[str] = Field(default_factory=list, description="experts already asked for this seat")
    pending: list[str] = Field(default_factory=list, description="request ids waiting for a hold")
    open_requests: list[str] = Field(default_factory=list, description="offered or accepted requests")
    filled_by: str | None = None
    filled_request: str | None = None
    relaxed: bool = False
    warned: bool = False

    @property
    def key(self) -> str:
        return f"{self.role}#{self.index}"


class Staffing(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    intervention_id: str
    crisis_id: str
    plan_id: str
    crisis_title: str
    severity: str
    place: list[str]
    parallel: int = Field(default=1, ge=1, le=5)
    seats: list[Seat]
    requests: dict[str, DeploymentRequest] = Field(default_factory=dict)
    drafts: dict[str, dict[str, Any]] = Field(default_factory=dict, description="request id -> seat, expert")
    closed: bool = False

    def seat(self, key: str) -> Seat:
        return next(s for s in self.seats if s.key == key)


class DeploymentEvent(Event):
    """A step of a deployment request or seat (rrc.deployments, keyed by crisis id; with the expert's id)."""

    topic = DEPLOYMENTS
    event_id: str
    type: str
    intervention_id: str
    crisis_id: str
    role: str
    seat: int
    occurred_at: AwareDatetime
    request_id: str | None = None
    expert_id: str | None = None
    state: str | None = None
    detail: str | None = None

    @property
    def key(self) -> str:
        return self.crisis_id

    def record(self) -> Record:
        value = self.model_dump_json(exclude_none=True).encode()
        return Record(DEPLOYMENTS, self.crisis_id.encode(), value, [("rrc-event-type", self.type.encode())])


@dataclass(frozen=True)
class Rematch:
    seat_key: str
    role: str
    exclude: tuple[str, ...]


@dataclass
class Step:
    staffing: Staffing
    actions: list[Any] = field(default_factory=list)

    @property
    def events(self) -> list[DeploymentEvent]:
        return [a for a in self.actions if isinstance(a, DeploymentEvent)]


def _id(prefix: str, *parts: str) -> str:
    return f"{prefix}-{hashlib.blake2b(chr(31).join(parts).encode(), digest_size=10).hexdigest()}"


def request_id_for(intervention_id: str, seat_key: str, expert_id: str) -> str:
    return _id("req", intervention_id, seat_key, expert_id)


def _event(st: Staffing, type_: str, seat: Seat, at: datetime, request: DeploymentRequest | None = None,
           expert_id: str | None = None, detail: str | None = None) -> DeploymentEvent:
    rid = request.request_id if request else None
    state = request.state.value if request else None
    return DeploymentEvent(event_id=_id("evt", type_, st.intervention_id, seat.key, rid or "", state or "",
                                        expert_id or "", str(len(seat.tried))),
                           type=type_, intervention_id=st.intervention_id, crisis_id=st.crisis_id, role=seat.role,
                           seat=seat.index, occurred_at=at, request_id=rid,
                           expert_id=expert_id or (request.expert_id if request else None), state=state,
                           detail=detail)


def _replace(st: Staffing, seat: Seat, **changes) -> Staffing:
    return st.model_copy(update={"seats": [seat if s.key == seat.key else s for s in st.seats], **changes})


# --- start ------------------------------------------------------------------------------------------------------

def start_staffing(intervention: dict, now: datetime, parallel: int = 1) -> Step:
    """Seats from the frozen plan of a launched intervention (its JSON), then the first offers."""
    plan = intervention["plan"]
    seats = []
    for role in plan["roles"]:
        ranked = [c["expert_id"] for c in role["candidates"]]
        chosen = list(role["chosen"])
        start = date.fromisoformat(str(role["start"]))
        end = start + timedelta(days=int(role["duration_days"]) - 1)
        for i in range(int(role["count"])):
            first = [chosen[i]] if i < len(chosen) else []
            others_chosen = set(chosen) - set(first)
            rest = [e for e in ranked if e not in first and e not in others_chosen]
            seats.append(Seat(role=role["role"], index=i + 1, start=start, end=end, candidates=first + rest
                              + [e for e in chosen if e not in first]))
    st = Staffing(intervention_id=intervention["intervention_id"], crisis_id=intervention["crisis_id"],
                  plan_id=intervention["plan_id"], crisis_title=plan["title"], severity=plan["severity"],
                  place=list(plan["countries"]), parallel=parallel, seats=seats)
    return fill(st, now)


def _waiting_for(st: Staffing, seat: Seat) -> list[str]:
    """Candidates of the seat not asked yet who are only held up by an open offer (or hold) for another seat of the
    intervention: they may be free for this one once they answer there, so the seat is not given up on yet."""
    pending = {r.expert_id for r in st.requests.values() if r.is_open} | {d["expert_id"] for d in st.drafts.values()}
    return [e for e in seat.candidates if e not in seat.tried and e in pending]


def _busy_in_intervention(st: Staffing) -> set[str]:
    """Experts not to ask for a seat of this intervention: seated, offered or being held anywhere in it, or who
    declined or let an offer of it expire (they are not asked again for another of its roles)."""
    busy = {s.filled_by for s in st.seats if s.filled_by}
    busy |= {r.expert_id for r in st.requests.values()
             if r.is_open or r.state in (RequestState.DECLINED, RequestState.EXPIRED)}
    busy |= {d["expert_id"] for d in st.drafts.values()}
    return busy


def fill(st: Staffing, now: datetime) -> Step:
    """Ask holds for every seat short of offers (up to `parallel` at a time); relax or warn when a seat runs out."""
    actions: list[Any] = []
    if st.closed:
        return Step(st, actions)
    for seat in list(st.seats):
        seat = st.seat(seat.key)
        if seat.filled_by:
            continue
        while len(seat.open_requests) + len(seat.pending) < st.parallel:
            busy = _busy_in_intervention(st)
            nxt = next((e for e in seat.candidates if e not in seat.tried and e not in busy), None)
            if nxt is None:
                break
            rid = request_id_for(st.intervention_id, seat.key, nxt)
            seat = seat.model_copy(update={"tried": [*seat.tried, nxt], "pending": [*seat.pending, rid]})
            st = _replace(st, seat, drafts={**st.drafts, rid: {"seat": seat.key, "expert_id": nxt}})
            actions.append(HoldExpert(request_id=rid, expert_id=nxt, intervention_id=st.intervention_id,
                                      crisis_id=st.crisis_id, start=seat.start, end=seat.end))
        if seat.warned and (seat.open_requests or seat.pending):
            seat = seat.model_copy(update={"warned": False})  # asking somebody again: the warning is over
            st = _replace(st, seat)
        if not seat.open_requests and not seat.pending:
            # Out of free candidates: look further first (those asked for another seat fill one seat at most),
            # then wait for whoever is still being asked elsewhere in the intervention, and only then warn.
            if not seat.relaxed:
                seat = seat.model_copy(update={"relaxed": True})
                st = _replace(st, seat)
                # Exclude those tried for this seat and those taken elsewhere in this intervention.
                actions.append(Rematch(seat.key, seat.role, tuple(dict.fromkeys([*seat.tried,
                                                                                *sorted(_busy_in_intervention(st))]))))
            elif _waiting_for(st, seat):
                continue  # a candidate is still being asked for another seat of this intervention: wait for them
            elif not seat.warned:
                seat = seat.model_copy(update={"warned": True})
                st = _replace(st, seat)
                actions.append(_event(st, "rrc.delivery.warning", seat, now,
                                      detail=f"no candidate left for {seat.role} seat {seat.index} "
                                             f"(tried {len(seat.tried)}, criteria relaxed)"))
    return Step(st, actions)


def add_candidates(st: Staffing, seat_key: str, experts: list[str], now: datetime) -> Step:
    """Candidates found with relaxed criteria for a seat that ran out (the answer to `Rematch`)."""
    seat = st.seat(seat_key)
    new = [e for e in experts if e not in seat.candidates]
    st = _replace(st, seat.model_copy(update={"candidates": [*seat.candidates, *new]}))
    return fill(st, now)


# --- holds ------------------------------------------------------------------------------------------------------

def on_hold(st: Staffing, request_id: str, decision: HoldDecision, now: datetime,
            answer_hours: dict[str, float] | None = None,
            answer_otherwise: float = DEFAULT_ANSWER_HOURS_OTHERWISE) -> Step:
    """The expert's ledger answered: offer the seat (rrc.deployment.requested) or move to the next candidate."""
    draft = st.drafts.get(request_id)
    if draft is None:
        return Step(st)  # a replayed answer
    seat = st.seat(draft["seat"])
    drafts = {k: v for k, v in st.drafts.items() if k != request_id}
    seat = seat.model_copy(update={"pending": [r for r in seat.pending if r != request_id]})
    if not decision.granted or st.closed or seat.filled_by:
        st = _replace(st, seat, drafts=drafts)
        step = fill(st, now)
        if decision.granted:  # held, but the seat is no longer wanted
            step.actions.insert(0, ReleaseHold(request_id=request_id, expert_id=draft["expert_id"]))
        return step
    request = DeploymentRequest(request_id=request_id, intervention_id=st.intervention_id, crisis_id=st.crisis_id,
                                plan_id=st.plan_id, role=seat.role, seat=seat.index, expert_id=draft["expert_id"],
                                offered_at=now, respond_by=answer_deadline(now, st.severity, answer_hours, answer_otherwise),
                                start=seat.start, end=seat.end, place=st.place, crisis_title=st.crisis_title,
                                severity=st.severity)
    seat = seat.model_copy(update={"open_requests": [*seat.open_requests, request_id]})
    st = _replace(st, seat, drafts=drafts, requests={**st.requests, request_id: request})
    return Step(st, [_event(st, "rrc.deployment.requested", seat, now, request)])


# --- answers and expiry -----------------------------------------------------------------------------------------

def on_answer(st: Staffing, request_id: str, accept: bool, now: datetime, *, by: str,
              reason: str | None = None, channel: AnswerChannel | None = None,
              recorded_by: str | None = None) -> Step:
    """An expert accepts or declines. A late answer is refused (TransitionRefused, code 410) after the request is
    expired and the seat moved on: the returned exception carries the step to apply first."""
    request = st.requests.get(request_id)
    if request is None:
        raise TransitionRefused(f"no request {request_id}", code=404)
    try:
        answered = answer(request, accept, now, by=by, reason=reason, channel=channel, recorded_by=recorded_by)
    except TransitionRefused as exc:
        if exc.code == 410 and request.state is RequestState.OFFERED:
            exc.step = _expire(st, request, now)  # type: ignore[attr-defined]
        raise
    seat = st.seat(f"{request.role}#{request.seat}")
    if not accept:
        st = _close_request(st, seat, answered)
        step = fill(st, now)
        step.actions[:0] = [ReleaseHold(request_id=request_id, expert_id=request.expert_id),
                            _event(st, "rrc.deployment.declined", seat, now, answered, detail=reason),
                            *_escalated(step, seat, now)]
        return step
    confirmed = move(answered, RequestState.CONFIRMED, now, reason="seat filled")
    actions: list[Any] = [_event(st, "rrc.deployment.accepted", seat, now, answered), ConfirmHold(request_id=request_id,
                                                                                     expert_id=request.expert_id)]
    requests = {**st.requests, request_id: confirmed}
    for other_id in seat.open_requests:
        if other_id != request_id:
            other = move(requests[other_id], RequestState.WITHDRAWN, now, reason="seat filled by another expert")
            requests[other_id] = other
            actions.append(ReleaseHold(request_id=other_id, expert_id=other.expert_id))
    seat = seat.model_copy(update={"filled_by": request.expert_id, "filled_request": request_id, "open_requests": []})
    st = _replace(st, seat, requests=requests)
    role_seats = [s for s in st.seats if s.role == seat.role]
    if all(s.filled_by for s in role_seats):
        actions.append(_event(st, "rrc.role.filled", seat, now, detail=f"{len(role_seats)} of {len(role_seats)}"))
    rest = fill(st, now)  # seats that waited for this expert move on
    return Step(rest.staffing, actions + rest.actions)


def on_extension(st: Staffing, request_id: str, end: date, now: datetime) -> Step:
    """The ledger kept the longer days: the mission now ends on `end` (its reminders for the end start over)."""
    request = st.requests[request_id]
    longer = request.model_copy(update={
        "end": end, "reminded": [r for r in request.reminded if r != END_SOON],
        "history": [*request.history, Transition(state=request.state, at=now, reason=f"extended to {end}")]})
    st = st.model_copy(update={"requests": {**st.requests, request_id: longer}})
    seat = st.seat(f"{request.role}#{request.seat}")
    return Step(st, [_event(st, "rrc.deployment.extended", seat, now, longer, detail=f"extended to {end}")])


MISSION_STEPS = {RequestState.DEPLOYED: "rrc.deployment.deployed", RequestState.COMPLETED: "rrc.deployment.completed"}


def on_mission(st: Staffing, request_id: str, to: RequestState, now: datetime, *, by: str, note: str | None = None,
               channel: AnswerChannel | None = None, recorded_by: str | None = None) -> Step:
    """Check-in on arrival (confirmed -> deployed) or the end of mission (deployed -> completed, with a note)."""
    request = st.requests.get(request_id)
    if request is None:
        raise TransitionRefused(f"no request {request_id}", code=404)
    moved = move(request, to, now, by=by, reason=note, channel=channel, recorded_by=recorded_by)
    seat = st.seat(f"{request.role}#{request.seat}")
    st = st.model_copy(update={"requests": {**st.requests, request_id: moved}})
    return Step(st, [_event(st, MISSION_STEPS[to], seat, now, moved, detail=note)])


def _close_request(st: Staffing, seat: Seat, request: DeploymentRequest) -> Staffing:
    seat = seat.model_copy(update={"open_requests": [r for r in seat.open_requests if r != request.request_id]})
    return _replace(st, seat, requests={**st.requests, request.request_id: request})


def _escalated(step: Step, seat: Seat, now: datetime) -> list[DeploymentEvent]:
    asks = [a for a in step.actions if isinstance(a, (HoldExpert, Rematch))]
    if not asks:
        return []
    nxt = asks[0]
    # The detail names no expert: it travels to partners with the event (experts appear by role only).
    detail = "offered to the next candidate" if isinstance(nxt, HoldExpert) else "criteria relaxed"
    return [_event(step.staffing, "rrc.deployment.escalated", seat, now,
                   expert_id=nxt.expert_id if isinstance(nxt, HoldExpert) else None, detail=detail)]


def _expire(st: Staffing, request: DeploymentRequest, now: datetime) -> Step:
    expired = expire_if_due(request, now)
    if expired is None:
        return Step(st)
    seat = st.seat(f"{request.role}#{request.seat}")
    st = _close_request(st, seat, expired)
    step = fill(st, now)
    step.actions[:0] = [ReleaseHold(request_id=request.request_id, expert_id=request.expert_id),
                        _event(st, "rrc.deployment.expired", seat, now, expired), *_escalated(step, seat, now)]
    return step


def sweep(st: Staffing, now: datetime, end_reminder_days: int = 3) -> Step:
    """Expire every offer past its deadline and move each seat on, and send the mission reminders that are due
    (what the scheduled sweep's command does)."""
    actions: list[Any] = []
    for request in list(st.requests.values()):
        current = st.requests[request.request_id]
        if current.state is RequestState.OFFERED and now > current.respond_by:
            step = _expire(st, current, now)
            st, actions = step.staffing, actions + step.actions
    for request in list(st.requests.values()):
        due = [(kind, words) for kind, at, words in reminders_of(request, end_reminder_days) if now >= at]
        if not due:
            continue
        reminded = request.model_copy(update={"reminded": [*request.reminded, *(k for k, _ in due)]})
        st = st.model_copy(update={"requests": {**st.requests, request.request_id: reminded}})
        seat = st.seat(f"{request.role}#{request.seat}")
        actions += [_event(st, REMINDED, seat, now, reminded, detail=words) for _, words in due]
    return Step(st, actions)


REMINDED = "rrc.deployment.reminded"
NOT_ARRIVED, END_SOON = "not_arrived", "end_soon"


def reminders_of(request: DeploymentRequest, end_days: int) -> list[tuple[str, datetime, str]]:
    """The reminders this request still waits for, with when each is due: "not yet arrived" the day after the start
    when a confirmed expert has not checked in; "approaching end of mission" `end_days` before the end."""
    out = []
    if request.state is RequestState.CONFIRMED and NOT_ARRIVED not in request.reminded:
        at = datetime.combine(request.start + timedelta(days=1), datetime.min.time(), tzinfo=timezone.utc)
        out.append((NOT_ARRIVED, at, f"not yet arrived: the mission started on {request.start}; please check in"))
    if request.state is RequestState.DEPLOYED and END_SOON not in request.reminded:
        at = datetime.combine(request.end - timedelta(days=end_days), datetime.min.time(), tzinfo=timezone.utc)
        out.append((END_SOON, at, f"approaching end of mission on {request.end}: end it with a note, or ask for an "
                                  "extension"))
    return out


def close(st: Staffing, now: datetime) -> Step:
    """The intervention closed: withdraw every open request and free the experts' days (holds still being asked
    for are released when their answer comes, see `on_hold`)."""
    if st.closed:
        return Step(st)
    actions: list[Any] = []
    requests = dict(st.requests)
    for rid, request in st.requests.items():
        if request.is_open:
            requests[rid] = move(request, RequestState.WITHDRAWN, now, reason="intervention closed")
            actions.append(ReleaseHold(request_id=rid, expert_id=request.expert_id))
    seats = [s.model_copy(update={"open_requests": []}) for s in st.seats]
    return Step(st.model_copy(update={"closed": True, "requests": requests, "seats": seats}), actions)
