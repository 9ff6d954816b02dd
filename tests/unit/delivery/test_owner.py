"""The delivery owner over a memory table: tracking starts at launch, facts and reports move statuses, each
status is announced once, reports are versioned and refused with the field named."""

from __future__ import annotations

from datetime import date, timedelta

from responders.delivery.models import (
    EvaluateDue,
    TargetEventData,
    NotifyOffice,
    ReportInput,
    ReportValue,
    StaffingObserved,
    SubmitReport,
    TargetSpecIn,
    TrackIntervention,
)
from responders.delivery.owner import decide
from responders.delivery.targets import Rules
from responders.messages import MemoryTable, Public, Received
from responders.plans.models import PlanEvent
from tests.factories import T0

H = timedelta(hours=1)
IV = "int-1"


def track() -> TrackIntervention:
    return TrackIntervention(intervention_id=IV, crisis_id="cri-1", countries=["IDN"], hazard="earthquake",
                             launched_at=T0, targets=[
                                 TargetSpecIn(target_id="first_expert_accepted", label="First accepted",
                                              kind="deadline", value=1, unit="event", due_at=T0 + 24 * H),
                                 TargetSpecIn(target_id="person_days", label="Person-days", kind="quantity",
                                              value=1000, unit="person_days", due_at=T0 + 100 * 24 * H)])


def report(n: int, value: float, day: int, target: str = "person_days", corrects: str | None = None) -> SubmitReport:
    return SubmitReport(intervention_id=IV, crisis_id="cri-1", command_id=f"cmd-{n}", report_id=f"rpt-{n}",
                        actor="tok-1", role="coordinator", issued_at=T0 + day * 24 * H,
                        report=ReportInput(period_start=date(2026, 3, 2), period_end=(T0 + day * 24 * H).date(),
                                           values=[ReportValue(target_id=target, value=value)], corrects=corrects))


def run(table: MemoryTable, message, now):
    decision = decide(table, [Received(message, 0)], now)
    table.apply(decision)
    return decision


def statuses(table: MemoryTable) -> dict[str, str]:
    return {t.target_id: t.status.value for t in table.rows[IV].targets}


def announced(decision) -> list[str]:
    return [e.event.type for e in decision.emits if isinstance(e, Public)]


def test_time_alone_moves_a_deadline_and_each_status_is_announced_once():
    table = MemoryTable()
    first = run(table, track(), T0)
    assert statuses(table) == {"first_expert_accepted": "on_track", "person_days": "unknown"}
    assert IV in first.writes  # written, and so to rrc.delivery.state (the table's changelog)
    assert table.rows[IV].next_check_at == T0 + 18 * H
    assert announced(run(table, EvaluateDue(intervention_id=IV, command_id="d1", issued_at=T0 + 19 * H),
                         T0 + 19 * H)) == ["rrc.target.at_risk"]
    assert announced(run(table, EvaluateDue(intervention_id=IV, command_id="d2", issued_at=T0 + 20 * H),
                         T0 + 20 * H)) == []
    assert announced(run(table, EvaluateDue(intervention_id=IV, command_id="d3", issued_at=T0 + 24 * H),
                         T0 + 24 * H)) == ["rrc.target.missed"]
    assert run(table, track(), T0 + 25 * H).emits == []  # a replayed launch changes nothing


def test_one_sweep_command_re_evaluates_every_intervention_it_names():
    table = MemoryTable()
    ids = [f"int-{n}" for n in range(3)]
    for iid in ids:
        table.apply(decide(table, [Received(track().model_copy(update={"intervention_id": iid}), 0)], T0))
    due = EvaluateDue(intervention_id=ids[0], also=[*ids[1:], "int-unknown"], command_id="d1", issued_at=T0 + 19 * H)
    assert dict(due.record().headers)["rrc-weight"] == b"4"  # it counts as four inputs in the owner's batch
    decision = decide(table, [Received(due, 2)], T0 + 19 * H)
    table.apply(decision)
    assert sorted(e.event.subject for e in decision.emits if isinstance(e, Public)) == ids  # one at_risk each
    assert {key: partition for key, (_, partition) in decision.writes.items()} == {iid: 2 for iid in ids}
    assert not decision.rejected  # an intervention it does not know is nothing to do, as alone


