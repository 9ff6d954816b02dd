"""The field structure: headquarters, regional and country offices, the countries each covers, approval rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Query

from api.auth.deps import AnyRoleDep
from api.deps import RuntimeDep
from api.errors import NotFound
from config.offices import OfficeKind
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate

router = APIRouter(prefix="/v1/offices", tags=["offices"])


def _read(runtime, office) -> dict[str, Any]:
    covered = runtime.offices.countries_of(office.office_id)
    return {**office.model_dump(mode="json"), "covers": sorted(covered), "covers_total": len(covered)}


@router.get("", summary="Every office (headquarters, regional, country) with its countries, and the approval rules")
async def list_offices(principal: AnyRoleDep, runtime: RuntimeDep, kind: OfficeKind | None = None,
                       country: str | None = Query(None, pattern="^[A-Za-z]{3}$",
                                                   description="the offices that cover this country"),
                       limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                       cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    offices = runtime.offices
    rows = [o for o in offices.offices if (kind is None or o.kind is kind)
            and (country is None or offices.covers(o.office_id, country))]
    order = {o.office_id: n for n, o in enumerate(offices.offices)}  # the file's order: headquarters, regions, ...
    page = paginate(rows, lambda o: (order[o.office_id], o.office_id), limit, cursor)
    return {**page.to_json(lambda o: _read(runtime, o)),
            "approvals": {severity.value: [k.value for k in kinds] for severity, kinds in offices.approvals.items()}}


@router.get("/{office_id}", summary="One office with the countries it covers (a region: its country offices' too)")
async def get_office(office_id: str, principal: AnyRoleDep, runtime: RuntimeDep) -> dict[str, Any]:
    office = runtime.offices.by_id.get(office_id)
    if office is None:
        raise NotFound(f"office_id: no office {office_id!r}")
    return _read(runtime, office)
