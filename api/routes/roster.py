"""Experts and partners over HTTP: create, read, update, deactivate and bulk import (one router per resource).

Writes go to the compacted roster topics (the single source of truth, read by every worker); the local
read model is updated at once as well, so the caller reads its own write.
"""


from dataclasses import dataclass
from typing import Any, Callable

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError

from api.auth.deps import CoordinatorDep, ExpertOrStaffDep, PartnerOrStaffDep
from api.auth.policy import ensure_owner
from api.deps import RuntimeDep, WorkerDep
from api.errors import ApiError, Conflict, Invalid, NotFound, code_for
from api.publish import publish_record, publish_records
from responders.roster import (
    ExpertCreate,
    ExpertRead,
    ExpertUpdate,
    PartnerCreate,
    PartnerRead,
    PartnerUpdate,
    apply_expert_update,
    apply_partner_update,
    import_experts,
    import_partners,
)
from responders.roster.exceptions import UnreadableImport
from responders.security.targets import contact_issues
from responders.roster.models import Expert, Partner
from responders.roster.store import record_message
from responders.signals.normalise import describe_validation_error
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT


# what an import body is, by its content type (no content type, or another: `format`, else detected)
MEDIA_FORMATS = {"application/json": "json", "text/csv": "csv", "application/x-ndjson": "jsonl"}


class ImportIssueRead(BaseModel):
    row: int
    field: str
    reason: str


class ImportReport(BaseModel):
    applied: int
    rejected: int
    dry_run: bool
    issues: list[ImportIssueRead]


@dataclass(frozen=True)
class RosterResource:
    """What differs between the experts and the partners routers."""

    name: str            # "experts"
    id_field: str        # "expert_id"
    create: type[BaseModel]
    update: type[BaseModel]
    read: type[BaseModel]
    stored: type[BaseModel]
    apply_update: Callable
    importer: Callable
    topic: Callable      # runtime -> topic name
    store: Callable      # runtime -> RecordStore
    owner_dep: Any       # who may read one record: staff, or the record's own expert/partner


