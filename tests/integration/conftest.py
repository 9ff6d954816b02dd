"""Integration fixtures: a running worker (Faust app + stages) in this test's event loop."""

from __future__ import annotations

import pytest

from streams.bootstrap import bootstrap
from streams.worker import Worker


@pytest.fixture
async def start_worker(make_settings):
    """Start the whole stream worker for one test; stopped at teardown."""
    workers: list[Worker] = []

    async def start(settings=None, *, store="memory://", timeout=90.0, **overrides):
        settings = settings or make_settings(**overrides)
        runtime = bootstrap(settings, store=store)
        worker = Worker(runtime)
        await worker.start()
        workers.append(worker)
        assert await worker.wait_running(timeout), f"worker did not start: {worker.state} {worker.error}"
        return runtime, worker

    yield start
    for worker in workers:
        await worker.stop()
