"""Access policies on routes: `allow(*roles)` and `public()` dependencies, discovery, the startup check, ownership."""

from __future__ import annotations

from collections.abc import Callable, Coroutine, Iterable
from typing import Any, Literal

from fastapi import FastAPI, Request
from fastapi.routing import iter_route_contexts

from api.auth.authn import current_principal, require_role
from api.auth.exceptions import UndeclaredRoutes
from api.auth.roles import Principal, Role
from api.errors import NotFound

POLICY_ATTR = "__rrc_policy__"
PUBLIC: Literal["public"] = "public"
PROTECTED_PREFIX = "/v1"
Policy = frozenset[Role] | Literal["public"]


def allow(*roles: Role | str) -> Callable[[Request], Coroutine[Any, Any, Principal]]:
    """A dependency that authenticates the bearer token and admits only `roles`; it returns the `Principal`."""
    if not roles:
        raise ValueError("allow() needs at least one role")
    allowed = frozenset(Role(r) for r in roles)

    async def allow_roles(request: Request) -> Principal:
        principal = current_principal(request)
        require_role(principal, allowed, f"{request.method} {request.url.path}")
        return principal

    allow_roles.__name__ = "allow_" + "_".join(sorted(allowed))
    setattr(allow_roles, POLICY_ATTR, allowed)
    return allow_roles


async def _public_route() -> None:
    """Marks a route as open to anyone; does nothing at request time."""


setattr(_public_route, POLICY_ATTR, PUBLIC)


def public() -> Callable[[], Coroutine[Any, Any, None]]:
    """The marker for routes that need no auth: `dependencies=[Depends(public())]` on the route or router."""
    return _public_route


def combine(policies: Iterable[Policy]) -> Policy | None:
    """Every declared dependency must pass: role sets intersect; `public` only when nothing else is declared."""
    roles: frozenset[Role] | None = None
    seen_public = False
    for policy in policies:
        if policy == PUBLIC:
            seen_public = True
        else:
            roles = frozenset(policy) if roles is None else roles & policy
    if roles is not None:
        return roles
    return PUBLIC if seen_public else None


def dependant_policies(dependant: Any) -> list[Policy]:
    """Policies carried by the dependency callables anywhere in a route's dependency tree."""
    found: list[Policy] = []
    stack, seen = list(getattr(dependant, "dependencies", ()) or ()), set()
    while stack:
        dep = stack.pop()
        if id(dep) in seen:
            continue
        seen.add(id(dep))
        policy = getattr(dep.call, POLICY_ATTR, None)
        if policy is not None:
            found.append(policy)
        stack.extend(dep.dependencies or ())
    return found


def _docs_paths(api: FastAPI) -> set[str]:
    urls = (api.openapi_url, api.docs_url, api.redoc_url, api.swagger_ui_oauth2_redirect_url)
    return {url for url in urls if url}


def policy_of(route: Any, api: FastAPI) -> Policy | None:
    """The access policy of one route (or route context), or None when it declares none."""
    dependant = getattr(route, "dependant", None)
    if dependant is not None:
        return combine(dependant_policies(dependant))
    for holder in (route, getattr(route, "endpoint", None), getattr(route, "app", None)):
        policy = getattr(holder, POLICY_ATTR, None)
        if policy is not None:
            return policy
    if getattr(route, "path", None) in _docs_paths(api):
        return PUBLIC
    return None


def _methods(route: Any) -> list[str]:
    methods = set(getattr(route, "methods", None) or ())
    if "GET" in methods:
        methods.discard("HEAD")
    return sorted(methods) or ["*"]


def route_policies(api: FastAPI) -> dict[tuple[str, str], Policy | None]:
    """`{(method, path): {roles} | "public" | None}` for every route; None means undeclared (denied under /v1)."""
    table: dict[tuple[str, str], Policy | None] = {}
    for ctx in iter_route_contexts(api.routes):
        path = getattr(ctx, "path", None)
        if path is None:
            continue
        policy = policy_of(ctx, api)
        for method in _methods(ctx):
            table.setdefault((method, path), policy)
    return table


def is_protected(path: str, prefix: str = PROTECTED_PREFIX) -> bool:
    return path == prefix or path.startswith(prefix.rstrip("/") + "/")


def assert_every_route_declared(api: FastAPI, prefix: str = PROTECTED_PREFIX) -> None:
    """Raise `UndeclaredRoutes` when a route under `prefix` has no policy or one that no role can pass."""
    bad = [f"{method} {path}" for (method, path), policy in route_policies(api).items()
           if is_protected(path, prefix) and (policy is None or policy == frozenset())]
    if bad:
        raise UndeclaredRoutes(sorted(bad))


def ensure_owner(principal: Principal, *, expert_id: str | None = None, partner_id: str | None = None,
                 detail: str = "not found") -> None:
    """Staff pass; an expert or partner passes only for its own id. Otherwise 404, so foreign ids do not leak."""
    if expert_id is None and partner_id is None:
        raise TypeError("ensure_owner needs the object's expert_id or partner_id")
    if principal.is_staff:
        return
    if principal.role is Role.EXPERT and expert_id is not None and principal.expert_id == expert_id:
        return
    if principal.role is Role.PARTNER and partner_id is not None and principal.partner_id == partner_id:
        return
    raise NotFound(detail)
