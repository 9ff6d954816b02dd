"""Every route times every role, from the app's own route list, against the running system; and no /v1 route
can go without a declared policy."""

from __future__ import annotations

import pytest
from fastapi import APIRouter

from api.app import create_api
from api.auth import Role, assert_every_route_declared, route_policies
from api.auth.exceptions import UndeclaredRoutes
from api.auth.testing import example_path, policy_table
from config.settings import Settings

pytestmark = pytest.mark.e2e

# the ids of the bound expert and partner tokens differ from example_path's filler, so ownership hides nothing
# from staff and everything (404) from the others
SUBJECTS = {Role.EXPERT: ("--expert-id", "exp-authz"), Role.PARTNER: ("--partner-id", "partner-authz")}
BODIES = {"POST", "PUT", "PATCH"}


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    return create_api(Settings(data_dir=tmp_path_factory.mktemp("authz") / "data", log_json=False))


@pytest.fixture(scope="module")
def table(api) -> list[tuple[str, str, Role, bool]]:
    return policy_table(api)


@pytest.fixture(scope="module")
def clients(server):
    return {role: server.client(server.token(role.value, *SUBJECTS.get(role, ()))) for role in Role}


def test_the_table_covers_every_served_v1_operation(server, table):
    spec = server.client().get("/openapi.json").json()
    served = {(method.upper(), path) for path, ops in spec["paths"].items() if path.startswith("/v1")
              for method in ops}
    tabled = {(method, path) for method, path, _, _ in table if path.startswith("/v1")}
    assert served == tabled
    assert ("GET", "/v1/audit") in tabled


@pytest.mark.parametrize("role", list(Role))
def test_every_route_answers_each_role_as_its_policy_says(server, table, clients, role):
    client = clients[role]
    wrong = []
    for method, path, row_role, allowed in table:
        if row_role is not role or path == "/v1/events/stream":
            continue
        url = example_path(path)
        r = client.request(method, url, json={} if method in BODIES else None)
        if path.startswith("/v1"):
            ok = (r.status_code not in (401, 403) and r.status_code < 500) if allowed else r.status_code == 403
        else:
            ok = r.status_code not in (401, 403)
        if not ok:
            wrong.append(f"{method} {url}: {r.status_code} {r.text[:120]} (allowed={allowed})")
    assert not wrong, f"role {role}:\n" + "\n".join(wrong)


def test_every_v1_route_declares_a_usable_policy(api):
    undeclared = [f"{m} {p}" for (m, p), policy in route_policies(api).items()
                  if p.startswith("/v1") and (policy is None or policy == frozenset())]
    assert undeclared == []
    assert_every_route_declared(api)


def test_create_api_refuses_a_v1_route_without_a_policy(monkeypatch, tmp_path):
    from api.routes import crises

    with_extra = APIRouter()
    with_extra.include_router(crises.router)

    @with_extra.get("/v1/forgotten")
    async def forgotten() -> dict:
        return {"leak": True}

    monkeypatch.setattr(crises, "router", with_extra)
    with pytest.raises(UndeclaredRoutes) as err:
        create_api(Settings(data_dir=tmp_path / "data", log_json=False))
    assert err.value.routes == ["GET /v1/forgotten"]


async def test_an_undeclared_route_added_later_is_closed_to_every_role(tmp_path):
    import httpx

    api = create_api(Settings(data_dir=tmp_path / "data", log_json=False))

    @api.get("/v1/added-late")
    async def added_late() -> dict:
        return {"leak": True}

    with pytest.raises(UndeclaredRoutes):
        assert_every_route_declared(api)
    assert {row[3] for row in policy_table(api) if row[1] == "/v1/added-late"} == {False}
    store = api.state.token_store
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=api), base_url="http://rrc.test") as c:
        assert (await c.get("/v1/added-late")).status_code == 401
        for role in Role:
            issued = store.issue(role, **({"expert_id": "e1"} if role is Role.EXPERT else
                                          {"partner_id": "p1"} if role is Role.PARTNER else
                                          {"office_id": "hq"} if role is Role.COORDINATOR else {}))
            r = await c.get("/v1/added-late", headers={"Authorization": f"Bearer {issued.token}"})
            assert r.status_code == 403 and "declares no access policy" in r.json()["detail"]
