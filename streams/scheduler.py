"""The worker's APScheduler: runs the registered jobs at their intervals, and each once at start-up."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from apscheduler.schedulers.asyncio import AsyncIOScheduler

log = logging.getLogger("rrc.scheduler")


@dataclass(frozen=True)
class Job:
    """A timer: it sends commands to the owners of state (never writes state itself)."""

    name: str
    run: Callable[[], Awaitable[None]]
    interval_s: float


class JobScheduler:
    """Started from the worker's start-up on the running loop, never at import time."""

    def __init__(self, jobs: list[Job]) -> None:
        self.jobs = list(jobs)
        self.scheduler: AsyncIOScheduler | None = None

    async def start(self) -> None:
        self.scheduler = AsyncIOScheduler(timezone=timezone.utc)
        soon = datetime.now(timezone.utc) + timedelta(seconds=1)
        for job in self.jobs:
            self.scheduler.add_job(_logged(job.name, job.run), "interval", seconds=job.interval_s, id=job.name,
                                   name=job.name,
                                   next_run_time=soon, max_instances=1, coalesce=True, misfire_grace_time=60)
        self.scheduler.start()

    async def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)


def _logged(name, job):
    async def run() -> None:
        try:
            await job()
        except Exception:  # noqa: BLE001 - one failing job never stops the scheduler
            log.exception("job failed", extra={"job": name})

    return run
