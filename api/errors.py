"""Error answers of the HTTP API: `ApiError` types, the JSON body `{"error", "detail"}` and its exception handlers."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from enum import StrEnum
from http import HTTPStatus
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

log = logging.getLogger("rrc.api.errors")

MAX_REPORTED_FIELDS = 20


class ErrorCode(StrEnum):
    BAD_REQUEST = "bad_request"
    UNAUTHORIZED = "unauthorized"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    METHOD_NOT_ALLOWED = "method_not_allowed"
    CONFLICT = "conflict"
    PAYLOAD_TOO_LARGE = "payload_too_large"
    UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
    INVALID = "invalid"
    RATE_LIMITED = "rate_limited"
    INTERNAL = "internal"
    UNAVAILABLE = "unavailable"


STATUS_CODES: dict[int, ErrorCode] = {
    400: ErrorCode.BAD_REQUEST,
    401: ErrorCode.UNAUTHORIZED,
    403: ErrorCode.FORBIDDEN,
    404: ErrorCode.NOT_FOUND,
    405: ErrorCode.METHOD_NOT_ALLOWED,
    409: ErrorCode.CONFLICT,
    413: ErrorCode.PAYLOAD_TOO_LARGE,
    415: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
    422: ErrorCode.INVALID,
    429: ErrorCode.RATE_LIMITED,
    500: ErrorCode.INTERNAL,
    503: ErrorCode.UNAVAILABLE,
}


def code_for(status: int) -> str:
    """The error code of an HTTP status: the table above, else the status phrase in snake case."""
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    try:
        return HTTPStatus(status).phrase.lower().replace(" ", "_").replace("-", "_")
    except ValueError:
        return "error"


class ApiError(Exception):
    """A domain error with its HTTP answer; raise it (or a subclass) anywhere below a route."""

    def __init__(self, status: int, code: str, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.code = str(code)
        self.detail = detail
        self.headers = dict(headers or {})


class _StatusError(ApiError):
    STATUS: ClassVar[int]

    def __init__(self, detail: str, *, headers: Mapping[str, str] | None = None) -> None:
        super().__init__(self.STATUS, code_for(self.STATUS), detail, headers=headers)


class BadRequest(_StatusError):
    STATUS = 400


class Unauthorized(_StatusError):
    """401 with the `WWW-Authenticate: Bearer` challenge (RFC 6750); `error` is e.g. `invalid_token`."""

    STATUS = 401

    def __init__(self, detail: str, *, error: str | None = None) -> None:
        challenge = 'Bearer realm="rrc"' + (f', error="{error}"' if error else "")
        super().__init__(detail, headers={"WWW-Authenticate": challenge})


class Forbidden(_StatusError):
    STATUS = 403


class NotFound(_StatusError):
    STATUS = 404


class Conflict(_StatusError):
    STATUS = 409


class PayloadTooLarge(_StatusError):
    STATUS = 413


class Invalid(_StatusError):
    STATUS = 422


class RateLimited(_StatusError):
    STATUS = 429

    def __init__(self, detail: str, *, retry_after: int) -> None:
        super().__init__(detail, headers={"Retry-After": str(max(1, retry_after))})
        self.retry_after = max(1, retry_after)


def error_response(status: int, code: str, detail: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse({"error": str(code), "detail": detail}, status_code=status, headers=dict(headers or {}))


def api_error_response(exc: ApiError) -> JSONResponse:
    return error_response(exc.status, exc.code, exc.detail, exc.headers)


def _location(loc: Sequence[Any]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def validation_detail(errors: Sequence[Mapping[str, Any]]) -> str:
    """`body.signal_id: Input should be a valid string; query.limit: ...` for each failing field."""
    parts = []
    for err in errors[:MAX_REPORTED_FIELDS]:
        loc = list(err.get("loc", ()))
        if err.get("type") == "json_invalid":
            reason = (err.get("ctx") or {}).get("error", "JSON decode error")
            where = f" at position {loc[1]}" if len(loc) > 1 else ""
            parts.append(f"body: invalid JSON{where} ({reason})")
            continue
        parts.append(f"{_location(loc) or 'request'}: {err.get('msg', 'invalid value')}")
    if len(errors) > MAX_REPORTED_FIELDS:
        parts.append(f"and {len(errors) - MAX_REPORTED_FIELDS} more")
    return "; ".join(parts) or "invalid request"


def request_id_of(request: Request) -> str | None:
    return getattr(request.state, "request_id", None)


async def _on_api_error(request: Request, exc: ApiError) -> Response:
    return api_error_response(exc)


async def _on_http_exception(request: Request, exc: StarletteHTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code in (204, 304):
        return Response(status_code=exc.status_code, headers=headers)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return error_response(exc.status_code, code_for(exc.status_code), detail, headers)


async def _on_validation_error(request: Request, exc: RequestValidationError) -> Response:
    return error_response(422, ErrorCode.INVALID, validation_detail(exc.errors()))


async def _on_unhandled(request: Request, exc: Exception) -> Response:
    request_id = request_id_of(request)
    log.error("unhandled %s on %s %s (request %s)", type(exc).__name__, request.method, request.url.path,
              request_id, exc_info=exc)
    detail = "internal error" + (f"; request id {request_id}" if request_id else "")
    headers = {"X-Request-ID": request_id} if request_id else None
    return error_response(500, ErrorCode.INTERNAL, detail, headers)


async def _on_bad_cursor(request: Request, exc: Exception) -> Response:
    """A list's `cursor` this API did not issue (raised by the views' pagination): 400 naming the field."""
    return error_response(400, code_for(400), f"cursor: {exc}")


def install_error_handlers(api: FastAPI) -> None:
    """Every error answer, from routes, validation or crashes, becomes `{"error", "detail"}`."""
    from vocabulary.pagination import BadCursor

    api.add_exception_handler(ApiError, _on_api_error)
    api.add_exception_handler(BadCursor, _on_bad_cursor)
    api.add_exception_handler(StarletteHTTPException, _on_http_exception)
    api.add_exception_handler(RequestValidationError, _on_validation_error)
    api.add_exception_handler(Exception, _on_unhandled)
