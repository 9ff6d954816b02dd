"""Annotated FastAPI dependencies for route signatures: `CoordinatorDep`, `ExpertDep`, ... and the public marker."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from api.auth.authn import token_store_of
from api.auth.policy import allow, public
from api.auth.roles import Principal, Role
from api.auth.tokens import TokenStore

AdminDep = Annotated[Principal, Depends(allow(Role.ADMIN))]
CoordinatorDep = Annotated[Principal, Depends(allow(Role.COORDINATOR, Role.ADMIN))]
ExpertDep = Annotated[Principal, Depends(allow(Role.EXPERT))]
PartnerDep = Annotated[Principal, Depends(allow(Role.PARTNER))]
ExpertOrStaffDep = Annotated[Principal, Depends(allow(Role.EXPERT, Role.COORDINATOR, Role.ADMIN))]
PartnerOrAdminDep = Annotated[Principal, Depends(allow(Role.PARTNER, Role.ADMIN))]
PartnerOrStaffDep = Annotated[Principal, Depends(allow(Role.PARTNER, Role.COORDINATOR, Role.ADMIN))]
AnyRoleDep = Annotated[Principal, Depends(allow(*Role))]
TokenStoreDep = Annotated[TokenStore, Depends(token_store_of)]

PUBLIC_ROUTE = Depends(public())
"""Use as `dependencies=[PUBLIC_ROUTE]` on routes or routers that need no auth (/health, /metrics, ...)."""
