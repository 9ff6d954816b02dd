"""Shared bench helpers: a broker (RRC_BROKER or a throwaway one), settings with a fresh prefix, timing."""

from __future__ import annotations

import asyncio
import json
import math
import time
import os
import resource
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer  # noqa: E402

from config.settings import Settings  # noqa: E402
from streams import metrics  # noqa: E402


def bench_settings(bootstrap: str, **overrides) -> Settings:
    values = dict(broker=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.", log_json=False,
                  data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / f"rrc-bench-{uuid.uuid4().hex[:6]}")
    values.update(overrides)
    return Settings(**values)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(figures: dict) -> None:
    """The last line of every bench: one JSON object, units in the key names."""
    print(json.dumps(figures, sort_keys=True), flush=True)


async def raw_loop(bootstrap: str, source: str, sink: str, n: int, group: str) -> float:
    """The baseline: a plain aiokafka consume-and-produce loop (getmany, send each, await acks, commit)."""
    consumer = AIOKafkaConsumer(source, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                                auto_offset_reset="earliest", max_poll_records=2000,
                                fetch_max_bytes=32 * 1024 * 1024, max_partition_fetch_bytes=8 * 1024 * 1024)
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5,
                                max_batch_size=256 * 1024)
    await consumer.start()
    await producer.start()
    done = 0
    started = None
    try:
        while done < n:
            batches = await consumer.getmany(timeout_ms=100, max_records=2000)
            if not batches:
                continue
            started = started or time.perf_counter()
            futures = []
            for records in batches.values():
                for m in records:
                    futures.append(await producer.send(sink, m.value, key=m.key, headers=list(m.headers)))
            await asyncio.gather(*futures)
            await consumer.commit({tp: r[-1].offset + 1 for tp, r in batches.items()})
            done += sum(len(r) for r in batches.values())
        return time.perf_counter() - started
    finally:
        await consumer.stop()
        await producer.stop()


def owner_seconds() -> dict[str, float]:
    """Seconds each owner spent in each phase of its batches so far (rrc_owner_phase_seconds)."""
    out: dict[str, float] = {}
    for metric in metrics.OWNER_PHASE_SECONDS.collect():
        for sample in metric.samples:
            if sample.name.endswith("_total"):
                out[f"{sample.labels['stage']}.{sample.labels['phase']}"] = round(sample.value, 2)
    return out


def owner_seconds_since(before: dict[str, float]) -> dict[str, float]:
    """The phases' seconds spent since `before` (an earlier `owner_seconds()`), those that moved."""
    now = owner_seconds()
    return {k: round(v - before.get(k, 0.0), 2) for k, v in now.items() if v - before.get(k, 0.0) >= 0.01}
