"""Authentication at the HTTP edge: read the bearer token, verify it, map failures to 401 and role misses to 403."""

from __future__ import annotations

from collections.abc import Collection

from starlette.requests import HTTPConnection

from api.auth.exceptions import InvalidToken, TokenProblem
from api.auth.roles import Principal, Role
from api.auth.tokens import TokenStore
from api.errors import Forbidden, Unauthorized

STORE_STATE_KEY = "token_store"
PRINCIPAL_STATE_KEY = "principal"


def bearer_token(authorization: str | None) -> str:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization or not authorization.strip():
        raise InvalidToken(TokenProblem.MISSING)
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise InvalidToken(TokenProblem.MALFORMED)
    return token.strip()


def authenticate(store: TokenStore, authorization: str | None) -> Principal:
    return store.verify(bearer_token(authorization))


def unauthorized(exc: InvalidToken) -> Unauthorized:
    error = None if exc.problem is TokenProblem.MISSING else "invalid_token"
    return Unauthorized(str(exc), error=error)


def require_role(principal: Principal, allowed: Collection[Role], what: str) -> None:
    if principal.role not in allowed:
        roles = ", ".join(sorted(allowed)) or "no role"
        raise Forbidden(f"role {principal.role} may not {what} (allowed: {roles})")


def token_store_of(conn: HTTPConnection) -> TokenStore:
    store = getattr(conn.app.state, STORE_STATE_KEY, None)
    if store is None:
        raise RuntimeError("auth is not installed on this app: call api.middleware.install(api, settings)")
    return store


def current_principal(conn: HTTPConnection) -> Principal:
    """The principal the auth gate already verified for this request, else verify the header now."""
    principal = conn.scope.get("state", {}).get(PRINCIPAL_STATE_KEY)
    if isinstance(principal, Principal):
        return principal
    try:
        principal = authenticate(token_store_of(conn), conn.headers.get("authorization"))
    except InvalidToken as exc:
        raise unauthorized(exc) from None
    conn.scope.setdefault("state", {})[PRINCIPAL_STATE_KEY] = principal
    return principal
