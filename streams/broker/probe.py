"""Is a Kafka cluster answering? A bounded metadata round trip with aiokafka, sync or async."""

from __future__ import annotations

import asyncio
import logging

from aiokafka import AIOKafkaClient
from aiokafka.errors import KafkaError


async def metadata_ok(bootstrap: str, timeout: float = 1.5) -> bool:
    """True when a broker in `bootstrap` answers a metadata request within `timeout` seconds."""
    client = AIOKafkaClient(bootstrap_servers=bootstrap, request_timeout_ms=int(timeout * 1000),
                            connections_max_idle_ms=int(timeout * 1000) + 1000)
    try:
        await asyncio.wait_for(client.bootstrap(), timeout=timeout)
        return bool(client.cluster.brokers())
    except (asyncio.TimeoutError, KafkaError, OSError):
        return False
    finally:
        try:
            await asyncio.wait_for(client.close(), timeout=1.0)
        except Exception:  # noqa: BLE001 - closing a half-open client must never mask the answer
            pass


def broker_answers(bootstrap: str, timeout: float = 2.0) -> bool:
    """Blocking probe for command-line use; aiokafka's connection errors are expected here, so kept quiet."""
    quiet = logging.getLogger("aiokafka")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        return asyncio.run(metadata_ok(bootstrap, timeout))
    finally:
        quiet.setLevel(level)
