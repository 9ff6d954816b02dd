"""Crises from the read view: list with filters and pagination, and one crisis with its signals and history."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from fastapi import APIRouter, Query

from api.auth.deps import PartnerOrStaffDep
from api.auth.roles import Grant, Principal, Role
from api.auth.scope import ScopeDep
from api.deps import RuntimeDep
from api.errors import NotFound
from vocabulary.signals import Hazard, Kind, Severity
from streams.views.crises import CrisisFilter
from vocabulary.pagination import MAX_LIMIT, DEFAULT_LIMIT
from responders.crises.models import CrisisStatus

router = APIRouter(prefix="/v1/crises", tags=["crises"])


def _exercise_visibility(principal: Principal, requested: bool | None) -> bool | None:
    """Partners see exercise crises only with the exercise grant; staff see what they ask for."""
    if principal.role is Role.PARTNER and not principal.has_grant(Grant.EXERCISE):
        return False
    return requested


COUNTRY = Query(None, min_length=3, max_length=3, pattern="^[A-Za-z]{3}$")
ACTIVE = Query(None, description="true: every status but closed; false: closed only")
HISTORICAL = Query(None, description="true: only crises recorded as history (their signals were older than the "
                                     "hazard's quiet period: closed at once, never planned for); false: none of those")
MAX_MAP_POINTS = 5000


def _filter(principal: Principal, scope, status, active, kind, hazard, country, min_severity, since,
            exercise, historical) -> CrisisFilter:
    if since is not None and since.tzinfo is None:
        since = since.replace(tzinfo=timezone.utc)  # a time without a zone is UTC (the crises' times are aware)
    return CrisisFilter(status=status, active=active, historical=historical, kind=kind, hazard=hazard, country=country,
                        min_severity=min_severity, since=since, exercise=_exercise_visibility(principal, exercise),
                        within=scope.countries())


@router.get("", summary="Crises, newest first, filtered and paginated")
async def list_crises(principal: PartnerOrStaffDep, runtime: RuntimeDep, scope: ScopeDep,
                      status: CrisisStatus | None = None, active: bool | None = ACTIVE, kind: Kind | None = None,
                      hazard: Hazard | None = None, country: str | None = COUNTRY,
                      min_severity: Severity | None = None, since: datetime | None = None,
                      exercise: bool | None = None, historical: bool | None = HISTORICAL,
                      limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                      cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    flt = _filter(principal, scope, status, active, kind, hazard, country, min_severity, since, exercise, historical)
    return runtime.views.crises.list(flt, limit, cursor).to_json()


@router.get("/map", summary="For a map: per country the number of matching crises and the highest severity, and "
                            "the located crises as points (newest 5,000), under the list's filters")
async def crises_map(principal: PartnerOrStaffDep, runtime: RuntimeDep, scope: ScopeDep,
                     status: CrisisStatus | None = None, active: bool | None = ACTIVE, kind: Kind | None = None,
                     hazard: Hazard | None = None, country: str | None = COUNTRY,
                     min_severity: Severity | None = None, since: datetime | None = None,
                     exercise: bool | None = None, historical: bool | None = HISTORICAL) -> dict[str, Any]:
    flt = _filter(principal, scope, status, active, kind, hazard, country, min_severity, since, exercise, historical)
    return runtime.views.crises.map(flt, MAX_MAP_POINTS)


@router.get("/{crisis_id}", summary="One crisis with its newest signals and its history")
async def get_crisis(crisis_id: str, principal: PartnerOrStaffDep, runtime: RuntimeDep,
                     scope: ScopeDep) -> dict[str, Any]:
    crisis = runtime.views.crises.get(crisis_id) if scope.sees_crisis(crisis_id) else None
    if crisis is None or (crisis["exercise"] and _exercise_visibility(principal, None) is False):
        raise NotFound(f"crisis_id: no crisis {crisis_id!r}")
    return crisis


@router.get("/{crisis_id}/signals", summary="Every signal of one crisis, oldest first, paginated")
async def crisis_signals(crisis_id: str, principal: PartnerOrStaffDep, runtime: RuntimeDep, scope: ScopeDep,
                         limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                         cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    view = runtime.views.crises
    crisis = view.crises.meta.get(crisis_id) if scope.sees_crisis(crisis_id) else None
    if crisis is None or (crisis["exercise"] and _exercise_visibility(principal, None) is False):
        raise NotFound(f"crisis_id: no crisis {crisis_id!r}")
    return view.signals(crisis_id, limit, cursor)
