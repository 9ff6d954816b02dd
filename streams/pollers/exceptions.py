"""Errors of the feed pollers: bad feed configuration and the ways a fetch can fail."""

from __future__ import annotations

from typing import ClassVar

from streams.pollers.outcome import Outcome


class PollerError(Exception):
    """Base of every poller error."""


class FeedConfigError(PollerError):
    """The feeds file cannot be read or a feed in it is invalid."""


class FetchError(PollerError):
    """A fetch failed; `outcome` names the kind, `retry_after` is the raw Retry-After header if any."""

    outcome: ClassVar[Outcome] = Outcome.ERROR

    def __init__(self, message: str, *, retry_after: str | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class HTTPStatusFailure(FetchError):
    """The server answered with a status that is neither 2xx nor 304."""

    outcome = Outcome.HTTP_ERROR

    def __init__(self, status: int, message: str, *, retry_after: str | None = None) -> None:
        super().__init__(message, retry_after=retry_after)
        self.status = status


class RateLimited(HTTPStatusFailure):
    """HTTP 429."""

    outcome = Outcome.RATE_LIMITED


class FetchTimeout(FetchError):
    outcome = Outcome.TIMEOUT


class NetworkFailure(FetchError):
    outcome = Outcome.NETWORK_ERROR


class FileFailure(FetchError):
    """A file:// feed could not be read (missing, unreadable, not a file)."""

    outcome = Outcome.IO_ERROR


class BodyTooLarge(FetchError):
    outcome = Outcome.TOO_LARGE


class EmptyBody(FetchError):
    outcome = Outcome.EMPTY