def test_a_sweep_leaves_a_quantity_before_its_check_as_it_was_and_misses_it_at_its_due_time():
    table = MemoryTable()
    run(table, track(), T0)
    run(table, report(1, 10, 2), T0 + 2 * 24 * H)
    run(table, report(2, 5, 4), T0 + 4 * 24 * H)  # a pace of 2.5 a day: far short of 1,000 in 100 days
    before = next(t for t in table.rows[IV].targets if t.target_id == "person_days")
    assert (before.status.value, before.next_check_at) == ("off_track", T0 + 100 * 24 * H)
    run(table, EvaluateDue(intervention_id=IV, command_id="d1", issued_at=T0 + 50 * 24 * H), T0 + 50 * 24 * H)
    after = next(t for t in table.rows[IV].targets if t.target_id == "person_days")
    assert after is before  # only the time moved, and not past its own check: not evaluated again
    assert statuses(table)["first_expert_accepted"] == "missed"
    missed = run(table, EvaluateDue(intervention_id=IV, command_id="d2", issued_at=T0 + 100 * 24 * H),
                 T0 + 100 * 24 * H)
    assert statuses(table)["person_days"] == "missed"
    assert announced(missed) == ["rrc.target.missed"]
    assert table.rows[IV].next_check_at is None  # nothing left for time alone to move


def test_a_sweep_leaves_a_deadline_before_its_check_as_it_was_and_its_reason_stays_true():
    table = MemoryTable()
    run(table, track(), T0)
    before = next(t for t in table.rows[IV].targets if t.target_id == "first_expert_accepted")
    assert before.reason == ("not done yet; at risk from 2026-03-03T02:00:00Z (75% of the window gone), "
                             "due 2026-03-03T08:00:00Z")
    run(table, EvaluateDue(intervention_id=IV, command_id="d1", issued_at=T0 + 17 * H), T0 + 17 * H)
    assert next(t for t in table.rows[IV].targets if t.target_id == "first_expert_accepted") is before
    run(table, EvaluateDue(intervention_id=IV, command_id="d2", issued_at=T0 + 19 * H), T0 + 19 * H)
    after = next(t for t in table.rows[IV].targets if t.target_id == "first_expert_accepted")
    assert (after.status.value, after.next_check_at) == ("at_risk", T0 + 24 * H)
    assert after.reason == "not done, and 75% of the window gone at 2026-03-03T02:00:00Z; due 2026-03-03T08:00:00Z"


def test_a_target_event_carries_the_data_its_model_documents():
    table = MemoryTable()
    steps = [(track(), T0), (report(1, 10, 2), T0 + 2 * 24 * H), (report(2, 5, 4), T0 + 4 * 24 * H)]
    events = [e.event for message, at in steps for e in run(table, message, at).emits if isinstance(e, Public)]
    assert [e.type for e in events] == ["rrc.target.missed", "rrc.target.off_track"]
    for event in events:  # the same JSON the model gives: same fields, same order, same formats
        assert TargetEventData.model_validate(event.data).model_dump(mode="json") == event.data
        assert list(event.data) == list(TargetEventData.model_fields)
    assert events[0].data["target"]["due_at"] == "2026-03-03T08:00:00Z" and events[0].data["projection"] is None
    off_track = events[1].data
    assert off_track["projection"]["method"] == "linear" and off_track["reported"] == 15.0
    assert off_track["target"] == {"target_id": "person_days", "label": "Person-days", "kind": "quantity",
                                   "value": 1000.0, "unit": "person_days", "due_at": "2026-06-10T08:00:00Z"}


def test_a_staffing_fact_meets_a_deadline():
    table = MemoryTable()
    run(table, track(), T0)
    decision = run(table, StaffingObserved(intervention_id=IV, crisis_id="cri-1",
                                           facts={"first_expert_accepted": T0 + 3 * H}, deployed=["exp-1"]),
                   T0 + 3 * H)
    assert announced(decision) == ["rrc.target.met"]
    assert statuses(table)["first_expert_accepted"] == "met" and table.rows[IV].reporters == ["exp-1"]
    event = next(e for e in decision.emits if isinstance(e, Public)).event
    assert event.data["target"]["target_id"] == "first_expert_accepted" and "exp-1" not in str(event.data)


