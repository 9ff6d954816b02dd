"""The auth gate: ASGI middleware that enforces each route's policy before FastAPI reads or validates the body.

Deny by default: a request to `/v1...` passes only when the matched route declares `public()`, or the bearer token
is valid, its role is in the route's `allow(...)`, and the expert, partner or office it names still exists
(`api.auth.identities`: a deactivated expert's token is 401 on the next request). Undeclared /v1 routes answer 401
without a valid token and 403 with one. Outside /v1 only routes that declare roles are enforced. The route dependencies check again (defence in
depth, and so a route works the same when it is mounted in a test app without the gate).
"""

from __future__ import annotations

import logging
from http.cookies import CookieError, SimpleCookie
from collections.abc import Callable
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from api.auth.authn import PRINCIPAL_STATE_KEY, authenticate, require_role, unauthorized
from api.auth.exceptions import InvalidToken
from api.auth.identities import RosterNotLoaded
from api.auth.policy import PROTECTED_PREFIX, PUBLIC, Policy, is_protected, policy_of
from api.auth.roles import Principal
from api.auth.sessions import CSRF_HEADER, SESSION_COOKIE, CsrfFailed, SessionStore
from api.auth.tokens import TokenStore
from api.errors import ApiError, ErrorCode, Forbidden, api_error_response

log = logging.getLogger("rrc.api.auth")


def match_route(api: FastAPI, scope: Scope) -> tuple[Any | None, Match]:
    """The route the router would pick (first full match, else the first partial one, e.g. a wrong method)."""
    probe = {**scope, "fastapi": {}}
    partial = None
    for ctx in iter_route_contexts(api.routes):
        match, _ = ctx.matches(dict(probe))
        if match is Match.FULL:
            return ctx, Match.FULL
        if match is Match.PARTIAL and partial is None:
            partial = ctx
    return (partial, Match.PARTIAL) if partial is not None else (None, Match.NONE)


def allowed_methods(api: FastAPI, scope: Scope) -> set[str]:
    """Every method some route takes on this request's path."""
    methods: set[str] = set()
    for ctx in iter_route_contexts(api.routes):
        for method in getattr(ctx, "methods", None) or ():
            match, _ = ctx.matches({**scope, "method": method, "fastapi": {}})
            if match is Match.FULL:
                methods.add(method)
    if "GET" in methods:
        methods.add("HEAD")
    return methods


def route_path(scope: Scope) -> str:
    """The request path as routes see it (without the ASGI root_path the server may prepend)."""
    path, root = scope.get("path", ""), scope.get("root_path", "")
    return (path[len(root):] or "/") if root and path.startswith(root) else path


def session_cookie(headers: Headers) -> str | None:
    """The console session id from the Cookie header, if any."""
    raw = headers.get("cookie")
    if not raw:
        return None
    jar = SimpleCookie()
    try:
        jar.load(raw)
    except CookieError:
        return None
    morsel = jar.get(SESSION_COOKIE)
    return morsel.value if morsel is not None else None


class AuthGate:
    """Authenticate and authorise every HTTP request against the policy of the route it is headed for."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, store: TokenStore, prefix: str = PROTECTED_PREFIX,
                 identities: Callable[[Principal], None] | None = None,
                 sessions: SessionStore | None = None) -> None:
        self.app = app
        self.api = api
        self.store = store
        self.sessions = sessions  # console cookies: the same principal as the bearer token they stand for
        self.prefix = prefix
        self.identities = identities  # raises InvalidToken when the token's expert, partner or office is gone

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        try:
            self._admit(scope)
        except ApiError as exc:
            request_id = scope.get("state", {}).get("request_id")
            log.info("denied %s %s: %s %s (request %s)", scope.get("method"), scope.get("path"), exc.status,
                     exc.detail, request_id)
            await api_error_response(exc)(scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _admit(self, scope: Scope) -> None:
        route, match = match_route(self.api, scope)
        path = route_path(scope)
        if match is Match.PARTIAL:
            self._method_not_allowed(scope, path)
        policy: Policy | None = policy_of(route, self.api) if route is not None else None
        if policy == PUBLIC or (policy is None and not is_protected(path, self.prefix)):
            return
        principal = self._principal(scope)
        scope.setdefault("state", {})[PRINCIPAL_STATE_KEY] = principal
        what = f"{scope.get('method')} {path}"
        if policy is None:
            if route is not None:
                raise Forbidden(f"{what} declares no access policy; it is closed to every role")
            return  # no such route: let the router answer 404
        require_role(principal, policy, what)
        self._still_exists(principal)

    def _principal(self, scope: Scope) -> Principal:
        """The bearer token's principal; without an Authorization header, the console session's (whose changes
        need the session's CSRF token)."""
        headers = Headers(scope=scope)
        try:
            if headers.get("authorization") is None and self.sessions is not None:
                cookie = session_cookie(headers)
                if cookie is not None:
                    return self.sessions.principal(cookie, scope.get("method", "GET"), headers.get(CSRF_HEADER))
            return authenticate(self.store, headers.get("authorization"))
        except InvalidToken as exc:
            raise unauthorized(exc) from None
        except CsrfFailed as exc:
            raise Forbidden(str(exc)) from None

    def _method_not_allowed(self, scope: Scope, path: str) -> None:
        """A path that exists, with a method none of its routes takes: 405 with `Allow` (after the token check on
        /v1, so an anonymous caller learns no more than 401)."""
        if is_protected(path, self.prefix):
            self._principal({**scope, "method": "GET"})
        allowed = sorted(allowed_methods(self.api, scope))
        raise ApiError(405, ErrorCode.METHOD_NOT_ALLOWED,
                       f"method: {scope.get('method')} is not allowed on {path} (allowed: {', '.join(allowed)})",
                       headers={"Allow": ", ".join(allowed)})

    def _still_exists(self, principal: Principal) -> None:
        """The token's expert or partner is still active on the roster, its office still in the offices file."""
        if self.identities is None:
            return
        try:
            self.identities(principal)
        except InvalidToken as exc:
            raise unauthorized(exc) from None
        except RosterNotLoaded:
            raise ApiError(503, ErrorCode.UNAVAILABLE, "the roster is still loading; try again shortly") from None
