"""apply_signal / correlate: matching rules, idempotence, exercise isolation, escalation, events."""

from datetime import datetime, timezone

import pytest

from responders.crises import (
    CrisisEventType,
    CrisisIndex,
    CrisisStatus,
    NaiveDatetimeError,
    apply_signal,
    close_crisis,
    correlate,
)
from vocabulary.signals import Hazard, Severity, SignalStatus

from .factories import T0, by_source_id, days, make_signal, usgs_signals


def run(signals, index=None):
    index = index if index is not None else CrisisIndex()
    outcomes = [correlate(index, s, s.observed_at) for s in signals]
    return index, outcomes


def groups(index):
    return sorted(sorted(c.signal_ids) for c in index.open_crises())


def test_gdacs_alerts_with_the_same_event_id_merge_whatever_time_and_place():
    first = make_signal("EQ:1278646:1", references=("gdacs:EQ:1278646",), lat=-29.5, lon=-177.0,
                        countries=())
    # a later episode 10 days on, 600 km away, with an episode in the reference: beyond every window
    second = make_signal("EQ:1278646:2", references=("gdacs:eq:1278646:1387477",), lat=-24.5,
                         lon=-176.0, countries=("TON",), at=T0 + days(10))
    index, outcomes = run([first, second])
    assert len(index) == 1
    assert [e.type for e in outcomes[1].events][0] is CrisisEventType.UPDATED
    crisis = index.open_crises().__next__()
    assert crisis.signal_count == 2 and crisis.countries == ["TON"]


def test_glide_numbers_of_one_event_in_two_countries_merge():
    turkey = make_signal("tr", countries=("TUR",), lat=37.2, lon=37.0, references=("glide:EQ-2023-000015-TUR",))
    syria = make_signal("sy", countries=("SYR",), lat=36.2, lon=36.2, at=T0 + days(9),
                        references=("glide:EQ-2023-000015-SYR",))
    index, _ = run([turkey, syria])
    assert len(index) == 1


def test_generic_references_do_not_link():
    a = make_signal("a", hazard=Hazard.GDP_CONTRACTION, countries=("GRC",), lat=None, lon=None,
                    at=datetime(2009, 6, 1, tzinfo=timezone.utc), references=("indicator:NY.GDP.MKTP.CD:GRC",))
    b = make_signal("b", hazard=Hazard.GDP_CONTRACTION, countries=("GRC",), lat=None, lon=None,
                    at=datetime(2010, 6, 1, tzinfo=timezone.utc), references=("indicator:NY.GDP.MKTP.CD:GRC",))
    index, _ = run([a, b])
    assert len(index) == 2


def test_economic_shock_same_country_family_and_year_is_one_crisis():
    def econ(sid, hazard, country, when):
        return make_signal(sid, hazard=hazard, countries=(country,), lat=None, lon=None, at=when)

    jan, nov = datetime(2009, 1, 15, tzinfo=timezone.utc), datetime(2009, 11, 30, tzinfo=timezone.utc)
    signals = [
        econ("gdp-grc-q1", Hazard.GDP_CONTRACTION, "GRC", jan),
        econ("gdp-grc-q4", Hazard.GDP_CONTRACTION, "GRC", nov),
        econ("unemp-grc", Hazard.UNEMPLOYMENT_SHOCK, "GRC", nov),  # another indicator family
        econ("gdp-esp", Hazard.GDP_CONTRACTION, "ESP", nov),  # another country
        econ("gdp-grc-2010", Hazard.GDP_CONTRACTION, "GRC", datetime(2010, 1, 2, tzinfo=timezone.utc)),
    ]
    index, _ = run(signals)
    assert sorted(c.signal_count for c in index.open_crises()) == [1, 1, 1, 2]


def test_two_quakes_in_one_country_weeks_apart_stay_separate():
    a = make_signal("a", at=T0)
    b = make_signal("b", at=T0 + days(21))
    index, _ = run([a, b])
    assert len(index) == 2


def test_same_country_but_too_far_stays_separate():
    herat = make_signal("a", lat=34.35, lon=62.2)
    kabul = make_signal("b", lat=34.53, lon=69.17, at=T0 + days(1))  # ~640 km > 300 km
    index, _ = run([herat, kabul])
    assert len(index) == 2


def test_offshore_quake_without_country_joins_by_distance():
    coast = make_signal("coast", countries=("JPN",), lat=38.3, lon=142.4)
    offshore = make_signal("sea", countries=(), lat=38.1, lon=143.9, at=T0 + days(2))  # ~130 km
    far = make_signal("far", countries=(), lat=30.0, lon=150.0, at=T0 + days(2))
    index, _ = run([coast, offshore, far])
    assert groups(index) == sorted([sorted([coast.signal_id, offshore.signal_id]), [far.signal_id]])


