"""History is not news: a signal observed longer ago than its hazard's quiet period joins or opens a crisis that is
already closed, marked historical, with no public event and no plan; it never mixes with today's crises."""

from __future__ import annotations

from datetime import timedelta

from responders.crises import CrisisIndex, correlate, is_history
from responders.crises.closing import resolve_quiet_periods
from responders.crises.models import CrisisEventType, CrisisStatus
from responders.crises.owner import CloseQuietCrises, CrisisRecorded, decide
from responders.crises.rules import HISTORY_JOINABLE, HazardFamily
from responders.messages import Public, Received
from vocabulary.signals import Hazard, Severity

from .factories import T0, days, make_signal
from .test_owner import owner

QUIET = resolve_quiet_periods()


def test_older_than_the_quiet_period_of_its_hazard_is_history():
    seismic = QUIET[HazardFamily.SEISMIC]
    assert not is_history(make_signal("a", at=T0 - seismic), T0, QUIET)
    assert is_history(make_signal("a", at=T0 - seismic - timedelta(seconds=1)), T0, QUIET)
    # a drought lasts: the same age is still news for it
    drought = make_signal("d", hazard=Hazard.DROUGHT, at=T0 - seismic - days(1))
    assert not is_history(drought, T0, QUIET)


def test_a_historical_signal_opens_a_closed_historical_crisis_that_is_not_news():
    index = CrisisIndex()
    out = correlate(index, make_signal("old", at=T0 - days(400), references=("gdacs:EQ:9",)), T0)
    [crisis] = out.crises_to_write
    assert crisis.status is CrisisStatus.CLOSED and crisis.historical and crisis.closed_at == T0
    assert [h.change for h in crisis.history] == ["history"]
    assert [e.type for e in out.events] == [CrisisEventType.CLOSED] and not out.news
    assert crisis.summary().historical


def test_historical_signals_of_one_event_make_one_crisis_and_today_never_joins_it():
    index = CrisisIndex()
    first = correlate(index, make_signal("old1", at=T0 - days(400), references=("gdacs:EQ:9",)), T0)
    again = correlate(index, make_signal("old2", at=T0 - days(399), references=("gdacs:EQ:9",)), T0 + days(0.01))
    [joined] = again.crises_to_write
    assert joined.crisis_id == first.crises_to_write[0].crisis_id and joined.signal_count == 2
    assert joined.status is CrisisStatus.CLOSED and not again.news
    assert [e.type for e in again.events] == [CrisisEventType.UPDATED]
    # a signal of today about the same event opens today's crisis (news), and a late historical one stays history
    today = correlate(index, make_signal("now", at=T0, references=("gdacs:EQ:9",)), T0)
    assert today.news and today.crises_to_write[0].crisis_id != joined.crisis_id
    assert today.crises_to_write[0].status is CrisisStatus.OPEN and not today.crises_to_write[0].historical
    late = correlate(index, make_signal("old3", at=T0 - days(398), references=("gdacs:EQ:9",)), T0)
    assert late.crises_to_write[0].crisis_id == joined.crisis_id, "history joins history, not today's crisis"


def test_a_historical_crisis_never_escalates():
    index = CrisisIndex()
    correlate(index, make_signal("o1", at=T0 - days(400), references=("r:1",), population=10), T0)
    out = correlate(index, make_signal("o2", at=T0 - days(400), references=("r:1",), population=2_000_000,
                                       severity=Severity.EXTREME), T0)
    [crisis] = out.crises_to_write
    assert crisis.status is CrisisStatus.CLOSED and crisis.escalated_at is None
    assert [e.type for e in out.events] == [CrisisEventType.UPDATED]


def test_the_owner_records_history_for_the_views_publishes_nothing_and_forgets_it_after_the_backfill():
    table, indexes, run = owner()
    decision = run(make_signal("old", at=T0 - days(400), references=("gdacs:EQ:7",)))
    assert [type(e) for e in decision.emits] == [CrisisRecorded]  # the views see it; no public CloudEvent
    assert not [e for e in decision.emits if isinstance(e, Public)]
    [crisis] = table.rows.values()
    assert crisis.historical and crisis.status is CrisisStatus.CLOSED
    assert indexes.of(0).get(crisis.crisis_id) is not None  # joinable while the backfill goes on
    assert run(CloseQuietCrises(now=T0 + HISTORY_JOINABLE / 2), now=T0 + HISTORY_JOINABLE / 2).emits == []
    assert indexes.of(0).get(crisis.crisis_id) is not None
    assert run(CloseQuietCrises(now=T0 + HISTORY_JOINABLE), now=T0 + HISTORY_JOINABLE).emits == []
    assert indexes.of(0).get(crisis.crisis_id) is None  # the sweep let it go: memory follows open crises
    # after a rebuild (rebalance, restart) a recent historical crisis is joinable again, an old one not
    indexes.stale = True
    decide(indexes, table, [Received(make_signal("x", at=T0), 0, 0)], T0 + HISTORY_JOINABLE / 2)
    assert indexes.of(0).get(crisis.crisis_id) is not None
    indexes.stale = True
    decide(indexes, table, [Received(make_signal("y", at=T0), 0, 0)], T0 + HISTORY_JOINABLE * 2)
    assert indexes.of(0).get(crisis.crisis_id) is None
