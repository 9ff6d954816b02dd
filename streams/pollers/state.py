"""Per-feed poller state (validators, last body hash, failures, next attempt) in an atomically written JSON file."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from pydantic import BaseModel, ValidationError

log = logging.getLogger("rrc.pollers")

STATE_VERSION = 1


class FeedState(BaseModel):
    """What a restart needs so it neither re-sends an unchanged feed nor forgets a backoff."""

    url: str | None = None  # validators belong to this URL; a changed URL starts afresh
    etag: str | None = None
    last_modified: str | None = None
    last_hash: str | None = None  # sha256 of the last published body
    failures: int = 0  # consecutive
    next_attempt: datetime | None = None
    last_success_at: datetime | None = None
    last_published_at: datetime | None = None
    last_failure_at: datetime | None = None
    last_error: str | None = None

    def due(self, now: datetime) -> bool:
        """Only a backoff holds a poll back; on success the scheduler's interval sets the pace."""
        return not self.failures or self.next_attempt is None or now >= self.next_attempt

    def succeeded(self, now: datetime, interval_s: float, **changes: object) -> "FeedState":
        return self.model_copy(update=dict(failures=0, last_error=None, last_success_at=now,
                                           next_attempt=now + timedelta(seconds=interval_s), **changes))

    def failed(self, now: datetime, delay_s: float, error: str) -> "FeedState":
        return self.model_copy(update=dict(failures=self.failures + 1, last_failure_at=now, last_error=error[:500],
                                           next_attempt=now + timedelta(seconds=delay_s)))


class StateStore:
    """The state file: read once, rewritten whole (temp file, fsync, rename) after each poll."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()

    def load(self) -> dict[str, FeedState]:
        """The saved states by feed name; a missing or unreadable file means no state (feeds are re-fetched once)."""
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            return {name: FeedState.model_validate(raw) for name, raw in doc["feeds"].items()}
        except FileNotFoundError:
            return {}
        except (OSError, ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
            log.warning("poller state file %s unreadable, starting afresh: %s", self.path, exc,
                        extra={"path": str(self.path)})
            return {}

    async def save(self, states: dict[str, FeedState]) -> None:
        doc = {"version": STATE_VERSION,
               "feeds": {name: st.model_dump(mode="json") for name, st in sorted(states.items())}}
        data = json.dumps(doc, indent=1).encode()
        async with self._lock:
            await asyncio.to_thread(write_atomically, self.path, data)


def write_atomically(path: Path, data: bytes) -> None:
    """Readers see the old file or the new one, never a torn write."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)

