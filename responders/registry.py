"""Every message an owner of state accepts, and the handler it goes to: the one place to read who handles what.

Each owner keeps its own `HANDLERS` beside its decide (crises, the response to a crisis, experts' ledgers); this
module puts them side by side, refuses a message class registered with two owners, and tells each owner's runtime
which classes its inbox decodes.
"""

from __future__ import annotations

from collections.abc import Callable

from responders.crises import owner as crises
from responders.delivery import owner as delivery
from responders.deployments import ledger
from responders.resources import capacity
from responders.response import owner as response

OWNERS: dict[str, dict[type, Callable]] = {
    "correlate": crises.HANDLERS,  # rrc.signals.by-correlation: signals, CloseQuietCrises
    "plan": response.HANDLERS,  # rrc.crises and rrc.commands: CrisisRecorded, plan and deployment commands, HoldDecided
    "ledger": ledger.HANDLERS,  # rrc.ledger: HoldExpert, ConfirmHold, ReleaseHold
    "delivery": delivery.HANDLERS,  # rrc.delivery: TrackIntervention, StaffingObserved, SubmitReport, AddFunding,
    #                                 ReportExpenditure, EvaluateDue
    "capacity": capacity.HANDLERS,  # rrc.capacity: CommitResource, ReleaseResource (EDXL-RM), keyed by partner
}


def _merged() -> dict[type, Callable]:
    out: dict[type, Callable] = {}
    for owner, handlers in OWNERS.items():
        for cls, handler in handlers.items():
            if cls in out:
                raise TypeError(f"{cls.__name__} is registered with two owners (one of them {owner})")
            out[cls] = handler
    return out


HANDLERS = _merged()


def inbox(owner: str) -> tuple[type, ...]:
    """The message classes the owner's runtime decodes."""
    return tuple(OWNERS[owner])
