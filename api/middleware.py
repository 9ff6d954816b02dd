"""HTTP edge middleware (request id, body size limit, per-token rate limit) and `install`, which wires auth and errors.

Order, outermost first: request id -> body limit -> auth gate -> rate limit -> FastAPI (exception handlers, routes).
`api.app` puts gzip outside everything, the audit trail too (which reads the bodies it records ids from).
`api.audit.install_audit`, called after `install`, puts the audit trail outside all of them.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from fastapi import FastAPI
from starlette.datastructures import Headers, MutableHeaders
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth.authn import PRINCIPAL_STATE_KEY, STORE_STATE_KEY
from api.auth.gate import AuthGate
from api.auth.policy import PROTECTED_PREFIX, assert_every_route_declared
from api.auth.ratelimit import RateLimit, RateLimiter
from api.auth.roles import Principal
from api.auth.sessions import SessionStore
from api.auth.tokens import TokenStore
from api.errors import ErrorCode, PayloadTooLarge, RateLimited, api_error_response, error_response, \
    install_error_handlers

REQUEST_ID_HEADER = "X-Request-ID"
_REQUEST_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")


class RequestIdMiddleware:
    """Take a sane `X-Request-ID` or make one; expose it as `request.state.request_id` and on every response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        incoming = Headers(scope=scope).get(REQUEST_ID_HEADER)
        request_id = incoming if incoming and _REQUEST_ID_RE.fullmatch(incoming) else uuid.uuid4().hex
        scope.setdefault("state", {})["request_id"] = request_id

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        await self.app(scope, receive, send_with_id)


class _BodyTooLarge(HTTPException):
    """Raised from `receive` once the stream passes the limit; FastAPI re-raises HTTPExceptions from body reads."""

    def __init__(self, detail: str) -> None:
        super().__init__(status_code=413, detail=detail)


class BodyLimitMiddleware:
    """413 `payload_too_large` when Content-Length or the streamed body exceeds `max_bytes`."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        detail = f"request body exceeds {self.max_bytes} bytes"
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.strip().isdigit():
                await error_response(400, ErrorCode.BAD_REQUEST, "Content-Length header is not a number")(
                    scope, receive, send)
                return
            if int(declared) > self.max_bytes:
                await api_error_response(PayloadTooLarge(detail))(scope, receive, send)
                return
        received = 0
        exceeded = False
        started = False

        async def limited_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge(detail)
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    exceeded = True
                    raise _BodyTooLarge(detail)
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started and message["type"] == "http.response.start" and message["status"] != 413:
                raise _BodyTooLarge(detail)  # the app turned our signal into something else: answer 413 instead
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, limited_receive, guarded_send)
        except Exception:
            if not exceeded or started:
                raise
            await api_error_response(PayloadTooLarge(detail))(scope, receive, send)


class RateLimitMiddleware:
    """429 `rate_limited` with Retry-After once a token's bucket is empty; anonymous requests are not counted."""

    def __init__(self, app: ASGIApp, *, limiter: RateLimiter) -> None:
        self.app = app
        self.limiter = limiter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get(PRINCIPAL_STATE_KEY) if scope["type"] == "http" else None
        if isinstance(principal, Principal):
            wait = self.limiter.take(principal.token_id)
            if wait > 0:
                retry = self.limiter.retry_after(wait)
                exc = RateLimited(f"too many requests for token {principal.token_id}; retry in {retry}s",
                                  retry_after=retry)
                await api_error_response(exc)(scope, receive, send)
                return
        await self.app(scope, receive, send)


def install(api: FastAPI, settings, *, store: TokenStore | None = None, rate_limit: RateLimit | None = None,
            check_routes: bool = True, prefix: str = PROTECTED_PREFIX,
            identities: Callable[[Principal], None] | None = None) -> TokenStore:
    """Error handlers, the auth gate and the edge middleware on `api`; call it after every router is included."""
    if check_routes:
        assert_every_route_declared(api, prefix)
    store = store or TokenStore.from_settings(settings)
    setattr(api.state, STORE_STATE_KEY, store)
    install_error_handlers(api)
    limiter = RateLimiter(rate_limit or RateLimit.from_settings(settings))
    # add_middleware puts each new one outermost, so add innermost first
    api.add_middleware(RateLimitMiddleware, limiter=limiter)
    sessions = SessionStore(store, ttl_s=settings.console_session_hours * 3600)
    api.state.sessions = sessions
    api.add_middleware(AuthGate, api=api, store=store, prefix=prefix, identities=identities, sessions=sessions)
    api.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    api.add_middleware(RequestIdMiddleware)
    return store
