"""Console sessions: a cookie stands for its token (verified again on each use), changes need the session's CSRF
token, and sign-out, expiry and the token's revocation each end it."""

from __future__ import annotations

import pytest

from api.auth.exceptions import InvalidToken
from api.auth.roles import Role
from api.auth.sessions import CsrfFailed, SessionStore


class Wall:
    def __init__(self) -> None:
        self.t = 1_000.0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
def wall() -> Wall:
    return Wall()


@pytest.fixture
def sessions(store, wall) -> SessionStore:
    return SessionStore(store, ttl_s=3600, clock=wall)


def test_a_session_is_its_tokens_principal_and_changes_need_its_csrf_token(store, sessions):
    issued = store.issue(Role.COORDINATOR, office_id="co-suva")
    session_id, session, principal = sessions.sign_in(issued.token)
    assert principal.office_id == "co-suva" and session.token_id == principal.token_id
    assert sessions.principal(session_id, "GET", None) == principal
    assert sessions.principal(session_id, "PATCH", session.csrf) == principal
    for csrf in (None, "", "x" * len(session.csrf)):
        with pytest.raises(CsrfFailed):
            sessions.principal(session_id, "POST", csrf)
    other_id, other, _ = sessions.sign_in(issued.token)
    assert other_id != session_id and other.csrf != session.csrf
    with pytest.raises(CsrfFailed):
        sessions.principal(session_id, "DELETE", other.csrf)  # one session's CSRF token is not another's


def test_sign_out_expiry_and_revocation_each_end_a_session(store, sessions, wall, clock):
    issued = store.issue(Role.ADMIN)
    first, _, _ = sessions.sign_in(issued.token)
    assert sessions.sign_out(first) and not sessions.sign_out(first)
    with pytest.raises(InvalidToken):
        sessions.principal(first, "GET", None)

    second, _, _ = sessions.sign_in(issued.token)
    wall.t += 3600
    with pytest.raises(InvalidToken):
        sessions.principal(second, "GET", None)
    assert len(sessions) == 0

    third, _, _ = sessions.sign_in(issued.token)
    store.revoke(issued.record.token_id)
    clock.advance(5)  # past the store's recheck of its file
    with pytest.raises(InvalidToken):
        sessions.principal(third, "GET", None)


def test_unknown_and_oversized_cookies_are_refused(sessions):
    for value in (None, "", "nope", "x" * 500):
        with pytest.raises(InvalidToken):
            sessions.session(value)
