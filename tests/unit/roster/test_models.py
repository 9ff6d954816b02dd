"""Expert and partner records validate skills, countries, dates, contacts and clearance."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from config.taxonomy import Objective
from responders.roster.models import (
    Expert,
    ExpertCreate,
    ExpertUpdate,
    Partner,
    PartnerUpdate,
    apply_expert_update,
    expert_from_create,
    read_view,
)
from responders.roster.partners import apply_partner_update

EXPERT = {
    "expert_id": "e-1", "name": "Ayşe Yılmaz", "contact": {"email": "ayse@example.org", "phone": "+90 312 555 0101"},
    "skills": {"debris_removal_safety": 4, "gender_equality": 2}, "languages": {"tr": 5, "en": 4},
    "regions": ["europe_central_asia"], "countries": ["tur", "SYR"],
    "duty_station": {"country": "TUR", "city": "Ankara"},
    "availability": [{"start": "2025-01-01", "end": "2025-12-31"}],
    "deployments": [{"deployment_id": "d1", "crisis_id": "c1", "start": "2025-02-01", "end": "2025-03-01",
                     "status": "current"}],
    "clearance": {"cleared": True, "level": 2}, "max_deployment_days": 90, "rest_days": 14, "seniority": "senior",
}
PARTNER = {
    "partner_id": "p-1", "organisation": "Federation of Employers", "type": "employers_organisation",
    "capabilities": ["enterprise_recovery", "funding"], "countries": ["TUR"], "regions": ["arab_states"],
    "resources": [{"capability": "funding", "capacity": 250000, "unit": "USD", "lead_time_days": 14}],
    "contact": {"webhook_url": "https://partner.example.org/hook"},
}


def with_(base: dict, **changes) -> dict:
    return {**base, **changes}


def test_a_valid_expert_is_normalised():
    e = Expert.model_validate(EXPERT)
    assert e.countries == ["TUR", "SYR"] and e.contact.phone == "+903125550101"
    assert e.availability[0].days == 365 and e.deployments[0].status.occupies
    assert read_view(e).objectives == [Objective.RIGHTS_AT_WORK, Objective.SOCIAL_PROTECTION]
    assert Expert.model_validate_json(e.model_dump_json()) == e


@pytest.mark.parametrize("changes,where", [
    ({"skills": {"juggling": 3}}, "skills"),
    ({"skills": {"cash_for_work": 6}}, "skills"),
    ({"skills": {}}, "skills"),
    ({"languages": {"xx": 3}}, "languages"),
    ({"languages": {"en": 7}}, "languages"),
    ({"countries": ["TUR", "XYZ"]}, "countries"),
    ({"countries": ["TUR", "TUR"]}, "countries"),
    ({"regions": ["middle_earth"]}, "regions"),
    ({"duty_station": {"country": "Atlantis", "city": "X"}}, "duty_station"),
    ({"availability": [{"start": "2025-05-01", "end": "2025-04-30"}]}, "availability"),
    ({"availability": [{"start": "1850-01-01", "end": "2025-04-30"}]}, "availability"),
    ({"deployments": [{"deployment_id": "d", "crisis_id": "c", "start": "2025-03-02", "end": "2025-03-01"}]},
     "deployments"),
    ({"deployments": [{"deployment_id": "d", "crisis_id": "c", "start": "2025-03-01", "end": "2025-03-02"}] * 2},
     ""),
    ({"clearance": {"cleared": True, "level": 0}}, "clearance"),
    ({"clearance": {"cleared": False, "level": 2}}, "clearance"),
    ({"contact": {}}, "contact"),
    ({"contact": {"email": "not-an-address"}}, "contact"),
    ({"contact": {"phone": "12345"}}, "contact"),
    ({"max_deployment_days": 0}, "max_deployment_days"),
    ({"rest_days": -1}, "rest_days"),
    ({"seniority": "intern"}, "seniority"),
    ({"expert_id": "bad id!"}, "expert_id"),
])
def test_invalid_experts_are_refused(changes, where):
    with pytest.raises(ValidationError) as exc:
        Expert.model_validate(with_(EXPERT, **changes))
    assert exc.value.errors()[0]["loc"][:1] == ((where,) if where else ())


def test_update_applies_only_set_fields_and_revalidates():
    e = Expert.model_validate(EXPERT)
    updated = apply_expert_update(e, ExpertUpdate(active=False, rest_days=21))
    assert (updated.active, updated.rest_days, updated.skills) == (False, 21, e.skills)
    with pytest.raises(ValidationError):
        apply_expert_update(e, ExpertUpdate(availability=[{"start": date(2025, 2, 1), "end": date(2025, 1, 1)}]))
    with pytest.raises(ValidationError):
        ExpertUpdate(skills={"nope": 1})
    created = expert_from_create(ExpertCreate.model_validate(EXPERT))
    assert isinstance(created, Expert) and created.expert_id == "e-1"


def test_partners():
    p = Partner.model_validate(PARTNER)
    assert str(p.contact.webhook_url) == "https://partner.example.org/hook"
    assert apply_partner_update(p, PartnerUpdate(global_coverage=True)).global_coverage
    with pytest.raises(ValidationError, match="does not list"):
        Partner.model_validate(with_(PARTNER, capabilities=["enterprise_recovery"]))
    with pytest.raises(ValidationError, match="neither a skill nor a partner capability"):
        Partner.model_validate(with_(PARTNER, capabilities=["funding", "catering"]))
    with pytest.raises(ValidationError):
        Partner.model_validate(with_(PARTNER, type="think_tank"))
    with pytest.raises(ValidationError):
        Partner.model_validate(with_(PARTNER, resources=[{"capability": "funding", "capacity": 0, "unit": "USD",
                                                          "lead_time_days": 1}]))
