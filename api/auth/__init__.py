"""Authentication and authorisation of the HTTP API: roles, bearer tokens, route policies and ownership checks."""

from api.auth.deps import (
    AdminDep,
    AnyRoleDep,
    CoordinatorDep,
    ExpertDep,
    ExpertOrStaffDep,
    PartnerDep,
    PartnerOrStaffDep,
    PUBLIC_ROUTE,
    TokenStoreDep,
)
from api.auth.policy import PUBLIC, allow, assert_every_route_declared, ensure_owner, public, route_policies
from api.auth.roles import Grant, Principal, Role
from api.auth.tokens import TokenStore

__all__ = [
    "AdminDep", "AnyRoleDep", "CoordinatorDep", "ExpertDep", "ExpertOrStaffDep", "PartnerDep", "PartnerOrStaffDep",
    "PUBLIC", "PUBLIC_ROUTE", "TokenStoreDep", "Grant", "Principal", "Role", "TokenStore", "allow",
    "assert_every_route_declared", "ensure_owner", "public", "route_policies",
]
