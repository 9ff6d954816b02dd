"""Hand-built experts, roles and partners for matching tests (a small world around 2025-03-01)."""

from __future__ import annotations

from datetime import date, timedelta

from responders.matching.requests import PartnerAsk, RoleRequest
from responders.roster.models import Expert, Partner

D0 = date(2025, 3, 1)


def day(n: int) -> date:
    """The date n days after D0."""
    return D0 + timedelta(days=n)


def make_expert(expert_id: str = "e1", **overrides) -> Expert:
    """An active, cleared, mid-level EIIP expert free from day -30 to day 200, unless overridden."""
    data = {
        "expert_id": expert_id, "name": f"Expert {expert_id}", "contact": {"email": f"{expert_id}@example.org"},
        "skills": {"employment_intensive_investment": 4, "occupational_safety_health": 3},
        "languages": {"en": 5, "tr": 3}, "regions": [], "countries": ["TUR"],
        "duty_station": {"country": "CHE", "city": "Geneva"},
        "availability": [{"start": day(-30), "end": day(200)}], "deployments": [],
        "clearance": {"cleared": True, "level": 2}, "max_deployment_days": 120, "rest_days": 14,
        "seniority": "mid", "active": True,
    }
    data.update(overrides)
    return Expert.model_validate(data)


def make_role(**overrides) -> RoleRequest:
    """An EIIP engineer for 30 days from D0 in Türkiye (a disaster, not high risk), unless overridden."""
    data = {"role": "EIIP engineer", "skills": {"employment_intensive_investment": 3}, "count": 1,
            "start": D0, "duration_days": 30, "countries": ["TUR"], "kind": "disaster", "high_risk": False}
    data.update(overrides)
    return RoleRequest.model_validate(data)


def deployment(did: str, start: int, end: int, status: str = "planned") -> dict:
    return {"deployment_id": did, "crisis_id": "crisis-x", "start": day(start), "end": day(end), "status": status}


def make_partner(partner_id: str = "p1", **overrides) -> Partner:
    data = {"partner_id": partner_id, "organisation": f"Partner {partner_id}", "type": "ngo",
            "capabilities": ["logistics"], "countries": ["TUR"], "regions": [], "global_coverage": False,
            "resources": [{"capability": "logistics", "capacity": 10, "unit": "trucks", "lead_time_days": 3}],
            "contact": {"email": f"{partner_id}@example.org"}, "active": True}
    data.update(overrides)
    return Partner.model_validate(data)


def make_ask(**overrides) -> PartnerAsk:
    data = {"capability": "logistics", "quantity": 10, "countries": ["TUR"]}
    data.update(overrides)
    return PartnerAsk.model_validate(data)
