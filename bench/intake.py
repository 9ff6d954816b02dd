"""Normalise-stage throughput on the real broker, next to a raw aiokafka consume-and-produce loop.

Both read the same N signal messages from one topic on the same broker in the same run. The raw loop
(getmany, send each message unchanged, await acks, commit per batch) is the ceiling for any Python stage;
the normalise stage additionally validates every signal with pydantic, writes it to rrc.signals and
routes it to rrc.signals.by-correlation (two outputs per input). Figure: the ratio stage/raw.
Usage: python bench/intake.py [--messages 50000]; starts a throwaway broker unless RRC_BROKER is set.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from datetime import datetime, timedelta, timezone

from common import bench_settings, emit, peak_rss_mb, raw_loop

from aiokafka import AIOKafkaProducer
from config.topics import ALL_TOPICS
from streams.broker.admin import ensure_topics
from streams.broker.throwaway import broker_for_run
from vocabulary.signals import make_signal_id
from streams.stages.batch import BatchStage
from streams.stages.normalise import make_handler


def signal_bytes(n: int) -> list[bytes]:
    rnd = random.Random(1)
    base = datetime(2024, 1, 1, tzinfo=timezone.utc)
    out = []
    for i in range(n):
        sid = f"b{i}"
        out.append(json.dumps({
            "signal_id": make_signal_id("bench", sid), "source": "bench", "source_id": sid, "kind": "disaster",
            "hazard": rnd.choice(["earthquake", "flood", "drought"]), "title": f"bench signal {i}",
            "countries": [rnd.choice(["AFG", "TUR", "PHL", "MEX"])],
            "location": {"lat": rnd.uniform(-50, 50), "lon": rnd.uniform(-150, 150)},
            "severity": "moderate", "observed_at": (base + timedelta(seconds=i)).isoformat()}).encode())
    return out


async def fill(bootstrap: str, topic: str, values: list[bytes]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        futures = [await producer.send(topic, v, headers=[("rrc-format", b"json")]) for v in values]
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def stage_run(settings, n: int) -> float:
    raw = settings.topic_name("rrc.signals.raw")
    stage = BatchStage(name="bench-normalise", bootstrap=settings.bootstrap_servers, source=raw,
                       group=f"{settings.topic_prefix}normalise", deadletter=settings.topic_name("rrc.signals.deadletter"),
                       handler=make_handler(settings.topic_name("rrc.signals"),
                                            settings.topic_name("rrc.signals.by-correlation"),
                                            settings.topic_partitions))
    await stage.start()
    try:
        while stage.processed == 0:
            await asyncio.sleep(0.001)
        started = time.perf_counter()
        while stage.processed < n:
            await asyncio.sleep(0.002)
        return time.perf_counter() - started
    finally:
        await stage.stop()


async def main(bootstrap: str, n: int) -> None:
    if True:  # noqa: SIM108
        settings = bench_settings(bootstrap)
        await ensure_topics(settings, ALL_TOPICS)
        raw = settings.topic_name("rrc.signals.raw")
        values = signal_bytes(n)
        await fill(bootstrap, raw, values)
        print(f"{n} signals on {raw} ({sum(map(len, values)) / n:.0f} bytes each); broker {bootstrap}")
        raw_s = await raw_loop(bootstrap, raw, settings.topic_name("bench.raw-out"), n, f"{settings.topic_prefix}raw")
        stage_s = await stage_run(settings, n)
        raw_rate, stage_rate = n / raw_s, n / stage_s
        print(f"raw aiokafka consume+produce loop: {raw_rate:,.0f} msg/s")
        print(f"normalise stage (validate + 2 outputs): {stage_rate:,.0f} signals/s  ratio {stage_rate / raw_rate:.2f}")
        emit({"messages": n, "raw_loop_msgs_per_s": round(raw_rate), "normalise_signals_per_s": round(stage_rate),
              "ratio_normalise_to_raw": round(stage_rate / raw_rate, 3), "peak_rss_mb": round(peak_rss_mb(), 1)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=50_000)
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.messages))