def test_flood_joins_cyclone_in_the_same_country_within_14_days():
    cyclone = make_signal("tc", hazard=Hazard.TROPICAL_CYCLONE, countries=("MOZ",), lat=-19.8, lon=34.9)
    flood = make_signal("fl", hazard=Hazard.FLOOD, countries=("MOZ",), lat=-17.9, lon=35.3, at=T0 + days(12))
    late = make_signal("fl2", hazard=Hazard.FLOOD, countries=("MOZ",), lat=-17.9, lon=35.3, at=T0 + days(40))
    index, _ = run([cyclone, flood, late])
    assert sorted(c.signal_count for c in index.open_crises()) == [1, 2]


def test_drought_same_country_within_180_days_without_locations():
    a = make_signal("a", hazard=Hazard.DROUGHT, countries=("SOM",), lat=None, lon=None)
    b = make_signal("b", hazard=Hazard.DROUGHT, countries=("SOM",), lat=None, lon=None, at=T0 + days(150))
    c = make_signal("c", hazard=Hazard.DROUGHT, countries=("KEN",), lat=None, lon=None, at=T0 + days(10))
    index, _ = run([a, b, c])
    assert sorted(c.signal_count for c in index.open_crises()) == [1, 2]


def test_conflict_needs_same_country_and_100_km():
    khartoum = make_signal("k", hazard=Hazard.ARMED_CONFLICT, countries=("SDN",), lat=15.5, lon=32.5)
    omdurman = make_signal("o", hazard=Hazard.ARMED_CONFLICT, countries=("SDN",), lat=15.65, lon=32.48,
                           at=T0 + days(3))
    el_fasher = make_signal("f", hazard=Hazard.ARMED_CONFLICT, countries=("SDN",), lat=13.63, lon=25.35,
                            at=T0 + days(3))
    unlocated = make_signal("u", hazard=Hazard.CIVIL_UNREST, countries=("SDN",), lat=None, lon=None,
                            at=T0 + days(20))
    index, _ = run([khartoum, omdurman, el_fasher, unlocated])
    # without a location, same country within 30 days suffices (equal gaps: the older crisis wins)
    assert sorted(c.signal_count for c in index.open_crises()) == [1, 3]


def test_same_signal_twice_changes_nothing_and_emits_nothing():
    s = make_signal("a")
    index = CrisisIndex()
    first = correlate(index, s, T0)
    before = [c.model_dump() for c in index.open_crises()]
    again = correlate(index, s, T0 + days(1))
    assert first.changed and len(first.events) == 1
    assert not again.changed and again.events == () and again.duplicate_of == first.crises_to_write[0].crisis_id
    assert [c.model_dump() for c in index.open_crises()] == before


def test_duplicate_of_a_joined_signal_is_ignored_too():
    a, b = make_signal("a"), make_signal("b", at=T0 + days(1))
    index, _ = run([a, b])
    assert not correlate(index, b, T0 + days(2)).changed


def test_redelivery_to_a_fresh_state_gives_the_same_ids():
    """Replaying from scratch yields the same crisis and event ids (deterministic)."""
    signals = [make_signal("a"), make_signal("b", at=T0 + days(1), severity=Severity.EXTREME)]
    _, first = run(signals)
    _, second = run(signals)
    assert [[e.event_id for e in o.events] for o in first] == [[e.event_id for e in o.events] for o in second]
    assert first[0].crises_to_write[0].crisis_id == second[0].crises_to_write[0].crisis_id
    ids = [e.event_id for o in first for e in o.events]
    assert len(ids) == len(set(ids))


def test_exercise_signal_never_merges_with_an_actual_crisis():
    actual = make_signal("a", references=("usgs:us6000len8",))
    drill = make_signal("drill", status=SignalStatus.EXERCISE, references=("usgs:us6000len8",))
    test = make_signal("test", status=SignalStatus.TEST, at=T0 + days(1))
    index, outcomes = run([actual, drill, test])
    crises = {c.exercise: c for c in index.open_crises()}
    assert len(index) == 2
    assert crises[False].signal_ids == [actual.signal_id]
    assert crises[True].signal_ids == [drill.signal_id, test.signal_id]
    assert outcomes[1].events[0].type is CrisisEventType.OPENED and outcomes[1].events[0].exercise


def test_exercise_variant_of_the_real_herat_mainshock_is_kept_apart():
    real = usgs_signals()
    herat = by_source_id(real)["us6000len8"]
    drill = herat.model_copy(update={"status": SignalStatus.EXERCISE, "signal_id": "sig-drill-1"})
    index, _ = run([*real, drill])
    drills = [c for c in index.open_crises() if c.exercise]
    assert [c.signal_ids for c in drills] == [["sig-drill-1"]]


