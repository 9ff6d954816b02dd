"""Publishing from the API onto Kafka through the worker's producer, with a clear 503 when it cannot."""

from __future__ import annotations

import asyncio

from api.errors import ApiError
from streams.runtime import Runtime
from vocabulary.signals import Signal
from responders.signals.normalise import FORMAT_HEADER
from streams.worker import Worker, WorkerState


class Unavailable(ApiError):
    def __init__(self, detail: str) -> None:
        super().__init__(503, "unavailable", detail)


def require_running(worker: Worker) -> None:
    if worker.state is not WorkerState.RUNNING:
        raise Unavailable(f"the stream worker is {worker.state.value}; try again shortly")


async def publish_signals(runtime: Runtime, worker: Worker, signals: list[Signal], timeout: float = 10.0) -> None:
    """Send each signal to rrc.signals.raw keyed by signal_id and wait until the broker has them all."""
    require_running(worker)
    topic = runtime.topics.signals_raw.get_topic_name()
    producer = runtime.app.producer
    futures = [await producer.send(topic, s.signal_id.encode(), s.model_dump_json().encode(), None, None,
                                   [(FORMAT_HEADER, b"json")]) for s in signals]
    try:
        await asyncio.wait_for(asyncio.gather(*futures), timeout)
    except asyncio.TimeoutError as exc:
        raise Unavailable("the broker did not acknowledge the signals in time") from exc


async def publish_record(runtime: Runtime, worker: Worker, topic: str, key: str, value: bytes | None,
                         timeout: float = 10.0) -> None:
    """Write one record (or a tombstone) to a compacted topic and wait for the broker's acknowledgement."""
    await publish_records(runtime, worker, topic, [(key, value)], timeout)


async def publish_records(runtime: Runtime, worker: Worker, topic: str, records: list[tuple[str, bytes | None]],
                          timeout: float = 30.0) -> None:
    require_running(worker)
    producer = runtime.app.producer
    futures = [await producer.send(topic, key.encode(), value, None, None, []) for key, value in records]
    try:
        await asyncio.wait_for(asyncio.gather(*futures), timeout)
    except asyncio.TimeoutError as exc:
        raise Unavailable("the broker did not acknowledge the records in time") from exc
