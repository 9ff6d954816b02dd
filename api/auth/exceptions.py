"""Errors of the auth package: bad tokens, bad token requests, an unreadable store, undeclared routes."""

from __future__ import annotations

from enum import StrEnum


class AuthError(Exception):
    """Base of every auth error."""


class TokenProblem(StrEnum):
    MISSING = "missing"
    MALFORMED = "malformed"
    INVALID = "invalid"
    EXPIRED = "expired"
    REVOKED = "revoked"
    NO_OFFICE = "no_office"
    UNKNOWN_SUBJECT = "unknown_subject"


class InvalidToken(AuthError):
    """The bearer token cannot authenticate anyone (answered with 401)."""

    MESSAGES = {
        TokenProblem.MISSING: "missing bearer token: send Authorization: Bearer <token>",
        TokenProblem.MALFORMED: "Authorization header is not a well-formed rrc bearer token",
        TokenProblem.INVALID: "bearer token is not valid",
        TokenProblem.EXPIRED: "bearer token has expired",
        TokenProblem.REVOKED: "bearer token has been revoked",
        TokenProblem.NO_OFFICE: "coordinator token names no office: issue a new one with --office",
        TokenProblem.UNKNOWN_SUBJECT: "the token's expert or partner is not (or no longer) active on the roster",
    }

    def __init__(self, problem: TokenProblem, detail: str | None = None) -> None:
        super().__init__(detail or self.MESSAGES[problem])
        self.problem = problem


class TokenSpecError(AuthError, ValueError):
    """A token cannot be issued as asked (role and ids do not fit, bad expiry, unknown grant); `field` names the
    request field at fault (`POST /v1/tokens` answers `field: message`)."""

    def __init__(self, message: str, field: str = "role") -> None:
        super().__init__(message)
        self.field = field


class UnknownTokenId(AuthError, LookupError):
    """No token with this id is in the store."""

    def __init__(self, token_id: str) -> None:
        super().__init__(f"no token with id {token_id!r}")
        self.token_id = token_id


class TokenStoreError(AuthError):
    """The token file cannot be read or written; authentication fails closed."""


class UndeclaredRoutes(AuthError):
    """Routes under the protected prefix that declare no access policy (or one no role can pass)."""

    def __init__(self, routes: list[str]) -> None:
        super().__init__("routes without a usable access policy (add allow(...) or public()): " + ", ".join(routes))
        self.routes = routes