def test_reports_project_a_pace_and_a_correction_is_a_new_version():
    table = MemoryTable()
    run(table, track(), T0)
    run(table, report(1, 100, 10), T0 + 240 * H)
    assert statuses(table)["person_days"] == "unknown"
    run(table, report(2, 100, 20), T0 + 480 * H)
    assert statuses(table)["person_days"] == "on_track"
    slow = run(table, report(3, 5, 30), T0 + 720 * H)
    assert statuses(table)["person_days"] == "off_track" and announced(slow) == ["rrc.target.off_track"]
    result = next(e for e in slow.emits if isinstance(e, PlanEvent)).result
    assert result.status_code == 201 and result.report_id == "rpt-3"
    fixed = run(table, report(4, 100, 30, corrects="rpt-3"), T0 + 721 * H)
    versions = table.rows[IV].reports["rpt-3"]
    assert [v.version for v in versions] == [1, 2] and versions[0].values[0].value == 5  # nothing overwritten
    assert statuses(table)["person_days"] == "on_track"
    assert next(e for e in fixed.emits if isinstance(e, PlanEvent)).result.report_id == "rpt-3"


def test_a_report_on_an_unknown_target_or_correcting_nothing_is_refused_naming_the_field():
    table = MemoryTable()
    run(table, track(), T0)
    bad = run(table, report(1, 3, 1, target="no_such_target"), T0 + 24 * H)
    result = next(e for e in bad.emits if isinstance(e, PlanEvent)).result
    assert result.status_code == 422 and result.detail.startswith("values[0].target_id:")
    wrong = run(table, report(2, 3, 1, corrects="rpt-404"), T0 + 24 * H)
    assert next(e for e in wrong.emits if isinstance(e, PlanEvent)).result.detail.startswith("corrects:")
    assert table.rows[IV].reports == {}


def test_an_office_warned_many_times_by_one_batch_gets_digests_that_list_every_warning():
    offices = Rules(offices_for=lambda countries: ["co-jakarta"] if "IDN" in countries else ["co-manila"],
                    digest_over=3)
    table = MemoryTable()
    ids = [f"int-{n:03d}" for n in range(250)]
    tracked = [Received(track().model_copy(update={"intervention_id": iid}), 0) for iid in ids]
    tracked.append(Received(track().model_copy(update={"intervention_id": "int-phl", "countries": ["PHL"]}), 0))
    table.apply(decide(table, tracked, T0, offices))
    due = EvaluateDue(intervention_id=ids[0], also=[*ids[1:], "int-phl"], command_id="d1", issued_at=T0 + 19 * H)
    decision = decide(table, [Received(due, 0)], T0 + 19 * H, offices)
    table.apply(decision)
    told = [e for e in decision.emits if isinstance(e, NotifyOffice)]
    alone = [n for n in told if n.event_type == "rrc.target.at_risk"]
    digests = [n for n in told if n.event_type == "rrc.delivery.digest"]
    assert [(n.office_id, n.intervention_id) for n in alone] == [("co-manila", "int-phl")]  # one: under the line
    assert [(d.office_id, len(d.warnings)) for d in digests] == [("co-jakarta", 200), ("co-jakarta", 50)]
    listed = [w.intervention_id for d in digests for w in d.warnings]
    assert sorted(listed) == ids  # every warning, once
    assert all(w.notification_id == f"ntf-co-jakarta-{w.intervention_id}-tgt-first_expert_accepted-"
                                     f"rrc.target.at_risk" for d in digests for w in d.warnings)
    assert digests[0].subject == "200 early warnings (part 1 of 2): 200 at risk"
    assert "and 180 more" in digests[0].text and "GET /v1/interventions/int-000/targets" in digests[0].text
    assert len([e for e in decision.emits if isinstance(e, Public)]) == 251  # the public events: one per target
    # The same batch decided again (a retry) gives the same digests, with the same ids.
    retry = MemoryTable()
    retry.apply(decide(retry, tracked, T0, offices))
    ids_again = [e.notification_id for e in decide(retry, [Received(due, 0)], T0 + 19 * H, offices).emits
                 if isinstance(e, NotifyOffice)]
    assert ids_again == [n.notification_id for n in told]
    # The next sweep warns of nothing new, so it tells nobody anything.
    later = EvaluateDue(intervention_id=ids[0], also=ids[1:], command_id="d2", issued_at=T0 + 20 * H)
    assert not [e for e in decide(table, [Received(later, 0)], T0 + 20 * H, offices).emits
                if isinstance(e, NotifyOffice)]
