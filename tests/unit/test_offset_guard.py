"""OffsetGuard: the offsets missing before a record are reported once, so the agent can read them itself."""

from streams.agents.offsets import OffsetGuard


def test_in_order_records_have_no_hole_from_the_committed_offset_on():
    guard = OffsetGuard()
    assert [guard.check("p1", o, committed=10) for o in (10, 11, 12)] == [range(0)] * 3
    assert guard.expected["p1"] == 13 and guard.holes == 0


def test_a_hole_in_the_middle_is_reported_with_exactly_the_missing_offsets():
    guard = OffsetGuard()
    for o in (0, 1, 2, 3):
        assert not guard.check("p", o)
    assert guard.check("p", 7) == range(4, 7)
    assert not guard.check("p", 8)
    assert guard.holes == 1


def test_a_hole_at_the_first_record_after_assignment_is_caught_from_the_committed_offset():
    guard = OffsetGuard()
    assert guard.check("p", 210, committed=209) == range(209, 210)


def test_redeliveries_of_earlier_offsets_are_no_hole_and_do_not_move_the_position_back():
    guard = OffsetGuard()
    for o in (0, 1, 2):
        guard.check("p", o)
    assert not guard.check("p", 1)
    assert guard.expected["p"] == 3
    assert not guard.check("p", 3)


def test_partitions_are_independent_and_reset_forgets_positions():
    guard = OffsetGuard()
    guard.check("a", 0)
    assert not guard.check("b", 7)  # no committed offset known: start where the stream starts
    assert guard.check("a", 2) == range(1, 2)
    guard.reset()
    assert not guard.check("a", 5) and not guard.check("b", 100)
