"""The shipped response plan templates load, cover the required hazards, select the right severity band and
reference only taxonomy ids; broken template sets fail validation with a message naming the problem."""

from __future__ import annotations

import copy

import pytest
import yaml
from pydantic import ValidationError

from config.plan_templates import REQUIRED_HAZARDS, TEMPLATES_PATH, TargetKind, TemplateSet, load_templates
from config.taxonomy import Objective, load_taxonomy
from vocabulary.signals import Hazard, Severity

SUDDEN_ONSET = (Hazard.EARTHQUAKE, Hazard.FLOOD, Hazard.TROPICAL_CYCLONE)
CONFLICT = (Hazard.ARMED_CONFLICT, Hazard.CIVIL_UNREST)


@pytest.fixture(scope="module")
def templates() -> TemplateSet:
    return load_templates()


@pytest.fixture
def raw() -> dict:
    """The shipped file as plain data, to mutate (load_templates is cached: never mutate its result)."""
    return yaml.safe_load(TEMPLATES_PATH.read_text(encoding="utf-8"))


def _template(data: dict, template_id: str) -> dict:
    return next(t for t in data["templates"] if t["template_id"] == template_id)


def test_the_shipped_file_loads(templates, raw):
    assert templates.version == 1
    assert [t.template_id for t in templates.templates] == [t["template_id"] for t in raw["templates"]]
    assert TemplateSet.model_validate(raw) == templates


@pytest.mark.parametrize("severity", [Severity.SEVERE, Severity.EXTREME])
@pytest.mark.parametrize("hazard", REQUIRED_HAZARDS)
def test_every_required_hazard_gets_a_plan_when_severe(templates, hazard, severity):
    template = templates.select(hazard, severity)
    assert template is not None and hazard in template.hazards


def test_earthquakes_get_the_band_of_their_severity(templates):
    moderate, severe = templates.select("earthquake", "moderate"), templates.select("earthquake", "severe")
    assert moderate is not None and severe is not None and moderate is not severe
    assert moderate.min_severity is Severity.MODERATE and severe.min_severity is Severity.SEVERE
    assert templates.select("earthquake", "extreme") is severe
    assert min(t.min_severity.rank for t in templates.templates if Hazard.EARTHQUAKE in t.hazards) == \
        Severity.MODERATE.rank
    assert templates.select("earthquake", "minor") is None
    assert templates.select("earthquake", "unknown") is None
    assert sum(r.count for r in severe.roles) > sum(r.count for r in moderate.roles)


@pytest.mark.parametrize("hazard", SUDDEN_ONSET)
def test_big_sudden_onset_disasters_have_a_moderate_and_a_severe_band(templates, hazard):
    bands = sorted(t.min_severity.rank for t in templates.templates if hazard in t.hazards)
    assert bands == [Severity.MODERATE.rank, Severity.SEVERE.rank]


def test_floods_cyclones_storms_and_landslides_share_their_bands(templates):
    for severity in ("moderate", "severe"):
        chosen = {templates.select(h, severity).template_id
                  for h in ("flood", "tropical_cyclone", "storm", "landslide")}
        assert len(chosen) == 1


def test_other_hazards_fall_back_only_when_severe(templates):
    fallback = templates.select("other", "severe")
    assert fallback is not None and fallback.min_severity is Severity.SEVERE
    assert templates.select("wildfire", "extreme") is fallback
    assert templates.select("epidemic", "severe") is fallback
    assert templates.select("wildfire", "moderate") is None
    assert templates.get(fallback.template_id) is fallback and templates.get("nope") is None


def test_every_hazard_has_a_plan_when_extreme(templates):
    for hazard in Hazard:
        assert templates.select(hazard, Severity.EXTREME) is not None, hazard


def test_roles_use_taxonomy_skills_and_each_serves_an_objective(templates):
    skills = set(load_taxonomy().skills)
    for t in templates.templates:
        for role in t.roles:
            assert set(role.skills) <= skills, (t.template_id, role.role)
            assert all(1 <= level <= 5 for level in role.skills.values())
            assert isinstance(role.objective, Objective)


