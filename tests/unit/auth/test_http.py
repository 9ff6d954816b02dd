"""Auth over HTTP: 401/403/404, deny by default, 401 before 422, JSON error bodies, request ids."""

from __future__ import annotations

import pytest

from api.auth import Role
from api.auth.testing import example_path, policy_table, role_tokens

from .conftest import bearer, build_app


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert set(body) == {"error", "detail"} and body["error"] == code and body["detail"]
    return body


async def test_a_valid_token_reaches_the_route(make_client, store):
    token = store.issue(Role.PARTNER, partner_id="P1", grants=["exercise"]).token
    async with make_client() as client:
        r = await client.get("/v1/me", headers=bearer(token))
    assert r.status_code == 200
    assert r.json() == {"role": "partner", "expert_id": None, "partner_id": "P1", "grants": ["exercise"]}


@pytest.mark.parametrize("headers", [{}, {"Authorization": ""}, {"Authorization": "Basic dXNlcjpwYXNz"},
                                     {"Authorization": "Bearer"}, {"Authorization": "Bearer rrc_nope"}])
async def test_missing_or_malformed_token_is_401_with_a_challenge(make_client, headers):
    async with make_client() as client:
        r = await client.get("/v1/me", headers=headers)
    assert_error(r, 401, "unauthorized")
    assert r.headers["www-authenticate"].startswith("Bearer")


async def test_invalid_revoked_and_expired_tokens_are_401(make_client, store, clock):
    from datetime import timedelta

    revoked = store.issue(Role.ADMIN)
    store.revoke(revoked.record.token_id)
    expiring = store.issue(Role.ADMIN, expires_at=clock.now + timedelta(hours=1)).token
    forged = store.issue(Role.ADMIN).token[:-4] + "AAAA"
    async with make_client() as client:
        assert (await client.get("/v1/me", headers=bearer(expiring))).status_code == 200
        clock.advance(3601)
        for token, words in ((revoked.token, "revoked"), (expiring, "expired"), (forged, "not valid")):
            r = await client.get("/v1/me", headers=bearer(token))
            assert words in assert_error(r, 401, "unauthorized")["detail"]
            assert 'error="invalid_token"' in r.headers["www-authenticate"]


async def test_wrong_role_is_403(make_client, store):
    token = store.issue(Role.EXPERT, expert_id="E1").token
    async with make_client() as client:
        r = await client.post("/v1/signals", json={"signal_id": "s", "title": "t"}, headers=bearer(token))
    detail = assert_error(r, 403, "forbidden")["detail"]
    assert "expert" in detail and "POST /v1/signals" in detail


async def test_another_experts_object_is_404_like_a_missing_one(make_client, store):
    e1 = store.issue(Role.EXPERT, expert_id="E1").token
    coordinator = store.issue(Role.COORDINATOR, office_id="hq").token
    async with make_client() as client:
        own = await client.get("/v1/deployment-requests/d1", headers=bearer(e1))
        foreign = await client.get("/v1/deployment-requests/d2", headers=bearer(e1))
        missing = await client.get("/v1/deployment-requests/d9", headers=bearer(e1))
        staff = await client.get("/v1/deployment-requests/d2", headers=bearer(coordinator))
    assert own.json()["expert_id"] == "E1" and staff.json()["expert_id"] == "E2"
    assert assert_error(foreign, 404, "not_found")["detail"] == "deployment request d2 not found"
    assert assert_error(missing, 404, "not_found")["detail"] == "deployment request d9 not found"


async def test_undeclared_v1_route_is_denied_even_to_admins(make_client, store):
    admin = store.issue(Role.ADMIN).token
    async with make_client() as client:
        assert_error(await client.get("/v1/undeclared"), 401, "unauthorized")
        r = await client.get("/v1/undeclared", headers=bearer(admin))
    assert "declares no access policy" in assert_error(r, 403, "forbidden")["detail"]


