"""The expertise taxonomy: ids, ISCO-08 codes that exist, regions and country languages."""

from __future__ import annotations

import csv
from pathlib import Path

import pycountry
import pytest

from config.taxonomy import Objective, TaxonomyError, known_iso3, load_taxonomy, parse_taxonomy

MUST_HAVE_LANGUAGES = ["AFG", "TUR", "SYR", "PHL", "MEX", "SLV", "PNG", "ESP", "GRC", "UKR", "SDN", "HTI", "BFA",
                       "TCD", "NPL", "BGD", "MMR", "MOZ"]
SPECIALITIES = ["employment_intensive_investment", "cash_for_work", "emergency_employment_services",
                "skills_vocational_training", "enterprise_recovery", "local_economic_development",
                "labour_market_assessment", "post_disaster_needs_assessment", "social_protection_systems",
                "cash_transfers", "occupational_safety_health", "debris_removal_safety", "child_labour_prevention",
                "forced_labour_prevention", "labour_migration", "social_dialogue", "labour_administration",
                "conflict_sensitive_programming", "gender_equality"]


@pytest.fixture(scope="module")
def isco_codes(shared_data: Path) -> set[str]:
    with open(shared_data / "isco" / "isco08_all_groups_en_fr.csv", encoding="utf-8") as f:
        return {row["code"] for row in csv.DictReader(f)}


def test_every_referenced_isco_code_exists(isco_codes):
    tax = load_taxonomy()
    referenced = {(s.id, code) for s in tax.skills.values() for code in s.isco08}
    assert referenced, "the taxonomy references no ISCO-08 code"
    assert [pair for pair in referenced if pair[1] not in isco_codes] == []
    assert len(isco_codes) == 619


def test_skills_cover_the_objectives_and_crisis_specialities():
    tax = load_taxonomy()
    assert {s.objective for s in tax.skills.values()} == set(Objective)
    assert set(SPECIALITIES) <= set(tax.skill_ids)
    assert {"funding", "logistics", "coordination"} <= set(tax.capability_ids)
    assert all(s.id == s.id.lower() and " " not in s.id for s in tax.skills.values())
    assert tax.skills["debris_removal_safety"].objective is Objective.SOCIAL_PROTECTION
    assert tax.skills["cash_for_work"].area == "employment_intensive_investment"


def test_regions_and_languages():
    tax = load_taxonomy()
    assert set(tax.region_ids) == {"africa", "arab_states", "asia_pacific", "americas", "europe_central_asia"}
    placed = set(tax.country_region)
    uninhabited = {"ATA", "BVT", "ATF", "HMD", "SGS", "UMI"}
    assert placed == known_iso3() - uninhabited
    assert len(tax.languages) >= 120
    for iso3 in MUST_HAVE_LANGUAGES:
        assert tax.languages_of(iso3), iso3
    for langs in tax.languages.values():
        assert all(pycountry.languages.get(alpha_2=code) for code in langs)
    assert tax.region_of("SYR") == "arab_states" and tax.region_of("SDN") == "africa"
    assert tax.region_of("AFG") == "asia_pacific" and tax.region_of("TUR") == "europe_central_asia"
    assert tax.languages_of("NOR") == ["no"]  # not YAML's false


def test_load_is_cached():
    assert load_taxonomy() is load_taxonomy()


@pytest.mark.parametrize("mutation,message", [
    (lambda t: t.replace("id: gender_equality", "id: cash_for_work"), "duplicate"),
    (lambda t: t.replace('AFG: "ps fa"', 'AFG: "ps xx"'), "ISO 639-1"),
    (lambda t: t.replace("BHR IRQ", "BHR IRQ ZZZ"), "alpha-3"),
    (lambda t: t.replace("BHR IRQ", "BHR IRQ DEU"), "in regions"),
    (lambda t: t.replace('isco08: ["2635", "2632", "2422"]', 'isco08: ["26x5"]'), "ISCO-08"),
    (lambda t: t.replace("objective: social_dialogue", "objective: peace"), "objective"),
])
def test_broken_taxonomies_are_refused(tmp_path, mutation, message):
    text = (Path(__file__).resolve().parents[3] / "config" / "taxonomy.yaml").read_text(encoding="utf-8")
    broken = mutation(text)
    assert broken != text
    path = tmp_path / "taxonomy.yaml"
    path.write_text(broken, encoding="utf-8")
    with pytest.raises(TaxonomyError, match=message):
        parse_taxonomy(path)
