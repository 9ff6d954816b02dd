"""Route policies: discovery, the startup check, the table for role-by-route tests, ownership."""

from __future__ import annotations

import pytest
from fastapi import APIRouter, Depends, FastAPI

from api.auth import PUBLIC, PUBLIC_ROUTE, Role, allow, assert_every_route_declared, ensure_owner, route_policies
from api.auth.exceptions import UndeclaredRoutes
from api.auth.policy import combine
from api.auth.roles import Principal
from api.auth.testing import example_path, policy_table
from api.errors import NotFound

from .conftest import build_app

STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})


def test_route_policies_of_the_sample_app():
    table = route_policies(build_app())
    assert table[("POST", "/v1/signals")] == STAFF
    assert table[("GET", "/v1/me")] == frozenset(Role)
    assert table[("GET", "/v1/deployment-requests/{request_id}")] == STAFF | {Role.EXPERT}
    assert table[("GET", "/v1/status")] == PUBLIC
    assert table[("GET", "/v1/undeclared")] is None
    assert table[("GET", "/health")] == PUBLIC
    assert table[("GET", "/openapi.json")] == PUBLIC and table[("GET", "/docs")] == PUBLIC


def test_router_and_route_policies_intersect_and_nested_dependencies_count():
    api = FastAPI()
    admin = APIRouter(prefix="/v1/admin", dependencies=[Depends(allow(Role.ADMIN))])

    @admin.get("/narrowed", dependencies=[Depends(allow(Role.ADMIN, Role.COORDINATOR))])
    async def narrowed() -> None: ...

    def service(principal=Depends(allow(Role.PARTNER))) -> str:
        return "svc"

    v1 = APIRouter(prefix="/v1")

    @v1.get("/nested")
    async def nested(svc: str = Depends(service)) -> None: ...

    @v1.get("/contradiction", dependencies=[Depends(allow(Role.EXPERT)), Depends(allow(Role.PARTNER))])
    async def contradiction() -> None: ...

    api.include_router(admin)
    api.include_router(v1)
    table = route_policies(api)
    assert table[("GET", "/v1/admin/narrowed")] == {Role.ADMIN}
    assert table[("GET", "/v1/nested")] == {Role.PARTNER}
    assert table[("GET", "/v1/contradiction")] == frozenset()
    with pytest.raises(UndeclaredRoutes) as err:
        assert_every_route_declared(api)
    assert err.value.routes == ["GET /v1/contradiction"]


def test_combine():
    assert combine([]) is None
    assert combine([PUBLIC]) == PUBLIC
    assert combine([PUBLIC, frozenset({Role.ADMIN})]) == {Role.ADMIN}


def test_startup_check_names_undeclared_v1_routes_only():
    api = build_app()
    with pytest.raises(UndeclaredRoutes) as err:
        assert_every_route_declared(api)
    assert err.value.routes == ["GET /v1/undeclared"]
    assert "allow(...) or public()" in str(err.value)

    clean = FastAPI()
    clean.get("/v1/ok", dependencies=[PUBLIC_ROUTE])(lambda: None)
    clean.get("/outside")(lambda: None)
    assert_every_route_declared(clean)


def test_allow_needs_roles_and_refuses_unknown_ones():
    with pytest.raises(ValueError):
        allow()
    with pytest.raises(ValueError):
        allow("root")


def test_policy_table_rows():
    rows = policy_table(build_app())
    as_dict = {(m, p, r): ok for m, p, r, ok in rows}
    assert len(rows) == len(set(as_dict)) == len(Role) * len(route_policies(build_app()))
    assert as_dict[("POST", "/v1/signals", Role.COORDINATOR)] is True
    assert as_dict[("POST", "/v1/signals", Role.EXPERT)] is False
    assert as_dict[("GET", "/v1/undeclared", Role.ADMIN)] is False
    assert all(as_dict[("GET", "/v1/status", role)] for role in Role)
    assert example_path("/v1/plans/{plan_id}/approve") == "/v1/plans/x-test/approve"
    assert example_path("/files/{rest:path}", "a") == "/files/a"


@pytest.mark.parametrize("principal, ids, owns", [
    (Principal("t", Role.ADMIN), {"expert_id": "E1"}, True),
    (Principal("t", Role.COORDINATOR), {"partner_id": "P1"}, True),
    (Principal("t", Role.EXPERT, expert_id="E1"), {"expert_id": "E1"}, True),
    (Principal("t", Role.EXPERT, expert_id="E1"), {"expert_id": "E2"}, False),
    (Principal("t", Role.EXPERT, expert_id="E1"), {"partner_id": "E1"}, False),
    (Principal("t", Role.PARTNER, partner_id="P1"), {"partner_id": "P1"}, True),
    (Principal("t", Role.PARTNER, partner_id="P1"), {"partner_id": "P2", "expert_id": "E1"}, False),
])
def test_ensure_owner(principal, ids, owns):
    if owns:
        ensure_owner(principal, **ids)
    else:
        with pytest.raises(NotFound) as err:
            ensure_owner(principal, **ids, detail="plan p1 not found")
        assert (err.value.status, err.value.code, err.value.detail) == (404, "not_found", "plan p1 not found")


def test_ensure_owner_needs_an_owner_id():
    with pytest.raises(TypeError):
        ensure_owner(Principal("t", Role.ADMIN))
