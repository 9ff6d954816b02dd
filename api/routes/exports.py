"""Exports donors and the UN system read (coordinators for their office's interventions, admins for all):
HXL-tagged 3W as CSV and XLSX, IATI 2.03 activities, and one row per intervention. Each is written as it is sent:
rows come from the delivery view one intervention at a time (`responders.delivery.exports`); the XLSX workbook is
written to a temporary file in write-only mode and streamed from there."""

from __future__ import annotations

import asyncio
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.responses import FileResponse

from api.auth.deps import CoordinatorDep
from api.auth.scope import ScopeDep
from api.deps import RuntimeDep
from responders.delivery.exports import csv_chunks, iati_chunks, intervention_rows, three_w_rows, xlsx_file

router = APIRouter(prefix="/v1/exports", tags=["exports"])

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportFilter:
    exercise: bool | None = Query(False, description="exercises only (true), none (false, default) or both (unset)")
    crisis_id: str | None = Query(None, max_length=64)
    country: str | None = Query(None, pattern="^[A-Za-z]{3}$", description="interventions in this country")


FilterDep = Annotated[ExportFilter, Depends()]  # an unknown parameter is a 400 (api.openapi.known_query_only)


def _deliveries(runtime, scope, f: ExportFilter) -> Iterator[dict[str, Any]]:
    """The interventions in scope, oldest launch first: chosen and ordered on the view's in-memory fields, then
    each state read from disk as the export reaches it."""
    return runtime.views.delivery.chosen(
        lambda m: scope.sees(m) and (f.exercise is None or bool(m.get("exercise")) == f.exercise)
        and (f.crisis_id is None or m["crisis_id"] == f.crisis_id)
        and (f.country is None or f.country.upper() in (m.get("countries") or [])),
        order=lambda m: (m["launched_at"], m["intervention_id"]))


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


@router.get("/3w.csv", summary="Who does what where (3W), HXL-tagged: one row per intervention, country and target",
            response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
async def three_w_csv(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                      f: FilterDep) -> StreamingResponse:
    rows = three_w_rows(_deliveries(runtime, scope, f))
    return StreamingResponse(csv_chunks(rows), media_type="text/csv; charset=utf-8", headers=_attachment("3w.csv"))


@router.get("/3w.xlsx", summary="The 3W table as an XLSX workbook (same header and HXL rows as the CSV)",
            response_class=FileResponse, responses={200: {"content": {XLSX: {}}}})
async def three_w_xlsx(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                       f: FilterDep) -> FileResponse:
    handle, path = tempfile.mkstemp(suffix=".xlsx", dir=runtime.settings.data_dir if runtime.settings.data_dir.is_dir()
                                    else None)
    os.close(handle)
    rows = three_w_rows(_deliveries(runtime, scope, f))
    try:
        await asyncio.to_thread(xlsx_file, rows, path)
    except BaseException:
        os.unlink(path)
        raise
    return FileResponse(path, media_type=XLSX, filename="3w.xlsx", background=BackgroundTask(os.unlink, path))


@router.get("/iati.xml", summary="IATI 2.03 activities, one per intervention: organisations, countries, sectors, "
                                 "budget, transactions and results",
            response_class=StreamingResponse, responses={200: {"content": {"application/xml": {}}}})
async def iati_xml(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                   f: FilterDep) -> StreamingResponse:
    partners = runtime.views.roster.partners

    def org(partner_id: str) -> tuple[str, str | None]:
        partner = partners.get(partner_id)
        return (partner.organisation, partner.type.value) if partner else (partner_id, None)

    chunks = iati_chunks(_deliveries(runtime, scope, f), org, runtime.clock())
    return StreamingResponse(chunks, media_type="application/xml", headers=_attachment("iati-activities.xml"))


@router.get("/interventions.csv", summary="One row per intervention: its targets' statuses and its delivery rate",
            response_class=StreamingResponse, responses={200: {"content": {"text/csv": {}}}})
async def interventions_csv(principal: CoordinatorDep, runtime: RuntimeDep, scope: ScopeDep,
                            f: FilterDep) -> StreamingResponse:
    rows = intervention_rows(_deliveries(runtime, scope, f))
    return StreamingResponse(csv_chunks(rows), media_type="text/csv; charset=utf-8",
                             headers=_attachment("interventions.csv"))
