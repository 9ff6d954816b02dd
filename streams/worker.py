"""Runs the stream side inside the API process: waits for the broker, creates topics, starts Faust and stages."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from enum import StrEnum

from faust.contrib.asgi import faust_app_running

from streams.app import Runtime
from streams.broker.admin import ensure_topics
from streams.broker.probe import metadata_ok
from streams.metrics import WORKER_RUNNING

log = logging.getLogger("rrc.worker")


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
        settings = self.runtime.settings
        try:
            while not await metadata_ok(settings.bootstrap_servers, timeout=settings.health_timeout_s):
                self.state = WorkerState.WAITING_FOR_BROKER
                with contextlib.suppress(asyncio.TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), 1.0)
                if self._stop.is_set():
                    return
            await ensure_topics(settings)
            async with faust_app_running(self.runtime.app, stop_timeout=30):
                from streams.scheduler import JobScheduler

                services = [*self.runtime.services.values(), JobScheduler(self.runtime.jobs)]
                for service in services:
                    await service.start()
                self.state = WorkerState.RUNNING
                WORKER_RUNNING.set(1)
                self._running.set()
                log.info("worker running", extra={"app_id": self.runtime.app.conf.id})
                try:
                    await self._stop.wait()
                finally:
                    self.state = WorkerState.STOPPING
                    for service in reversed(services):
                        with contextlib.suppress(Exception):
                            await service.stop()
        except Exception as exc:  # noqa: BLE001 - surfaced through /health, logged with its traceback
            self.state = WorkerState.FAILED
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("worker failed")
        finally:
            WORKER_RUNNING.set(0)
            if self.state is not WorkerState.FAILED:
                self.state = WorkerState.STOPPED

    async def stop(self) -> None:
        self._stop.set()
        if self._task is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 60)

    @property
    def faust_state(self) -> str:
        app = self.runtime.app
        if self.state is not WorkerState.RUNNING:
            return self.state.value
        return "rebalancing" if app.rebalancing else str(app.state)