async def test_public_routes_need_no_token(make_client):
    async with make_client() as client:
        status = await client.get("/v1/status", headers={"X-Request-ID": "r-1"})
        assert status.json() == {"open": True, "request_id": "r-1"}
        assert (await client.get("/health")).status_code == 200
        assert (await client.get("/openapi.json")).status_code == 200
        assert (await client.get("/docs")).status_code == 200


@pytest.mark.parametrize("body", [b"{}", b"{not json", b"[1, 2]", b""])
async def test_401_comes_before_body_validation(make_client, body):
    async with make_client() as client:
        r = await client.post("/v1/signals", content=body, headers={"content-type": "application/json"})
    assert_error(r, 401, "unauthorized")


async def test_403_comes_before_body_validation(make_client, store):
    expert = store.issue(Role.EXPERT, expert_id="E1").token
    async with make_client() as client:
        r = await client.post("/v1/signals", content=b"{oops",
                              headers={**bearer(expert), "content-type": "application/json"})
    assert_error(r, 403, "forbidden")


async def test_validation_errors_name_each_field(make_client, store):
    token = store.issue(Role.COORDINATOR, office_id="hq").token
    async with make_client() as client:
        r = await client.post("/v1/signals", json={"signal_id": 5}, headers=bearer(token))
        bad_json = await client.post("/v1/signals", content=b'{"signal_id": ', headers={
            **bearer(token), "content-type": "application/json"})
    detail = assert_error(r, 422, "invalid")["detail"]
    assert "body.signal_id: Input should be a valid string" in detail and "body.title: Field required" in detail
    assert assert_error(bad_json, 422, "invalid")["detail"].startswith("body: invalid JSON at position")


async def test_routing_errors_are_json_too(make_client, store):
    token = store.issue(Role.ADMIN).token
    async with make_client() as client:
        assert_error(await client.get("/v1/nowhere", headers=bearer(token)), 404, "not_found")
        assert_error(await client.get("/v1/nowhere"), 401, "unauthorized")
        assert_error(await client.delete("/v1/me", headers=bearer(token)), 405, "method_not_allowed")
        assert_error(await client.get("/nowhere"), 404, "not_found")


async def test_unhandled_errors_are_500_without_internals(make_client, store):
    token = store.issue(Role.ADMIN).token
    async with make_client(raise_app_exceptions=False) as client:
        r = await client.get("/v1/boom", headers={**bearer(token), "X-Request-ID": "req-42"})
    body = assert_error(r, 500, "internal")
    assert "secret internals" not in r.text and "Traceback" not in r.text
    assert body["detail"] == "internal error; request id req-42"
    assert r.headers["x-request-id"] == "req-42"


async def test_request_ids_are_kept_or_made(make_client):
    async with make_client() as client:
        kept = await client.get("/health", headers={"X-Request-ID": "abc-123"})
        made = await client.get("/v1/me")
        unsafe = await client.get("/health", headers={"X-Request-ID": "bad id\twith spaces"})
    assert kept.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert unsafe.headers["x-request-id"] != "bad id\twith spaces"


async def test_policy_table_matches_behaviour_for_every_role(make_client, store):
    tokens = role_tokens(store, expert_id="E1")
    async with make_client() as client:
        for method, path, role, allowed in policy_table(build_app()):
            if path in ("/v1/boom", "/docs/oauth2-redirect", "/redoc"):
                continue
            r = await client.request(method, example_path(path, "d1"), headers=bearer(tokens[role]),
                                     json={} if method in ("POST", "PUT", "PATCH") else None)
            assert (r.status_code not in (401, 403)) is allowed, (method, path, role, r.status_code)


async def test_an_unreadable_token_store_fails_closed(make_client, store):
    token = store.issue(Role.ADMIN).token
    store.path.write_text("[]")
    async with make_client(raise_app_exceptions=False) as client:
        r = await client.get("/v1/me", headers=bearer(token))
    assert_error(r, 500, "internal")


def test_install_refuses_an_app_with_undeclared_v1_routes(settings):
    from api.auth.exceptions import UndeclaredRoutes
    from api.middleware import install

    with pytest.raises(UndeclaredRoutes, match="GET /v1/undeclared"):
        install(build_app(), settings)