def build_router(res: RosterResource) -> APIRouter:
    router = APIRouter(prefix=f"/v1/{res.name}", tags=[res.name])
    owner_kw = res.id_field  # ensure_owner takes expert_id= or partner_id=

    def _read(record) -> dict:
        return res.read.model_validate(record.model_dump()).model_dump(mode="json")

    def _existing(runtime, record_id: str):
        record = res.store(runtime).get(record_id)
        if record is None:
            raise NotFound(f"{res.id_field}: no record {record_id!r}")
        return record

    def _check_targets(runtime, record) -> None:
        for field, reason in contact_issues(record, allow_private=runtime.settings.allow_private_targets):
            raise Invalid(f"{field}: {reason}")

    async def _save(runtime, worker, record) -> None:
        await publish_record(runtime, worker, res.topic(runtime), getattr(record, res.id_field),
                             record_message(record))
        res.store(runtime).put(record)

    @router.post("", status_code=201, summary=f"Add one of the {res.name}")
    async def create(principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                     body: res.create) -> JSONResponse:  # type: ignore[valid-type]
        record_id = getattr(body, res.id_field)
        if res.store(runtime).get(record_id) is not None:
            raise Conflict(f"{res.id_field}: {record_id!r} exists already; use PATCH to change it")
        record = res.stored.model_validate(body.model_dump())
        _check_targets(runtime, record)
        await _save(runtime, worker, record)
        return JSONResponse(_read(record), status_code=201)

    @router.get("", summary=f"List {res.name}, paginated")
    async def list_records(principal: CoordinatorDep, runtime: RuntimeDep, active: bool | None = None,
                           country: str | None = Query(None, pattern="^[A-Za-z]{3}$"),
                           limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                           cursor: str | None = Query(None, max_length=500)) -> dict:
        where = (lambda r: country.upper() in r.countries) if country else None
        return res.store(runtime).page(limit, cursor, active=active, where=where).to_json(_read)

    @router.get("/{record_id}", summary=f"One of the {res.name}")
    async def get_record(record_id: str, principal: res.owner_dep, runtime: RuntimeDep) -> dict:  # type: ignore[valid-type]
        ensure_owner(principal, **{owner_kw: record_id}, detail=f"{res.id_field}: no record {record_id!r}")
        record = _read(_existing(runtime, record_id))
        if res.name == "experts":  # the missions rrc staffed them on, next to the roster's own history
            record["missions"] = runtime.views.deployments.missions_of(record_id)
        return record

    @router.patch("/{record_id}", summary=f"Change some fields of one of the {res.name}")
    async def update(record_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                     body: res.update) -> dict:  # type: ignore[valid-type]
        try:
            record = res.apply_update(_existing(runtime, record_id), body)
        except ValidationError as exc:
            raise Invalid(describe_validation_error(exc)) from exc
        _check_targets(runtime, record)
        await _save(runtime, worker, record)
        return _read(record)

    @router.delete("/{record_id}", summary=f"Deactivate one of the {res.name} (kept for history)")
    async def deactivate(record_id: str, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep) -> dict:
        record = res.stored.model_validate({**_existing(runtime, record_id).model_dump(), "active": False})
        await _save(runtime, worker, record)
        return _read(record)

    @router.post("/import", response_model=ImportReport,
                 summary=f"Bulk import of {res.name} (CSV or JSON); valid rows are applied, the rest reported",
                 openapi_extra={"requestBody": {"required": True, "content": {
                     "text/csv": {"schema": {"type": "string"}},
                     "application/json": {"schema": {"description": "a list of records, or one record",
                                                     "anyOf": [{"type": "array", "items": {"type": "object"}},
                                                               {"type": "object"}]}},
                     "application/x-ndjson": {"schema": {"type": "string",
                                                         "description": "JSON lines: one record per line"}}}}})
    async def bulk_import(request: Request, principal: CoordinatorDep, runtime: RuntimeDep, worker: WorkerDep,
                          format: str = Query("auto", pattern="^(auto|csv|json|jsonl)$"),
                          dry_run: bool = False) -> dict:
        body = await request.body()
        if not body.strip():
            raise Invalid("body: empty import")
        media = request.headers.get("content-type", "").split(";")[0].strip().lower()
        declared = MEDIA_FORMATS.get(media)
        if declared is not None and format not in ("auto", declared):  # the two disagree: say which is meant
            raise ApiError(415, code_for(415), f"format: {format} is not sent as {media} (CSV is text/csv, JSON "
                                               f"application/json, JSON lines application/x-ndjson)")
        if declared is not None:
            format = declared  # noqa: A001 - the body is what its content type says, not what it looks like
        try:
            allow = runtime.settings.allow_private_targets
            result = res.importer(body, format=format, check=lambda r: contact_issues(r, allow_private=allow))
        except UnreadableImport as exc:  # bad encoding, unknown columns, broken document: the caller's input
            raise Invalid(f"body: {exc}") from exc
        if result.records and not dry_run:
            await publish_records(runtime, worker, res.topic(runtime),
                                  [(getattr(r, res.id_field), record_message(r)) for r in result.records])
            for record in result.records:
                res.store(runtime).put(record)
        rejected_rows = {issue.row for issue in result.issues}
        return ImportReport(applied=0 if dry_run else len(result.records), rejected=len(rejected_rows),
                            dry_run=dry_run,
                            issues=[ImportIssueRead(row=i.row, field=i.field, reason=i.reason)
                                    for i in result.issues]).model_dump()

    return router


experts = build_router(RosterResource(
    name="experts", id_field="expert_id", create=ExpertCreate, update=ExpertUpdate, read=ExpertRead, stored=Expert,
    apply_update=apply_expert_update, importer=import_experts,
    topic=lambda rt: rt.topics.roster_experts.get_topic_name(), store=lambda rt: rt.views.roster.experts,
    owner_dep=ExpertOrStaffDep))

partners = build_router(RosterResource(
    name="partners", id_field="partner_id", create=PartnerCreate, update=PartnerUpdate, read=PartnerRead,
    stored=Partner, apply_update=apply_partner_update, importer=import_partners,
    topic=lambda rt: rt.topics.roster_partners.get_topic_name(), store=lambda rt: rt.views.roster.partners,
    owner_dep=PartnerOrStaffDep))
