"""`GET /v1/audit`: the audit trail from the read view, newest first, filtered and paginated; admins only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Query

from api.audit.events import Outcome
from api.auth.deps import AdminDep
from api.deps import RuntimeDep
from streams.views.audit import AuditFilter
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(prefix="/v1/audit", tags=["audit"])


def _utc(value: datetime | None) -> datetime | None:
    """Query times without a zone are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@router.get("", summary="Audit events of state-changing calls, newest first, filtered and paginated")
async def list_audit(principal: AdminDep, runtime: RuntimeDep,
                     entity: str | None = Query(None, min_length=1, max_length=256,
                                                description="an affected id (path parameter or returned id)"),
                     actor: str | None = Query(None, min_length=1, max_length=128,
                                               description="token id of the caller"),
                     action: str | None = Query(None, min_length=1, max_length=128,
                                                description="action name, e.g. experts.create"),
                     outcome: Outcome | None = None,
                     since: datetime | None = Query(None, description="from this instant on (inclusive)"),
                     until: datetime | None = Query(None, description="before this instant (exclusive)"),
                     limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                     cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    flt = AuditFilter(entity=entity, actor=actor, action=action, outcome=outcome.value if outcome else None,
                      since=_utc(since), until=_utc(until))
    return runtime.views.audit.list(flt, limit, cursor).to_json()