def test_every_template_serves_at_least_two_objectives(templates):
    for t in templates.templates:
        assert len({r.objective for r in t.roles}) >= 2, t.template_id


def test_partner_asks_use_taxonomy_capabilities_once_per_template(templates):
    capabilities = set(load_taxonomy().capability_ids)
    for t in templates.templates:
        asked = [a.capability for a in t.partner_asks]
        assert set(asked) <= capabilities, t.template_id
        assert len(asked) == len(set(asked)), f"{t.template_id}: plan edits address asks by capability"
        assert all(a.unit for a in t.partner_asks), t.template_id


def test_seats_and_counts_are_realistic(templates):
    for t in templates.templates:
        assert all(1 <= r.count <= 4 for r in t.roles), t.template_id
        assert 4 <= sum(r.count for r in t.roles) <= 10, t.template_id


def test_every_template_staffs_a_rapid_assessment_within_72_hours(templates):
    for t in templates.templates:
        first = t.phases[0]
        assert first.id == "rapid_assessment" and first.starts_after_hours == 0, t.template_id
        assert any(r.phase == "rapid_assessment" and r.start_within_hours <= 72 for r in t.roles), t.template_id


def test_roles_start_within_their_phase(templates):
    for t in templates.templates:
        phases = {p.id: p for p in t.phases}
        for role in t.roles:
            phase = phases[role.phase]
            end = phase.starts_after_hours + 24 * phase.duration_days
            assert phase.starts_after_hours <= role.start_within_hours <= end, (t.template_id, role.role)


def test_every_plan_has_the_core_targets(templates):
    for t in templates.templates:
        targets = {x.id: x for x in t.targets}
        first = targets["first_expert_accepted"]
        assert first.kind is TargetKind.DEADLINE and first.within_hours == 24, t.template_id
        on_site = targets["team_on_site"]
        assert on_site.kind is TargetKind.DEADLINE and on_site.within_hours <= 168, t.template_id
        women = targets["women_share_beneficiaries"]
        assert women.kind is TargetKind.SHARE and 0.4 <= women.value <= 0.5, t.template_id
        assert targets["labour_market_assessment_published"].kind is TargetKind.DEADLINE, t.template_id


def test_sudden_onset_disasters_target_emergency_employment_and_a_team_within_72_hours(templates):
    for hazard in SUDDEN_ONSET:
        for severity in ("moderate", "severe"):
            targets = {x.id: x for x in templates.select(hazard, severity).targets}
            assert targets["team_on_site"].within_hours == 72
            person_days = targets["emergency_employment_person_days"]
            assert person_days.kind is TargetKind.QUANTITY and person_days.unit == "person_days"
            assert person_days.value > 0 and person_days.within_hours


def test_conflict_field_roles_are_high_risk(templates):
    for hazard in CONFLICT:
        t = templates.select(hazard, "moderate")
        assert t is not None and t.min_severity is Severity.MODERATE
        assess = [r for r in t.roles if r.phase == "rapid_assessment"]
        assert assess and all(r.high_risk for r in assess), t.template_id
    armed = templates.select(Hazard.ARMED_CONFLICT, "moderate")
    assert sum(r.high_risk for r in armed.roles) >= len(armed.roles) - 1
    assert not any(r.high_risk for h in SUDDEN_ONSET for s in ("moderate", "severe")
                   for r in templates.select(h, s).roles)


def test_economic_shocks_are_planned_from_moderate(templates):
    for hazard in (Hazard.UNEMPLOYMENT_SHOCK, Hazard.GDP_CONTRACTION, Hazard.INFLATION_SHOCK):
        moderate = templates.select(hazard, "moderate")
        assert moderate is not None and templates.select(hazard, "severe") is moderate
        assert templates.select(hazard, "minor") is None
        assert any(r.objective is Objective.SOCIAL_DIALOGUE for r in moderate.roles)


