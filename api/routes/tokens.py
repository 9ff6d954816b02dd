"""Bearer tokens over HTTP (admins): issue one for an id that exists, list them, revoke one.

An expert's or partner's token is issued only for an id on the roster and active there; a coordinator's names
an office from the offices file (`api.auth.identities`). The token is in the answer to its creation, never again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Body, Query
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field

from api.auth.deps import AdminDep, TokenStoreDep
from api.auth.exceptions import TokenSpecError, UnknownTokenId
from api.auth.expiry import parse_expiry
from api.auth.identities import check_issuable
from api.auth.roles import Grant, Role
from api.deps import RuntimeDep
from api.errors import Invalid, NotFound
from api.publish import Unavailable
from vocabulary.pagination import DEFAULT_LIMIT, MAX_LIMIT, paginate

router = APIRouter(prefix="/v1/tokens", tags=["tokens"])


class TokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Role
    expert_id: str | None = Field(None, max_length=128, description="required for (and only for) role expert")
    partner_id: str | None = Field(None, max_length=128, description="required for (and only for) role partner")
    office_id: str | None = Field(None, max_length=40,
                                  description="required for role coordinator; optional for admin (default hq)")
    expires: str | None = Field(None, max_length=64, description="30d, 12h, 15m, 2w or an ISO 8601 datetime")
    grants: list[Grant] = Field(default_factory=list)


@router.post("", status_code=201, summary="Issue a token for an expert or partner on the roster, an office's "
                                          "coordinator or an admin; the token is shown once")
async def issue(principal: AdminDep, runtime: RuntimeDep, store: TokenStoreDep,
                body: TokenCreate = Body(...)) -> JSONResponse:
    if body.role in (Role.EXPERT, Role.PARTNER) and not runtime.roster_ready():
        raise Unavailable("the roster is still loading; try again shortly")
    office_id = body.office_id or (runtime.offices.headquarters.office_id if body.role is Role.ADMIN else None)
    try:
        check_issuable(runtime.views.roster, runtime.offices, body.role, expert_id=body.expert_id,
                       partner_id=body.partner_id, office_id=office_id)
        expires_at = parse_expiry(body.expires, runtime.clock()) if body.expires else None
        issued = store.issue(body.role, expert_id=body.expert_id, partner_id=body.partner_id, office_id=office_id,
                             expires_at=expires_at, grants=body.grants)
    except TokenSpecError as exc:
        raise Invalid(f"{exc.field}: {exc}") from exc
    return JSONResponse({"token": issued.token, **issued.record.public_view()}, status_code=201)


@router.get("", summary="Every token (never a secret), oldest first, with its state")
async def list_tokens(principal: AdminDep, store: TokenStoreDep, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                      cursor: str | None = Query(None, max_length=500)) -> dict[str, Any]:
    page = paginate(store.records(), lambda r: (r.created_at.isoformat(), r.token_id), limit, cursor)
    return page.to_json(lambda r: {**r.public_view(), "state": store.state(r).value})


@router.delete("/{token_id}", summary="Revoke a token (refused by every API within about a second)")
async def revoke(token_id: str, principal: AdminDep, store: TokenStoreDep) -> dict[str, Any]:
    try:
        record = store.revoke(token_id)
    except UnknownTokenId as exc:
        raise NotFound(f"token_id: {exc}") from exc
    revoked: datetime | None = record.revoked_at
    return {**record.public_view(), "state": store.state(record).value,
            "revoked_at": revoked.isoformat() if revoked else None}
