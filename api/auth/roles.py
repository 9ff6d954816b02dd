"""Who a caller is: the four roles, the grants a token may carry, and the authenticated `Principal`."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    COORDINATOR = "coordinator"
    EXPERT = "expert"
    PARTNER = "partner"


class Grant(StrEnum):
    """Extra permissions on top of a role (e.g. a partner that may see exercise or restricted crises)."""

    RESTRICTED = "restricted"
    EXERCISE = "exercise"


STAFF = frozenset({Role.ADMIN, Role.COORDINATOR})


@dataclass(frozen=True, slots=True)
class Principal:
    """The caller behind a verified bearer token."""

    token_id: str
    role: Role
    expert_id: str | None = None
    partner_id: str | None = None
    grants: frozenset[str] = field(default_factory=frozenset)
    office_id: str | None = None  # coordinators: the office they act for (admins: headquarters unless set)

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    def has_grant(self, grant: str) -> bool:
        return grant in self.grants
