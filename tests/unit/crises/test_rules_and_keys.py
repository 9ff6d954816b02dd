"""Hazard families, correlation keys and strong-reference normalisation."""

import pytest

from responders.crises import HazardFamily, correlation_key, hazard_family
from responders.crises.refs import normalise_strong_ref, strong_refs
from vocabulary.signals import Hazard, SignalStatus

from .factories import make_signal


@pytest.mark.parametrize(
    ("hazard", "family"),
    [
        (Hazard.EARTHQUAKE, HazardFamily.SEISMIC),
        (Hazard.TSUNAMI, HazardFamily.SEISMIC),
        (Hazard.TROPICAL_CYCLONE, HazardFamily.HYDROMET),
        (Hazard.FLOOD, HazardFamily.HYDROMET),
        (Hazard.STORM, HazardFamily.HYDROMET),
        (Hazard.DROUGHT, HazardFamily.DROUGHT),
        (Hazard.ARMED_CONFLICT, HazardFamily.CONFLICT),
        (Hazard.CIVIL_UNREST, HazardFamily.CONFLICT),
        (Hazard.UNEMPLOYMENT_SHOCK, HazardFamily.UNEMPLOYMENT),
        (Hazard.GDP_CONTRACTION, HazardFamily.GDP),
        (Hazard.INFLATION_SHOCK, HazardFamily.INFLATION),
        ("no-such-hazard", HazardFamily.OTHER),
    ],
)
def test_hazard_family(hazard, family):
    assert hazard_family(hazard) is family


def test_every_hazard_has_a_family():
    assert all(isinstance(hazard_family(h), HazardFamily) for h in Hazard)


def test_disaster_key_is_family_and_status_so_strong_refs_across_countries_meet():
    turkey = make_signal("a", countries=("TUR",), references=("glide:EQ-2023-000015-TUR",))
    syria = make_signal("b", countries=("SYR",), references=("glide:EQ-2023-000015-SYR",))
    tsunami = make_signal("c", hazard=Hazard.TSUNAMI, countries=("JPN",))
    assert correlation_key(turkey) == correlation_key(syria) == correlation_key(tsunami) == "seismic/actual"


def test_exercise_and_actual_never_share_a_key():
    actual = make_signal("a")
    drill = make_signal("b", status=SignalStatus.EXERCISE)
    test = make_signal("c", status=SignalStatus.TEST)
    assert correlation_key(actual) != correlation_key(drill) == correlation_key(test)


def test_conflict_and_economic_keys_include_the_primary_country():
    assert correlation_key(make_signal("a", hazard=Hazard.ARMED_CONFLICT, countries=("SDN", "TCD"))) == (
        "conflict/SDN/actual"
    )
    assert correlation_key(make_signal("b", hazard=Hazard.GDP_CONTRACTION, countries=("GRC",))) == (
        "gdp_contraction/GRC/actual"
    )
    assert correlation_key(make_signal("c", hazard=Hazard.CIVIL_UNREST, countries=())) == "conflict/none/actual"


@pytest.mark.parametrize(
    ("ref", "key"),
    [
        ("glide:EQ-2023-000015-TUR", "glide:EQ-2023-000015"),
        ("GLIDE:eq-2023-000015-syr", "glide:EQ-2023-000015"),
        ("gdacs:EQ:1278646", "gdacs:EQ:1278646"),
        ("gdacs:eq:1278646:1387477", "gdacs:EQ:1278646"),
        ("usgs:US6000LEN8", "usgs:us6000len8"),
        ("cap:GDACS_EQ_1278646_1387477", "cap:GDACS_EQ_1278646_1387477"),
        ("indicator:NY.GDP.MKTP.CD:GRC:2009", None),
        ("reliefweb:25466", None),
        ("gdacs:EQ", None),
        ("usgs:", None),
    ],
)
def test_strong_reference_normalisation(ref, key):
    assert normalise_strong_ref(ref) == key


def test_strong_refs_dedupes():
    assert strong_refs(["glide:FL-2015-000100-BFA", "glide:FL-2015-000100-NER", "x:1"]) == {
        "glide:FL-2015-000100"
    }
