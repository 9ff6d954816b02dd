"""Console sessions: a bearer token exchanged once for an `HttpOnly`, `SameSite=Strict` cookie and a CSRF token.

The browser never keeps the bearer token: sign-in posts it once, the API keeps it in memory next to a random
session id (the cookie) and a random CSRF token (the page sends it as `X-CSRF-Token` on every change). Each request
verifies the kept token again with the token store, so a revoked or expired token ends its sessions at once, and the
role and office scoping of the API apply unchanged: a cookie request is the same principal as a bearer request.

Sessions live in this process only (a restart signs everyone out; several API processes need sticky routing or
their own sign-in). Only a SHA-256 of the session id is a dict key, so a memory dump holds no usable cookie value.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from api.auth.exceptions import InvalidToken, TokenProblem
from api.auth.roles import Principal
from api.auth.tokens import TokenStore

SESSION_COOKIE = "rrc_session"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
MAX_SESSIONS = 10_000


@dataclass(frozen=True, slots=True)
class Session:
    token: str
    csrf: str
    token_id: str
    expires_at: float  # time.time()


class CsrfFailed(Exception):
    """A state-changing request from a session without its CSRF token (or with another one)."""


class SessionStore:
    """Session id -> the bearer token it stands for; sign-in, lookup, sign-out, expiry."""

    def __init__(self, tokens: TokenStore, *, ttl_s: float, clock: Callable[[], float] = time.time) -> None:
        self.tokens = tokens
        self.ttl_s = ttl_s
        self._clock = clock
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(session_id: str) -> str:
        return hashlib.sha256(session_id.encode()).hexdigest()

    def sign_in(self, token: str) -> tuple[str, Session, Principal]:
        """A new session for a valid token (InvalidToken otherwise): its cookie value, the session, the principal."""
        principal = self.tokens.verify(token)
        session_id = secrets.token_urlsafe(32)
        session = Session(token=token, csrf=secrets.token_urlsafe(32), token_id=principal.token_id,
                          expires_at=self._clock() + self.ttl_s)
        with self._lock:
            self._drop_expired()
            if len(self._sessions) >= MAX_SESSIONS:  # the oldest go first
                for key in sorted(self._sessions, key=lambda k: self._sessions[k].expires_at)[:len(self._sessions)
                                                                                              - MAX_SESSIONS + 1]:
                    del self._sessions[key]
            self._sessions[self._key(session_id)] = session
        return session_id, session, principal

    def session(self, session_id: str | None) -> Session:
        """The live session of a cookie value; InvalidToken (401) when it is unknown, signed out or expired."""
        if not session_id or len(session_id) > 128:
            raise InvalidToken(TokenProblem.MISSING if not session_id else TokenProblem.MALFORMED)
        key = self._key(session_id)
        with self._lock:
            session = self._sessions.get(key)
            if session is not None and session.expires_at <= self._clock():
                del self._sessions[key]
                session = None
        if session is None:
            raise InvalidToken(TokenProblem.INVALID)
        return session

    def principal(self, session_id: str | None, method: str, csrf: str | None) -> Principal:
        """Who a cookie request is: its token verified again now; a change without the session's CSRF token fails."""
        session = self.session(session_id)
        if method.upper() not in SAFE_METHODS and not (csrf and hmac.compare_digest(csrf, session.csrf)):
            raise CsrfFailed(f"{CSRF_HEADER} header: missing or not this session's token (changes from the console "
                             "must send the token the sign-in returned)")
        return self.tokens.verify(session.token)

    def sign_out(self, session_id: str | None) -> bool:
        if not session_id:
            return False
        with self._lock:
            return self._sessions.pop(self._key(session_id), None) is not None

    def __len__(self) -> int:
        with self._lock:
            self._drop_expired()
            return len(self._sessions)

    def _drop_expired(self) -> None:
        now = self._clock()
        for key in [k for k, s in self._sessions.items() if s.expires_at <= now]:
            del self._sessions[key]
