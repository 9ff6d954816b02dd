"""The audit event of one state-changing HTTP call, built from plain request facts (no HTTP, no Kafka here).

What is audited (`audit_outcome`): POST/PUT/PATCH/DELETE under /v1 that
- succeeded (2xx): outcome `applied`, one event per change;
- were refused for the caller's role (403 from an authenticated caller): outcome `denied`;
and reads a route marks (`request.state.audit_read`: an admin reading a partner's subscriptions or delivery log),
outcome `read`. A route may add who a change was made for (`request.state.audit`: `on_behalf_of`, `channel`).
Every event names the caller's office (coordinators and admins).
Not audited: other reads; 401 (no actor to attribute, and anonymous floods must not grow a topic kept forever);
other 4xx (validation, not found, conflict, rate limit: nothing changed); 5xx (the error log has them).
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from api.auth.policy import is_protected
from api.auth.roles import Principal, Role

AUDITED_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
AUDITED_PREFIX = "/v1"
MAX_AFFECTED = 100
SCHEMA_VERSION = 1

METHOD_VERBS = {"POST": "create", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
# Response-body lists whose strings are ids of what the call changed (intake answers `accepted`).
ID_LIST_FIELDS = ("accepted",)
_PARAM = re.compile(r"^\{[^}]+\}$")


class Outcome(StrEnum):
    APPLIED = "applied"
    DENIED = "denied"
    READ = "read"


class AuditEvent(BaseModel):
    """One audited call: who, as what, did which action to which ids, with what result."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    version: int = SCHEMA_VERSION
    audit_id: str
    at: datetime
    actor: str = Field(description="token id of the caller")
    role: Role
    expert_id: str | None = None
    partner_id: str | None = None
    office_id: str | None = Field(None, description="the office the caller acts for (coordinators, admins)")
    on_behalf_of: str | None = Field(None, description="the expert whose answer a coordinator recorded")
    channel: str | None = Field(None, description="how that answer was given: phone, email, in_person")
    action: str = Field(description="stable action name derived from the route, e.g. experts.create")
    operation: str = Field(description="method and route template, e.g. POST /v1/experts")
    path: str
    status: int
    outcome: Outcome
    request_id: str | None = None
    affected: list[str] = Field(default_factory=list, max_length=MAX_AFFECTED)
    affected_total: int = Field(0, ge=0, description="ids found before `affected` was cut to its bound")

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("at must be timezone-aware")
        return value.astimezone(UTC)

    @property
    def key(self) -> str:
        """The record key: the first affected id (one entity's events stay in order), else the audit id."""
        return self.affected[0] if self.affected else self.audit_id


@dataclass(frozen=True)
class RequestFacts:
    """What the HTTP edge knows about one finished call."""

    method: str
    path: str
    status: int
    principal: Principal | None
    route: str | None = None                      # the matched route template, e.g. /v1/experts/{record_id}
    path_params: Mapping[str, object] = field(default_factory=dict)
    request_id: str | None = None
    body: bytes | None = None                     # the response body, when it was JSON and small enough
    extra: Mapping[str, object] = field(default_factory=dict)  # what the route added (request.state.audit)
    read: bool = False                            # a read the route asked to audit (request.state.audit_read)


def audit_outcome(method: str, path: str, status: int, authenticated: bool, read: bool = False) -> Outcome | None:
    """Whether (and as what) a finished call is audited; None means not at all (see the module docstring).

    A read is audited only when its route asks for it (an operator looking into a partner's subscriptions)."""
    if read and method.upper() == "GET" and authenticated and 200 <= status < 300:
        return Outcome.READ
    if method.upper() not in AUDITED_METHODS or not is_protected(path, AUDITED_PREFIX) or not authenticated:
        return None
    if 200 <= status < 300:
        return Outcome.APPLIED
    if status == 403:
        return Outcome.DENIED
    return None


def action_name(method: str, route: str) -> str:
    """`experts.create`, `experts.update`, `experts.import`, `plans.approve`: resource, then the action.

    The resource is the first segment after /v1. A literal last segment (after the resource) names the action
    (`/v1/plans/{plan_id}/approve` -> `plans.approve`); otherwise the method does (POST create, PUT replace,
    PATCH update, DELETE delete).
    """
    parts = [p for p in route.split("/") if p]
    if parts and parts[0] == AUDITED_PREFIX.strip("/"):
        parts = parts[1:]
    if not parts:
        return f"root.{METHOD_VERBS.get(method.upper(), method.lower())}"
    resource, last = parts[0], parts[-1]
    if len(parts) > 1 and not _PARAM.match(last):
        return f"{resource}.{last}"
    return f"{resource}.{METHOD_VERBS.get(method.upper(), method.lower())}"


def body_ids(body: bytes | None) -> list[str]:
    """Ids a JSON response names: top-level `*_id` strings, then the strings of `accepted`-style lists."""
    if not body:
        return []
    try:
        data = json.loads(body)
    except ValueError:
        return []
    if not isinstance(data, dict):
        return []
    ids = [v for k, v in data.items() if k.endswith("_id") and isinstance(v, str) and v]
    for name in ID_LIST_FIELDS:
        values = data.get(name)
        if isinstance(values, list):
            ids.extend(v for v in values if isinstance(v, str) and v)
    return ids


def affected_ids(path_params: Mapping[str, object], body: bytes | None) -> list[str]:
    """Path parameters first, then ids from the response body, each once, in order of appearance."""
    seen: dict[str, None] = {}
    for value in (*(str(v) for v in path_params.values()), *body_ids(body)):
        seen.setdefault(value, None)
    return list(seen)


def build_event(facts: RequestFacts, *, at: datetime, audit_id: str | None = None) -> AuditEvent | None:
    """The audit event of a finished call, or None when the call is not audited."""
    principal = facts.principal
    outcome = audit_outcome(facts.method, facts.path, facts.status, principal is not None, facts.read)
    if outcome is None or principal is None:
        return None
    method = facts.method.upper()
    route = facts.route or facts.path
    # A refused call changed nothing and its body is an error: only the path names what it aimed at.
    ids = affected_ids(facts.path_params, facts.body if outcome is Outcome.APPLIED else None)
    extra = {k: str(v) for k, v in facts.extra.items() if k in ("on_behalf_of", "channel") and v is not None}
    action = action_name(method, facts.route or _resource_only(facts.path))
    return AuditEvent(
        audit_id=audit_id or str(uuid.uuid4()), at=at, actor=principal.token_id, role=principal.role,
        expert_id=principal.expert_id, partner_id=principal.partner_id, office_id=principal.office_id, **extra,
        action=action.removesuffix(".get") + ".read" if action.endswith(".get") else action,
        operation=f"{method} {route}",
        path=facts.path, status=facts.status, outcome=outcome, request_id=facts.request_id,
        affected=ids[:MAX_AFFECTED], affected_total=len(ids))


def _resource_only(path: str) -> str:
    """Without a route template the later segments may be ids, so only the resource is trusted."""
    parts = [p for p in path.split("/") if p]
    return "/" + "/".join(parts[:2])
