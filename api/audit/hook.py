"""The audit hook: ASGI middleware that writes one audit event per audited call once its response is known.

It is the outermost layer (see `install_audit`), so it sees every answer, the auth gate's 403s included, and
reads what the inner layers left in the scope state: the request id and the verified principal. The response of
an audited call is held back until its event is published (or the publish failed and was counted), so a caller
that got its 2xx finds the event in the trail; the response itself is never changed. Ids are read from JSON
answers of at most `max_capture` bytes; a streamed answer that grows past it is passed on as it comes, and its
event (with the path's ids only) is written after it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from starlette.datastructures import Headers
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.audit.events import AUDITED_METHODS, AUDITED_PREFIX, Outcome, RequestFacts, audit_outcome, build_event
from api.audit.trail import count_failure, record
from api.auth.authn import PRINCIPAL_STATE_KEY
from api.auth.gate import route_path
from api.auth.policy import is_protected
from api.auth.roles import Principal

log = logging.getLogger("rrc.api.audit")

MAX_CAPTURE_BYTES = 1024 * 1024


def resolve_route(api: FastAPI, scope: Scope) -> tuple[str | None, dict[str, Any]]:
    """The template and path parameters of the route a request matched (a full match, else a partial one)."""
    probe = {**scope, "fastapi": {}}
    partial: tuple[str | None, dict[str, Any]] | None = None
    for ctx in iter_route_contexts(api.routes):
        match, child = ctx.matches(dict(probe))
        if match is Match.FULL:
            return getattr(ctx, "path", None), dict(child.get("path_params", {}))
        if match is Match.PARTIAL and partial is None:
            partial = getattr(ctx, "path", None), dict(child.get("path_params", {}))
    return partial or (None, {})


def _principal(scope: Scope) -> Principal | None:
    principal = scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
    return principal if isinstance(principal, Principal) else None


class AuditTrail:
    """Audits state-changing /v1 calls (see `api.audit.events.audit_outcome` for which)."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, max_capture: int = MAX_CAPTURE_BYTES) -> None:
        self.app = app
        self.api = api
        self.max_capture = max_capture

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = route_path(scope) if scope["type"] == "http" else ""
        if scope["type"] != "http" or scope.get("method") not in (*AUDITED_METHODS, "GET") or not is_protected(
                path, AUDITED_PREFIX):
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        held: list[Message] = []
        audited = holding = False
        status = 0
        body: bytearray | None = None

        async def release() -> None:
            nonlocal holding
            holding = False
            while held:
                await send(held.pop(0))

        async def audited_send(message: Message) -> None:
            nonlocal audited, holding, status, body
            if message["type"] == "http.response.start":
                status = message["status"]
                outcome = audit_outcome(method, path, status, _principal(scope) is not None,
                                        bool(scope.get("state", {}).get("audit_read")))
                if outcome is None:
                    await send(message)
                    return
                audited = holding = True
                held.append(message)
                json_body = "json" in Headers(raw=message.get("headers", [])).get("content-type", "")
                body = bytearray() if outcome is Outcome.APPLIED and json_body else None
                return
            if not audited or message["type"] != "http.response.body":
                await send(message)
                return
            final = not message.get("more_body", False)
            if body is not None:
                body.extend(message.get("body", b""))
                if len(body) > self.max_capture:
                    body = None  # too big to read ids from: pass it on now, audit with the path's ids
            if not holding:
                await send(message)
                if final:
                    await self._audit(scope, path, status, None)
                return
            held.append(message)
            if final:
                await self._audit(scope, path, status, bytes(body) if body is not None else None)
                await release()
            elif body is None:
                await release()

        try:
            await self.app(scope, receive, audited_send)
        except BaseException:
            held.clear()  # nothing of the answer was sent: the error layer outside answers instead
            raise
        await release()  # an app that ended without a final body part still gets its answer out

    async def _audit(self, scope: Scope, path: str, status: int, body: bytes | None) -> None:
        state: Mapping[str, Any] = scope.get("state", {})
        try:
            route, params = resolve_route(self.api, scope)
            runtime = self.api.state.runtime
            facts = RequestFacts(method=scope["method"], path=path, status=status, principal=_principal(scope),
                                 route=route, path_params=params, request_id=state.get("request_id"), body=body,
                                 extra=state.get("audit") or {}, read=bool(state.get("audit_read")))
            event = build_event(facts, at=runtime.clock())
        except Exception as exc:  # noqa: BLE001 - never let auditing break an answered call
            log.exception("audit event could not be built")
            count_failure(f"build:{type(exc).__name__}", path=path, request_id=state.get("request_id"))
            return
        if event is not None:
            await record(runtime, getattr(self.api.state, "worker", None), event)


def install_audit(api: FastAPI, *, max_capture: int = MAX_CAPTURE_BYTES) -> None:
    """Add the audit trail as the outermost middleware: call it after `api.middleware.install(api, ...)`."""
    api.add_middleware(AuditTrail, api=api, max_capture=max_capture)
