"""Runs the stream side inside the API process: waits for the broker, creates topics, starts Faust and stages.

Start: every topic (the declared ones and every table's changelog, see `streams.faust_adapter`) exists before
the Faust app starts. Stop, in order and bounded (`STOP_BUDGET_S` in all): timers, then what feeds the owners
(pollers, normalise), then the owners finish the batch in hand, then the Faust app, then the stages that read
the owners' output and the read views. A part that does not stop in its share of the budget is logged and left.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import time
from enum import StrEnum

from faust.contrib.asgi import bind_to_running_loop

from streams import faust_adapter
from streams.broker.admin import ensure_topics
from streams.broker.probe import metadata_ok
from streams.health import Problem
from streams.metrics import WORKER_RUNNING
from streams.runtime import Runtime
from streams.scheduler import JobScheduler

log = logging.getLogger("rrc.worker")
STOP_BUDGET_S = 7.0


class WorkerState(StrEnum):
    STARTING = "starting"
    WAITING_FOR_BROKER = "waiting-for-broker"
    RUNNING = "running"
    STOPPING = "stopping"
    STOPPED = "stopped"
    FAILED = "failed"


class Worker:
    """Owns the Faust app's lifecycle and the stage services; start() returns at once, the work goes on."""

    def __init__(self, runtime: Runtime) -> None:
        self.runtime = runtime
        self.state = WorkerState.STARTING
        self.error: str | None = None
        self._task: asyncio.Task | None = None
        self._stop = asyncio.Event()
        self._running = asyncio.Event()

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="rrc-worker")

    async def wait_running(self, timeout: float) -> bool:
        try:
            await asyncio.wait_for(self._running.wait(), timeout)
        except asyncio.TimeoutError:
            return False
        return True

    async def _run(self) -> None:
        runtime, settings = self.runtime, self.runtime.settings
        gc.set_threshold(*settings.gc_thresholds)  # see Settings.gc_thresholds
        try:
            while not await metadata_ok(settings.bootstrap_servers, timeout=settings.health_timeout_s):
                self.state = WorkerState.WAITING_FOR_BROKER
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1.0)
                if self._stop.is_set():
                    return
            await ensure_topics(settings, changelogs=faust_adapter.changelog_specs(runtime.app))
            scheduler, app, stages = JobScheduler(runtime.jobs), runtime.app, runtime.stages
            bind_to_running_loop(app)
            app.finalize()
            await app.maybe_start()
            for service in [*runtime.readers.all(), *stages.all(), scheduler]:
                await service.start()
            self.state = WorkerState.RUNNING
            WORKER_RUNNING.set(1)
            self._running.set()
            log.info("worker running", extra={"app_id": app.conf.id})
            await self._stop.wait()
            self.state = WorkerState.STOPPING
            await self._stop_parts([scheduler, *stages.feeding()])
            await self._stop_owners()
            await self._bounded("faust app", app.stop(), share=0.35)
            await self._stop_parts([*stages.reading(), *runtime.readers.all()])
            runtime.views.close()
        except Exception as exc:  # noqa: BLE001 - surfaced through /health, logged with its traceback
            self.state = WorkerState.FAILED
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("worker failed")
        finally:
            WORKER_RUNNING.set(0)
            if self.state is not WorkerState.FAILED:
                self.state = WorkerState.STOPPED

    async def _stop_parts(self, parts) -> None:
        for part in parts:
            await self._bounded(type(part).__name__, part.stop(), share=0.05)

    async def _stop_owners(self) -> None:
        owners = self.runtime.owners.all()
        await asyncio.gather(*(o.stop(grace_s=STOP_BUDGET_S * 0.25) for o in owners))

    async def _bounded(self, what: str, stopping, share: float) -> None:
        """Wait for `stopping` at most its share of the budget, then leave it (not cancel it: faust's
        `Consumer.wait_empty` swallows cancellation, see `streams.faust_adapter`)."""
        started = time.monotonic()
        task = asyncio.ensure_future(stopping)
        done, _ = await asyncio.wait({task}, timeout=STOP_BUDGET_S * share)
        if not done:
            log.warning("did not stop in time; left", extra={"part": what,
                                                             "waited_s": round(time.monotonic() - started, 2)})
        elif not task.cancelled() and task.exception() is not None:
            log.warning("stop failed", extra={"part": what, "error": repr(task.exception())})

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.TimeoutError):
                await asyncio.wait_for(asyncio.shield(self._task), STOP_BUDGET_S + 1)

    @property
    def faust_state(self) -> str:
        app = self.runtime.app
        if self.state is not WorkerState.RUNNING:
            return self.state.value
        return "rebalancing" if app.rebalancing else str(app.state)

    def problems(self) -> list[Problem]:
        """What makes the worker not ready: not running, or a stage crashed, failing, stalled or rebalancing."""
        if self.state is not WorkerState.RUNNING:
            return [Problem("worker", self.error or f"the worker is {self.state.value}")]
        health = self.runtime.health
        if self.runtime.app.rebalancing:
            health.rebalance_started()  # no-op when the signal already told us
        elif health.assigned:
            health.rebalance_done()
        return health.problems()