# --- validation failures ---------------------------------------------------------------------------------------

def test_an_unknown_skill_is_rejected(raw):
    _template(raw, "earthquake_severe")["roles"][0]["skills"]["underwater_basket_weaving"] = 3
    with pytest.raises(ValidationError, match=r"earthquake_severe/assessment_lead: unknown skill "
                                              r"'underwater_basket_weaving'"):
        TemplateSet.model_validate(raw)


def test_a_skill_level_outside_1_to_5_is_rejected(raw):
    _template(raw, "earthquake_severe")["roles"][0]["skills"]["labour_market_assessment"] = 6
    with pytest.raises(ValidationError, match=r"level of labour_market_assessment must be 1\.\.5"):
        TemplateSet.model_validate(raw)


def test_an_unknown_partner_capability_is_rejected(raw):
    _template(raw, "hydromet_severe")["partner_asks"][0]["capability"] = "helicopters"
    with pytest.raises(ValidationError, match=r"hydromet_severe: unknown partner capability 'helicopters'"):
        TemplateSet.model_validate(raw)


def test_a_role_in_an_unknown_phase_is_rejected(raw):
    _template(raw, "drought_moderate")["roles"][0]["phase"] = "reconstruction"
    with pytest.raises(ValidationError, match=r"drought_moderate: phase 'reconstruction' is not one of"):
        TemplateSet.model_validate(raw)


def test_duplicate_role_ids_are_rejected(raw):
    roles = _template(raw, "armed_conflict_moderate")["roles"]
    roles.append(copy.deepcopy(roles[0]))
    with pytest.raises(ValidationError,
                       match=r"duplicate armed_conflict_moderate: role id 'conflict_assessment_specialist'"):
        TemplateSet.model_validate(raw)


def test_two_templates_for_the_same_hazard_and_severity_are_rejected(raw):
    twin = copy.deepcopy(_template(raw, "earthquake_severe"))
    twin["template_id"] = "earthquake_severe_bis"
    raw["templates"].append(twin)
    with pytest.raises(ValidationError, match=r"earthquake_severe and earthquake_severe_bis both cover .*earthquake"):
        TemplateSet.model_validate(raw)


def test_an_overlap_in_one_hazard_is_enough_to_reject(raw):
    _template(raw, "multi_hazard_severe")["hazards"].append("flood")
    with pytest.raises(ValidationError, match=r"both cover .*flood.* from severe"):
        TemplateSet.model_validate(raw)


def test_the_same_hazard_in_different_bands_is_fine(raw):
    _template(raw, "drought_moderate")["min_severity"] = "minor"
    assert TemplateSet.model_validate(raw).select("drought", "minor").template_id == "drought_moderate"


def test_a_missing_required_hazard_is_rejected(raw):
    raw["templates"] = [t for t in raw["templates"] if t["template_id"] != "drought_moderate"]
    with pytest.raises(ValidationError, match=r"no template for \['drought'\]"):
        TemplateSet.model_validate(raw)


def test_a_share_target_above_1_is_rejected(raw):
    targets = _template(raw, "hydromet_moderate")["targets"]
    next(t for t in targets if t["id"] == "women_share_beneficiaries")["value"] = 40
    with pytest.raises(ValidationError, match=r"target women_share_beneficiaries: a share is between 0 and 1"):
        TemplateSet.model_validate(raw)


def test_a_deadline_without_hours_is_rejected(raw):
    targets = _template(raw, "inflation_shock_moderate")["targets"]
    del next(t for t in targets if t["id"] == "team_on_site")["within_hours"]
    with pytest.raises(ValidationError, match=r"target team_on_site: a deadline needs within_hours"):
        TemplateSet.model_validate(raw)


def test_duplicate_template_ids_are_rejected(raw):
    raw["templates"][1]["template_id"] = raw["templates"][0]["template_id"]
    with pytest.raises(ValidationError, match=r"duplicate template id 'earthquake_moderate'"):
        TemplateSet.model_validate(raw)
