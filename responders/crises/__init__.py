"""Crisis correlation: signals grouped into crises, their lifecycle and the events they emit."""

from responders.crises.closing import close_crisis, mark_stabilising, quiet_crises, stabilising_crises, sweep
from responders.crises.correlation import apply_signal, correlate, find_match, is_history
from responders.crises.exceptions import (
    CrisisAlreadyIndexed,
    CrisisClosedError,
    CrisisError,
    InvalidTransition,
    NaiveDatetimeError,
    UnknownCrisis,
)
from responders.crises.index import CrisisIndex, CrisisLookup, ListLookup
from responders.crises.keys import correlation_key
from responders.crises.models import (
    ChangeType,
    Crisis,
    CrisisEvent,
    CrisisEventType,
    CrisisStatus,
    CrisisSummary,
    FieldChange,
    HistoryEntry,
    Outcome,
)
from responders.crises.rules import DEFAULT_QUIET_PERIODS, MATCH_RULES, HazardFamily, MatchRule, hazard_family

__all__ = [
    "DEFAULT_QUIET_PERIODS",
    "MATCH_RULES",
    "ChangeType",
    "Crisis",
    "CrisisAlreadyIndexed",
    "CrisisClosedError",
    "CrisisError",
    "CrisisEvent",
    "CrisisEventType",
    "CrisisIndex",
    "CrisisLookup",
    "CrisisStatus",
    "CrisisSummary",
    "FieldChange",
    "HazardFamily",
    "HistoryEntry",
    "InvalidTransition",
    "ListLookup",
    "MatchRule",
    "NaiveDatetimeError",
    "Outcome",
    "UnknownCrisis",
    "apply_signal",
    "close_crisis",
    "correlate",
    "correlation_key",
    "find_match",
    "is_history",
    "hazard_family",
    "mark_stabilising",
    "quiet_crises",
    "stabilising_crises",
    "sweep",
]
