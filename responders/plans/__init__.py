"""Response plans: proposals from templates and the roster, coordinator edits, approval into interventions."""

from responders.plans.models import (
    Command,
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
    "Command", "CommandResult", "Intervention", "InterventionStatus", "Outcome", "PatchError", "Plan", "PlanBook",
    "PlanEvent", "PlanEventType", "PlanPatch", "PlanStatus", "apply_patch", "build_plan", "intervention_id_for",
    "on_command", "on_crisis_event", "plan_id_for",
]
