"""Errors raised by the matching engine."""


class MatchingError(Exception):
    """Base class of matching errors."""


class UnknownExpert(MatchingError, KeyError):
    """The roster index does not hold the expert id it was asked about."""


class UnknownSkill(MatchingError, ValueError):
    """A role asks for a skill the index (its taxonomy) does not know."""


class EmptyPlan(MatchingError, ValueError):
    """A plan to fill has no roles."""
