"""Response plans: proposals from templates and the roster, coordinator edits, approval into interventions."""

from responders.plans.commands import ApprovePlan, CloseIntervention, CrisisCommand, PlanCommand, RevisePlan
from responders.plans.models import (
    CommandResult,
    Intervention,
    InterventionStatus,
    Plan,
    PlanBook,
    PlanEvent,
    PlanEventType,
    PlanPatch,
    PlanStatus,
)
from responders.plans.planner import (
    Outcome,
    PatchError,
    apply_patch,
    build_plan,
    intervention_id_for,
    on_command,
    on_crisis_event,
    plan_id_for,
)

__all__ = [
    "ApprovePlan", "CloseIntervention", "CommandResult", "CrisisCommand", "Intervention", "InterventionStatus",
    "Outcome", "PatchError", "Plan", "PlanBook", "PlanCommand", "PlanEvent", "PlanEventType", "PlanPatch",
    "PlanStatus", "RevisePlan", "apply_patch", "build_plan", "intervention_id_for", "on_command", "on_crisis_event",
    "plan_id_for",
]