def test_out_of_order_arrival_still_correlates():
    later = make_signal("later", at=T0 + days(6))
    earlier = make_signal("earlier", at=T0)  # arrives second, 6 days older
    index, _ = run([later, earlier])
    (crisis,) = index.open_crises()
    assert crisis.first_signal_at == T0 and crisis.last_signal_at == T0 + days(6)
    # the window is measured from the crisis span in both directions
    before_span = make_signal("x", at=T0 - days(6))
    correlate(index, before_span, T0 + days(7))
    assert len(index) == 1 and index.get(crisis.crisis_id).signal_count == 3


def test_severity_rise_emits_escalated():
    index = CrisisIndex()
    opened = correlate(index, make_signal("a", severity=Severity.MODERATE), T0)
    same = correlate(index, make_signal("b", severity=Severity.MINOR, at=T0 + days(1)), T0 + days(1))
    rise = correlate(index, make_signal("c", severity=Severity.EXTREME, at=T0 + days(2)), T0 + days(2))
    assert [e.type for e in opened.events] == [CrisisEventType.OPENED]
    assert [e.type for e in same.events] == [CrisisEventType.UPDATED]
    assert [e.type for e in rise.events] == [CrisisEventType.UPDATED, CrisisEventType.ESCALATED]
    crisis = rise.crises_to_write[0]
    assert crisis.status is CrisisStatus.ESCALATED and crisis.severity is Severity.EXTREME
    changes = {c.field: (c.old, c.new) for c in rise.events[1].changes}
    assert changes["severity"] == ("moderate", "extreme") and changes["status"] == ("open", "escalated")
    assert [h.change for h in crisis.history] == ["opened", "signal_added", "escalated"]


def test_affected_population_crossing_a_threshold_escalates():
    index = CrisisIndex()
    correlate(index, make_signal("a", population=2_000), T0)
    small = correlate(index, make_signal("b", population=8_000, at=T0 + days(1)), T0)
    big = correlate(index, make_signal("c", population=250_000, at=T0 + days(1)), T0)
    assert [e.type for e in small.events] == [CrisisEventType.UPDATED]
    assert CrisisEventType.ESCALATED in [e.type for e in big.events]
    assert big.crises_to_write[0].affected_population == 250_000


def test_updated_event_lists_the_changes():
    index = CrisisIndex()
    correlate(index, make_signal("a", countries=("AFG",), references=("usgs:a",)), T0)
    out = correlate(index, make_signal("b", countries=("AFG", "IRN"), references=("usgs:b",), at=T0 + days(1)), T0)
    changes = {c.field: c for c in out.events[0].changes}
    assert changes["countries"].added == ["IRN"]
    assert changes["references"].added == ["usgs:b"]
    assert (changes["signal_count"].old, changes["signal_count"].new) == (1, 2)
    assert out.events[0].crisis.signal_count == 2


def test_a_closed_crisis_never_reopens_even_with_a_strong_reference():
    index = CrisisIndex()
    opened = correlate(index, make_signal("a", references=("gdacs:EQ:1",)), T0)
    closed, _ = close_crisis(opened.crises_to_write[0], T0 + days(40))
    index.upsert(closed)
    out = correlate(index, make_signal("b", references=("gdacs:EQ:1",), at=T0 + days(41)), T0 + days(41))
    assert [e.type for e in out.events] == [CrisisEventType.OPENED]
    assert out.crises_to_write[0].crisis_id != closed.crisis_id
    # a redelivered signal of the closed crisis is still recognised
    again = correlate(index, make_signal("a", references=("gdacs:EQ:1",)), T0 + days(42))
    assert again.duplicate_of == closed.crisis_id and again.events == ()


def test_best_match_prefers_strong_reference_then_nearest_time():
    a = make_signal("a", at=T0, references=("gdacs:EQ:7",))
    b = make_signal("b", lat=34.9, at=T0 + days(12))  # a second crisis nearby, not within 7 days of a
    index, _ = run([a, b])
    assert len(index) == 2
    linked = make_signal("c", at=T0 + days(6), references=("gdacs:EQ:7",))  # near both in time/space
    out = correlate(index, linked, T0)
    assert a.signal_id in out.crises_to_write[0].signal_ids
    nearer_b = make_signal("d", at=T0 + days(10))
    out = correlate(index, nearer_b, T0)
    assert b.signal_id in out.crises_to_write[0].signal_ids


def test_naive_now_is_refused():
    with pytest.raises(NaiveDatetimeError):
        apply_signal(CrisisIndex(), make_signal("a"), datetime(2024, 1, 1))


def test_apply_signal_does_not_touch_the_index():
    index = CrisisIndex()
    out = apply_signal(index, make_signal("a"), T0)
    assert out.changed and len(index) == 0
