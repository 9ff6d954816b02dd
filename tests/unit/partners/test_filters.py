"""Subscription filters (AND across fields, OR within), event type patterns, minimum severity, entitlement."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from responders.partners.filters import Grant, SubscriptionFilter, entitled, type_matches, validate_type_pattern

from .factories import event

QUAKE_TUR = dict(kind="disaster", hazard="earthquake", countries=["TUR", "SYR"], regions=["anatolia"],
                 severity="severe")


@pytest.mark.parametrize("filters, facts, expected", [
    ({}, {}, True),  # the empty filter passes everything, even an event without facts
    ({"kinds": ["disaster"]}, QUAKE_TUR, True),
    ({"kinds": ["conflict"]}, QUAKE_TUR, False),
    ({"kinds": ["conflict", "disaster"]}, QUAKE_TUR, True),  # OR within a field
    ({"hazards": ["flood", "earthquake"]}, QUAKE_TUR, True),
    ({"hazards": ["Earthquake"]}, QUAKE_TUR, True),  # case does not matter
    ({"countries": ["SYR"]}, QUAKE_TUR, True),  # any of the event's countries
    ({"countries": ["phl", "grc"]}, QUAKE_TUR, False),
    ({"regions": ["Anatolia"]}, QUAKE_TUR, True),
    ({"regions": ["sahel"]}, QUAKE_TUR, False),
    ({"hazards": ["earthquake"], "countries": ["TUR"]}, QUAKE_TUR, True),  # AND across fields
    ({"hazards": ["earthquake"], "countries": ["PHL"]}, QUAKE_TUR, False),
    ({"hazards": ["flood"], "countries": ["TUR"]}, QUAKE_TUR, False),
    ({"kinds": ["disaster"], "hazards": ["earthquake"], "countries": ["TUR"], "regions": ["anatolia"],
      "min_severity": "severe"}, QUAKE_TUR, True),
    ({"hazards": ["earthquake"]}, {"kind": "disaster"}, False),  # the fact is missing: no match
    ({"countries": ["TUR"]}, {"hazard": "earthquake"}, False),
    ({"countries": ["TUR"]}, {"countries": "TUR"}, True),  # a single string counts as a one-item list
    ({"min_severity": "moderate"}, {"severity": "severe"}, True),
    ({"min_severity": "severe"}, {"severity": "severe"}, True),
    ({"min_severity": "severe"}, {"severity": "moderate"}, False),
    ({"min_severity": "extreme"}, {"severity": "severe"}, False),
    ({"min_severity": "minor"}, {"severity": "minor"}, True),
    ({"min_severity": "minor"}, {"severity": "unknown"}, False),  # not on the scale
    ({"min_severity": "minor"}, {}, False),
    ({"hazards": ["earthquake"], "min_severity": "moderate"},
     {"crisis": {"hazard": "earthquake", "severity": "extreme"}}, True),  # crisis events nest their facts
])
def test_matches(filters, facts, expected):
    assert SubscriptionFilter(**filters).matches(event(**facts)) is expected


@pytest.mark.parametrize("patterns, type_, expected", [
    (["rrc.*"], "rrc.crisis.opened", True),
    (["rrc.deployment.*"], "rrc.deployment.requested", True),
    (["rrc.deployment.*"], "rrc.deployments.requested", False),
    (["rrc.deployment.*"], "rrc.deployment", False),
    (["rrc.crisis.opened"], "rrc.crisis.opened", True),
    (["rrc.crisis.opened"], "rrc.crisis.opened.x", False),
    (["rrc.crisis.closed", "rrc.plan.*"], "rrc.plan.approved", True),
    (["rrc.crisis.closed", "rrc.plan.*"], "rrc.crisis.opened", False),
])
def test_event_type_patterns(patterns, type_, expected):
    assert SubscriptionFilter(event_types=patterns).matches(event(type_)) is expected


@pytest.mark.parametrize("pattern", ["crisis.opened", "rrc", "rrc.", "*", "rrc.*.opened", "rrc.crisis*",
                                     "rrc.crisis.*.*", "rrc.Crisis.opened", "rrc..opened", "other.crisis.opened",
                                     "rrc.crisis.opened "])
def test_invalid_patterns_are_refused(pattern):
    with pytest.raises(ValueError):
        validate_type_pattern(pattern)
    with pytest.raises(ValidationError):
        SubscriptionFilter(event_types=[pattern])


def test_type_matches_directly():
    assert type_matches("rrc.*", "rrc.x") and not type_matches("rrc.*", "other.x")


@pytest.mark.parametrize("filters", [{"countries": ["ZZZ"]}, {"countries": ["TR"]}, {"min_severity": "unknown"},
                                     {"hazards": [" "]}, {"colour": ["red"]}])
def test_invalid_filters_are_refused(filters):
    with pytest.raises(ValidationError):
        SubscriptionFilter(**filters)


def test_filter_values_are_normalised():
    f = SubscriptionFilter(countries=["tur", "TUR", " syr "], hazards=["Flood", "flood"])
    assert f.countries == ["TUR", "SYR"] and f.hazards == ["flood"]


@pytest.mark.parametrize("grant, exercise, visibility, expected", [
    (Grant(), False, None, True),
    (Grant(), True, None, False),
    (Grant(exercise=True), True, None, True),
    (Grant(), False, "restricted", False),
    (Grant(), False, "private", False),
    (Grant(), False, "public", True),
    (Grant(restricted=True), False, "restricted", True),
    (Grant(restricted=True), True, "restricted", False),
    (Grant(restricted=True, exercise=True), True, "private", True),
])
def test_entitled(grant, exercise, visibility, expected):
    facts = {"visibility": visibility} if visibility else {}
    assert entitled(grant, event(exercise=exercise, **facts)) is expected


def test_grant_forbids_unknown_fields():
    with pytest.raises(ValidationError):
        Grant(admin=True)
