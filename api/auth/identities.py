"""Identities that exist: a token names an expert or partner on the roster, or an office in the offices file.

Checked twice, with the same rule (`problem_of`):
- when a token is issued (`POST /v1/tokens`, `rrc token create`): an unknown or inactive id is refused;
- on every request (the auth gate): an expert who was deactivated, or a partner who was removed or deactivated,
  loses access as soon as the roster view has the change (the API that made it puts it there at once; other
  instances read it from the compacted roster topic within their fetch wait). A coordinator whose office left
  the offices file is refused too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from api.auth.exceptions import InvalidToken, TokenProblem, TokenSpecError
from api.auth.roles import Principal, Role
from config.offices import OfficeSet


class _Records(Protocol):
    def get(self, record_id: str): ...


class Roster(Protocol):
    experts: _Records
    partners: _Records


class UnknownSubject(TokenSpecError):
    """A token was asked for an id that is not on the roster (or not active), or an office that does not exist."""


def problem_of(roster: Roster, offices: OfficeSet, role: Role, *, expert_id: str | None = None,
               partner_id: str | None = None, office_id: str | None = None) -> str | None:
    """Why these ids cannot hold a token, in one sentence naming the id; None when they can."""
    subject = {Role.EXPERT: ("expert", expert_id, roster.experts),
               Role.PARTNER: ("partner", partner_id, roster.partners)}.get(role)
    if subject is not None and subject[1] is not None:
        noun, record_id, records = subject
        record = records.get(record_id)
        if record is None:
            return f"{noun}_id: no {noun} {record_id!r} on the roster"
        if not record.active:
            return f"{noun}_id: {noun} {record_id!r} is deactivated"
    if office_id is not None and office_id not in offices.by_id:
        return f"office_id: no office {office_id!r} (see GET /v1/offices)"
    return None


def check_issuable(roster: Roster, offices: OfficeSet, role: Role, **ids: str | None) -> None:
    """Raise `UnknownSubject` when a token may not be issued for these ids."""
    problem = problem_of(roster, offices, role, **ids)
    if problem is not None:
        field, _, reason = problem.partition(": ")
        raise UnknownSubject(reason, field)


class IdentityCheck:
    """The auth gate's per-request check of a verified principal against the roster and the offices."""

    def __init__(self, roster: Roster, offices: OfficeSet, ready: Callable[[], bool]) -> None:
        self.roster = roster
        self.offices = offices
        self.ready = ready

    def __call__(self, principal: Principal) -> None:
        if principal.role in (Role.EXPERT, Role.PARTNER) and not self.ready():
            raise RosterNotLoaded()
        problem = problem_of(self.roster, self.offices, principal.role, expert_id=principal.expert_id,
                             partner_id=principal.partner_id, office_id=principal.office_id)
        if problem is not None:
            raise InvalidToken(TokenProblem.UNKNOWN_SUBJECT, f"bearer token refused: {problem.split(': ', 1)[1]}")


class RosterNotLoaded(Exception):
    """The roster view has not read its topics yet, so an expert's or partner's standing is not known."""
