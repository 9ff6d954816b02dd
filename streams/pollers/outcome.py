"""What one poll of one feed came to: the `outcome` label of the poll counter and the return of `poll_once`."""

from __future__ import annotations

from enum import StrEnum


class Outcome(StrEnum):
    PUBLISHED = "published"
    NOT_MODIFIED = "not_modified"  # HTTP 304, or a file whose mtime and size did not change
    UNCHANGED = "unchanged"  # a full body whose hash equals the last published one
    DEFERRED = "deferred"  # still backing off after a failure; nothing was fetched
    HTTP_ERROR = "http_error"
    RATE_LIMITED = "rate_limited"
    TIMEOUT = "timeout"
    NETWORK_ERROR = "network_error"
    IO_ERROR = "io_error"
    TOO_LARGE = "too_large"
    EMPTY = "empty"
    PUBLISH_ERROR = "publish_error"
    ERROR = "error"  # an unexpected exception (a bug): logged with its traceback

    @property
    def is_failure(self) -> bool:
        return self not in _SUCCESSES


_SUCCESSES = {Outcome.PUBLISHED, Outcome.NOT_MODIFIED, Outcome.UNCHANGED, Outcome.DEFERRED}
