"""Planning domain without Kafka: proposals from templates and a generated roster, versions, edits, approval."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest

from config.plan_templates import load_templates
from responders.matching.index import RosterIndex
from responders.matching.requests import Reservation
from responders.matching.results import Blocker
from responders.plans import PlanBook, PlanPatch, PlanStatus, on_command, on_crisis_event
from responders.plans.models import RoleChange
from responders.roster import generate_roster
from tests.factories import crisis_recorded, plan_command

NOW = datetime(2026, 3, 2, 8, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def roster():
    experts, partners = generate_roster(400, 30, seed=11, epoch=date(2026, 3, 1))
    return RosterIndex.from_experts(experts), partners


def message(event_type: str, severity: str = "severe", *, event_id: str = "evt-1", exercise: bool = False,
            hazard: str = "earthquake", countries=("TUR",)):
    return crisis_recorded(event_type, severity, event_id=event_id, exercise=exercise, hazard=hazard,
                           countries=countries)


def propose(book, msg, roster, **kw):
    index, partners = roster
    return on_crisis_event(book, msg, NOW, load_templates(), index, partners, **kw)


def command(type_: str, plan_id=None, intervention_id=None, cid="cmd-1", patch=None):
    return plan_command(type_, plan_id, intervention_id, cid, patch, at=NOW)


def test_an_opened_severe_earthquake_gets_a_staffed_plan(roster):
    out = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster)
    [event] = out.events
    plan = event.plan
    assert event.type == "rrc.plan.proposed" and event.trigger_signal_id == "sig-1"
    assert plan.status is PlanStatus.PROPOSED and plan.version == 1
    assert plan.template_id == load_templates().select("earthquake", "severe").template_id
    seated = [e for r in plan.roles for e in r.chosen]
    assert seated, "a 400-expert roster seats somebody"
    assert len(seated) == len(set(seated)), "no expert in two seats"
    for role in plan.roles:
        assert len(role.chosen) + role.unfilled == role.count
        assert set(role.chosen) <= {c.expert_id for c in role.candidates}
        for c in role.candidates:
            assert sum(c.score_parts.values()) == pytest.approx(c.score)
        scores = [c.score for c in role.candidates[len(role.chosen):]]
        assert scores == sorted(scores, reverse=True), "alternates are ranked"
    assert plan.targets and {t.id for t in plan.targets} >= {"first_expert_accepted"}
    assert all(a.partners == sorted(a.partners, key=lambda p: -p.score) for a in plan.partner_asks)


def test_held_experts_are_not_proposed_and_near_misses_name_the_hold(roster):
    index, _ = roster
    role = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster).events[0].plan.roles[0]
    end = role.start + timedelta(days=role.duration_days - 1)
    # Everybody is committed elsewhere for the first role's days (another crisis's confirmed mission).
    held = [Reservation(e, role.start, end, "int-other", "cri-other", "confirmed") for e in index.live_ids()]
    again = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster, reservations=held)
    first = again.events[0].plan.roles[0]
    assert first.chosen == [] and first.candidates == [] and first.unfilled == first.count
    blocked = [n for n in first.near_misses if {"overlap", "rest"} & set(n.failed)]
    assert blocked, "held experts are listed as near misses"
    hold = Blocker(kind="hold", start=role.start, end=end, state="confirmed", intervention_id="int-other",
                   crisis_id="cri-other")
    assert all(hold in n.blocked_by for n in blocked)
    assert all(not n.blocked_by for n in first.near_misses if n not in blocked)


def test_replays_minor_crises_and_exercises_propose_nothing(roster):
    first = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster)
    assert not propose(first.book, message("rrc.crisis.opened"), roster).events  # the same event again
    assert not propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.updated", event_id="evt-2"), roster).events
    assert not propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", "minor"), roster).events
    assert not propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", exercise=True), roster).events
    exercise = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", exercise=True), roster,
                       plan_exercises=True)
    assert exercise.events[0].plan.exercise and exercise.events[0].exercise


def test_escalation_supersedes_the_proposal_but_never_an_approved_plan(roster):
    v1 = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", "moderate"), roster)
    v2 = propose(v1.book, message("rrc.crisis.escalated", "severe", event_id="evt-2"), roster)
    assert [e.type for e in v2.events] == ["rrc.plan.superseded", "rrc.plan.proposed"]
    old, new = v2.book.plans
    assert old.status is PlanStatus.SUPERSEDED and old.superseded_by == new.plan_id and new.version == 2

    approved = on_command(v1.book, command("approve_plan", v1.book.plans[0].plan_id), NOW).book
    v2b = propose(approved, message("rrc.crisis.escalated", "severe", event_id="evt-2"), roster)
    assert [e.type for e in v2b.events] == ["rrc.plan.proposed"]
    assert v2b.book.plans[0].status is PlanStatus.APPROVED and len(v2b.book.interventions) == 1


def test_approving_launches_one_intervention_and_again_launches_none(roster):
    book = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster).book
    plan_id = book.plans[0].plan_id
    out = on_command(book, command("approve_plan", plan_id), NOW)
    assert [e.type for e in out.events] == ["rrc.plan.approved", "rrc.intervention.launched", "rrc.command.result"]
    result = out.events[-1].result
    assert result.status_code == 201 and result.outcome == "applied"
    [intervention] = out.book.interventions
    assert intervention.plan.status is PlanStatus.APPROVED and intervention.plan_id == plan_id
    due = {t.id: t.due_at for t in intervention.targets}
    assert (due["first_expert_accepted"] - NOW).total_seconds() == 24 * 3600

    again = on_command(out.book, command("approve_plan", plan_id, cid="cmd-2"), NOW)
    assert [e.type for e in again.events] == ["rrc.command.result"]
    assert again.events[0].result.status_code == 200 and again.events[0].result.intervention_id == \
        intervention.intervention_id
    assert len(again.book.interventions) == 1
    assert not on_command(again.book, command("approve_plan", plan_id, cid="cmd-2"), NOW).events  # redelivery


def test_superseded_plans_cannot_be_approved_and_approved_plans_cannot_be_edited(roster):
    v1 = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", "moderate"), roster)
    v2 = propose(v1.book, message("rrc.crisis.escalated", "severe", event_id="evt-2"), roster)
    refused = on_command(v2.book, command("approve_plan", v2.book.plans[0].plan_id), NOW).events[-1].result
    assert refused.status_code == 409 and "superseded" in refused.detail
    approved = on_command(v2.book, command("approve_plan", v2.book.plans[1].plan_id), NOW).book
    edit = command("patch_plan", v2.book.plans[1].plan_id, cid="cmd-3", patch=PlanPatch())
    assert on_command(approved, edit, NOW).events[-1].result.status_code == 409
    assert on_command(approved, command("approve_plan", "pln-nope", cid="cmd-4"), NOW).events[-1].result.status_code == 404


def test_edits_change_counts_and_choices_within_the_candidates(roster):
    book = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster).book
    plan = book.plans[0]
    role = next(r for r in plan.roles if len(r.candidates) > len(r.chosen))  # a role with an alternate
    pick = [role.candidates[-1].expert_id]
    others = {e for r in plan.roles if r.role != role.role for e in r.chosen}
    assert pick[0] not in others, "alternates are experts seated nowhere in the plan"
    patch = PlanPatch(roles=[RoleChange(role=role.role, count=role.count + 1, chosen=pick)])
    out = on_command(book, command("patch_plan", plan.plan_id, patch=patch), NOW)
    revised = out.book.plans[0]
    changed = next(r for r in revised.roles if r.role == role.role)
    assert revised.revision == 2 and changed.count == role.count + 1 and changed.chosen == pick
    assert changed.unfilled == role.count
    assert [e.type for e in out.events] == ["rrc.plan.revised", "rrc.command.result"]

    bad = [PlanPatch(roles=[RoleChange(role="nobody")]),
           PlanPatch(roles=[RoleChange(role=role.role, chosen=["exp-not-a-candidate"])]),
           PlanPatch(roles=[RoleChange(role=role.role, count=1, chosen=[c.expert_id for c in role.candidates[:2]])])]
    for i, p in enumerate(bad):
        result = on_command(book, command("patch_plan", plan.plan_id, cid=f"bad-{i}", patch=p), NOW).events[-1].result
        assert result.status_code == 422 and result.detail.startswith("roles"), result


def test_closing_an_intervention_is_idempotent_and_public_events_name_no_expert(roster):
    book = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened"), roster).book
    launched = on_command(book, command("approve_plan", book.plans[0].plan_id), NOW)
    intervention_id = launched.book.interventions[0].intervention_id
    closed = on_command(launched.book, command("close_intervention", intervention_id=intervention_id, cid="c2"), NOW)
    assert closed.events[0].type == "rrc.intervention.closed"
    assert closed.book.interventions[0].status.value == "closed"
    again = on_command(closed.book, command("close_intervention", intervention_id=intervention_id, cid="c3"), NOW)
    assert again.events[-1].result.outcome == "unchanged"
    public = str(launched.events[1].public_data())
    assert not any(e in public for r in book.plans[0].roles for e in r.chosen)


def test_a_crisis_with_no_known_country_still_gets_ranked_experts_and_says_what_is_missing(roster):
    out = propose(PlanBook(crisis_id="cri-1"), message("rrc.crisis.opened", hazard="tropical_cyclone", countries=()),
                  roster)
    [event] = out.events
    plan = event.plan
    assert plan.countries == []
    assert any(role.candidates for role in plan.roles), "ranked on what is known"
    for role in plan.roles:
        assert "no country yet" in role.note
        for c in role.candidates:
            assert all(c.score_parts[part] == 0 for part in ("country", "region", "language", "proximity"))


def test_history_gets_no_plan_and_roles_start_from_the_events_own_time(roster):
    """A crisis recorded as history (its signal older than the quiet period) is never planned for, whatever the
    event says; a recent event's phases start from its first signal, never before today."""
    from datetime import timedelta

    old = crisis_recorded("rrc.crisis.opened", at=NOW - timedelta(days=400), received=NOW)
    assert old.crisis.historical and old.crisis.status.value == "closed"
    assert propose(PlanBook(crisis_id="cri-1"), old, roster).events == []

    two_days = crisis_recorded("rrc.crisis.opened", at=NOW - timedelta(days=2), received=NOW)
    [proposed] = propose(PlanBook(crisis_id="cri-1"), two_days, roster).events
    templates = load_templates().select("earthquake", "severe")
    for role, spec in zip(proposed.plan.roles, templates.roles, strict=True):
        due = (two_days.crisis.first_signal_at + timedelta(hours=spec.start_within_hours)).date()
        assert role.start == max(NOW.date(), due), role.role
    assert any(role.start > NOW.date() for role in proposed.plan.roles)
