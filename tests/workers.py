"""Helpers for tests that run `rrc worker` as a subprocess (to kill it with SIGKILL): start one, wait for things."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time


def spawn_worker(env: dict, log_path) -> subprocess.Popen:
    """`rrc worker` (worker and API) with `env`, its output appended to `log_path`."""
    log = open(log_path, "ab")
    return subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=log, stderr=log)


async def wait_for(predicate, timeout: float, what: str, progress=None):
    """Await `predicate()` until it returns something truthy (returned), or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = await predicate()
        if value:
            return value
        await asyncio.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}" + (f"; {progress()}" if progress else ""))


async def topic_exists(bootstrap: str, topic: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()

