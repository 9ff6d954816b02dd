"""Target statuses from events, reports and time: deadline windows, projected pace, shares, no made-up dates."""

from __future__ import annotations

from datetime import timedelta

import pytest

from responders.delivery.targets import Point, Rules, TargetStatus, evaluate
from tests.factories import T0

H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.mark.parametrize("hours, happened, status", [
    (1, None, TargetStatus.ON_TRACK),
    (17.9, None, TargetStatus.ON_TRACK),
    (18, None, TargetStatus.AT_RISK),  # 75% of a 24 h window gone without the event
    (24, None, TargetStatus.MISSED),
    (30, 5, TargetStatus.MET),  # done in time stays met
    (30, 25, TargetStatus.MISSED),  # done late is still missed
])
def test_a_deadline_turns_at_risk_then_missed_unless_its_event_comes(hours, happened, status):
    verdict = evaluate("deadline", 1, "event", T0, T0 + 24 * H, [], T0 + happened * H if happened else None,
                       T0 + hours * H)
    assert verdict.status is status
    if status is TargetStatus.ON_TRACK:
        assert verdict.next_check_at == T0 + 18 * H
    if status is TargetStatus.AT_RISK:
        assert verdict.next_check_at == T0 + 24 * H


def test_a_quantity_needs_two_reports_for_a_pace():
    one = evaluate("quantity", 1000, "person_days", T0, T0 + 100 * D, [Point(T0 + 10 * D, 100)], None, T0 + 11 * D)
    assert one.status is TargetStatus.UNKNOWN and one.projection is None and "pace needs two" in one.reason
    assert evaluate("quantity", 1000, "person_days", T0, T0 + 100 * D, [], None, T0 + D).status is TargetStatus.UNKNOWN


def test_on_pace_is_on_track_and_a_report_far_below_pace_is_off_track_before_the_due_time():
    on_pace = [Point(T0 + 10 * D, 100), Point(T0 + 20 * D, 100)]
    verdict = evaluate("quantity", 1000, "person_days", T0, T0 + 100 * D, on_pace, None, T0 + 21 * D)
    assert verdict.status is TargetStatus.ON_TRACK
    assert verdict.projection["observed_pace_per_day"] == pytest.approx(10)
    assert verdict.projection["required_pace_per_day"] == pytest.approx(10)
    assert verdict.projection["projected_at_due"] == pytest.approx(1000)
    slow = evaluate("quantity", 1000, "person_days", T0, T0 + 100 * D, [*on_pace, Point(T0 + 30 * D, 5)], None,
                    T0 + 31 * D)
    assert slow.status is TargetStatus.OFF_TRACK and slow.reported == 205
    assert slow.projection["projected_at_due"] < 800 and "needed" in slow.reason


def test_a_projection_just_short_is_at_risk_and_reaching_the_value_is_met():
    behind = [Point(T0 + 10 * D, 100), Point(T0 + 20 * D, 90)]
    assert evaluate("quantity", 1000, "u", T0, T0 + 100 * D, behind, None, T0 + 21 * D).status is TargetStatus.AT_RISK
    done = evaluate("quantity", 150, "u", T0, T0 + 100 * D, behind, None, T0 + 21 * D)
    assert done.status is TargetStatus.MET and done.met_at == T0 + 20 * D
    late = evaluate("quantity", 1000, "u", T0, T0 + 100 * D, behind, None, T0 + 100 * D)
    assert late.status is TargetStatus.MISSED


def test_a_share_follows_its_latest_report():
    rules = Rules(off_track_margin=0.2)
    assert evaluate("share", 0.4, "b", T0, T0 + 10 * D, [], None, T0 + D, rules).status is TargetStatus.UNKNOWN
    points = [Point(T0 + D, 0.2), Point(T0 + 2 * D, 0.35)]
    assert evaluate("share", 0.4, "b", T0, T0 + 10 * D, points, None, T0 + 3 * D, rules).status is TargetStatus.AT_RISK
    assert evaluate("share", 0.4, "b", T0, T0 + 10 * D, points[:1], None, T0 + 3 * D,
                    rules).status is TargetStatus.OFF_TRACK
    assert evaluate("share", 0.3, "b", T0, T0 + 10 * D, points, None, T0 + 10 * D, rules).status is TargetStatus.MET
