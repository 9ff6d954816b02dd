"""Errors raised by crisis correlation and lifecycle code."""


class CrisisError(Exception):
    """Base class of crisis errors."""


class NaiveDatetimeError(CrisisError, ValueError):
    """A clock value without a timezone was passed where UTC time is required."""


class CrisisAlreadyIndexed(CrisisError, KeyError):
    """``CrisisIndex.add`` was given a crisis id the index already holds."""


class UnknownCrisis(CrisisError, KeyError):
    """The index does not hold the crisis id it was asked to update or remove."""


class CrisisClosedError(CrisisError):
    """A transition was requested on a closed crisis (closed crises never reopen)."""


class InvalidTransition(CrisisError):
    """The requested status change is not allowed from the crisis's current status."""
