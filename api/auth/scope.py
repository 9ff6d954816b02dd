"""Office scope: what a coordinator may see and approve, by the countries of the office they act for.

A coordinator of a country office sees crises (and everything hanging off a crisis: plans, interventions,
staffing, deployment requests, events) in that office's countries; a regional coordinator those of the region;
headquarters everything. A multi-country crisis is seen by every office that covers one of its countries.
Something outside the scope answers 404, as if it did not exist, so ids do not leak. Approving needs the office
kind the severity asks for (`approvals` in config/offices.yaml); a refusal is 403 naming the nearest office that
may approve.

Admins (operators) and headquarters are not limited; experts and partners have their own rules (their own
requests; their entitlements), so this scope leaves them alone. Every route a coordinator can reach uses the
one `OfficeScope` of its request (`ScopeDep`), and `tests/e2e/test_offices.py` walks the route table to check
that none shows a crisis of another office.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request

from api.auth.authn import current_principal
from api.auth.roles import Principal, Role
from api.errors import Forbidden
from config.offices import OfficeSet


@dataclass(frozen=True)
class OfficeScope:
    offices: OfficeSet
    office_id: str | None  # None: not limited by office
    crises: Mapping[str, Mapping[str, Any]]  # crisis id -> the crisis view's meta (countries, severity)

    @classmethod
    def of(cls, principal: Principal, offices: OfficeSet, crises: Mapping[str, Mapping[str, Any]]) -> OfficeScope:
        limited = principal.role is Role.COORDINATOR and principal.office_id != offices.headquarters.office_id
        return cls(offices, principal.office_id if limited else None, crises)

    @property
    def whole(self) -> bool:
        return self.office_id is None

    def sees_countries(self, countries: Iterable[str]) -> bool:
        return self.whole or self.offices.covers_any(self.office_id, countries)  # type: ignore[arg-type]

    def sees_crisis(self, crisis_id: str | None) -> bool:
        """Whether the crisis is in scope; a crisis the view does not know (yet) is out of it for a limited scope."""
        if self.whole:
            return True
        meta = self.crises.get(crisis_id) if crisis_id else None
        return meta is not None and self.sees_countries(meta.get("countries") or ())

    def sees(self, record: Mapping[str, Any] | None) -> bool:
        """A record that names its crisis (plan, intervention, staffing, request)."""
        return record is not None and self.sees_crisis(record.get("crisis_id"))

    def countries(self) -> frozenset[str] | None:
        """The countries in scope, None for all (for filters on crisis countries)."""
        return None if self.whole else self.offices.countries_of(self.office_id)  # type: ignore[arg-type]

    def require_approver(self, principal: Principal, crisis_id: str) -> None:
        """403 naming who may approve, unless this principal's office may approve a plan of this crisis."""
        if principal.role is not Role.COORDINATOR:
            return  # admins: operators may do anything
        meta = self.crises.get(crisis_id)
        if meta is None:
            raise Forbidden(f"crisis_id: crisis {crisis_id!r} is not in the crisis view yet; try again shortly")
        countries, severity = meta.get("countries") or (), meta.get("severity") or "unknown"
        if principal.office_id and self.offices.may_approve(principal.office_id, countries, severity):
            return
        nearest = self.offices.approvers(countries, severity)
        names = ", ".join(f"{o.office_id} ({o.name})" for o in nearest)
        raise Forbidden(f"office: {principal.office_id} may not approve a {severity} crisis in "
                        f"{', '.join(countries) or 'no country'}; {nearest[0].office_id} may approve it "
                        f"(offices that may: {names})")


def request_scope(request: Request) -> OfficeScope:
    runtime = request.app.state.runtime
    return OfficeScope.of(current_principal(request), runtime.offices, runtime.views.crises.crises.meta)


ScopeDep = Annotated[OfficeScope, Depends(request_scope)]
