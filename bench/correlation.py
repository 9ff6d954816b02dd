"""Crisis correlation on the real broker: signals per second through the crisis owner with 100,000 open
crises in its table, and the worker's peak memory; next to a raw aiokafka loop and the pure domain code; then a
year of ACLED-shaped conflict events (bench/acled_year.py) through a fresh worker.

Phase 1 opens N crises (conflict signals spread over ~200 countries, >100 km apart, so none merge).
Phase 2 sends M more signals, half joining existing crises and half opening new ones, and times them
through the whole worker (normalise stage, crisis owner, planning of every new crisis, read views). Memory is this
process's peak RSS at that point (the worker runs in-process). Phase 3 times the year of conflict events from
the first to the last correlated. Usage: python bench/correlation.py [--crises 100000] [--signals 20000]
[--acled 150000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime, timedelta, timezone

from common import bench_settings, emit, owner_seconds, peak_rss_mb, raw_loop

from aiokafka import AIOKafkaProducer
from streams import metrics
from streams.bootstrap import bootstrap as build_runtime
from streams.broker.throwaway import broker_for_run
from responders.crises import CrisisIndex, correlate
from vocabulary.signals import Signal, iso3_codes, make_signal_id
from streams.worker import Worker

COUNTRIES = sorted(iso3_codes())[:200]


def conflict_signal(n: int, country: str, cell: int, at: datetime) -> dict:
    lat, lon = -60 + (cell // 40) * 2.0, -170 + (cell % 40) * 2.0 + 0.5
    sid = f"c{n}"
    return {"signal_id": make_signal_id("bench", sid), "source": "bench", "source_id": sid, "kind": "conflict",
            "hazard": "armed_conflict", "title": f"clash {n}", "countries": [country],
            "location": {"lat": lat, "lon": lon}, "severity": "moderate", "observed_at": at.isoformat()}


def workload(crises: int, signals: int) -> tuple[Callable[[], Iterator[dict]], list[dict]]:
    """The preload (made again on each call, so the bench never holds 100,000 signals in the worker's process: its
    peak memory is the worker's) and the measured signals."""
    now = datetime.now(timezone.utc) - timedelta(days=2)
    per_country = -(-crises // len(COUNTRIES))

    def opening() -> Iterator[dict]:
        return (conflict_signal(i, COUNTRIES[i % len(COUNTRIES)], i // len(COUNTRIES), now) for i in range(crises))
    rnd = random.Random(5)
    measured = []
    for j in range(signals):
        if j % 2 == 0:  # joins an existing crisis: same country and place, an hour later
            i = rnd.randrange(crises)
            s = conflict_signal(crises + j, COUNTRIES[i % len(COUNTRIES)], i // len(COUNTRIES), now + timedelta(hours=1))
        else:  # opens a new one: a cell no preload crisis uses
            s = conflict_signal(crises + j, COUNTRIES[j % len(COUNTRIES)], per_country + (j // len(COUNTRIES)) % 400,
                                now + timedelta(hours=1))
        measured.append(s)
    return opening, measured


async def publish(bootstrap: str, topic: str, signals: Iterable[dict], chunk: int = 5000) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=20, max_batch_size=512 * 1024)
    await producer.start()
    try:
        futures = []
        for s in signals:
            futures.append(await producer.send(topic, json.dumps(s).encode(), headers=[("rrc-format", b"json")]))
            if len(futures) >= chunk:
                await asyncio.gather(*futures)
                futures.clear()
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


def correlated() -> float:
    return metrics.MESSAGES_IN.labels("correlate")._value.get()


async def wait_processed(target: float, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while correlated() < target:
        if time.monotonic() > deadline:
            raise TimeoutError(f"correlated {correlated():.0f} of {target:.0f}")
        await asyncio.sleep(0.01)


def domain_rate(opening: Iterable[dict], measured: list[dict]) -> float:
    index = CrisisIndex()
    now = datetime.now(timezone.utc)
    for s in opening:
        correlate(index, Signal.model_validate(s), now)
    sigs = [Signal.model_validate(s) for s in measured]
    started = time.perf_counter()
    for s in sigs:
        correlate(index, s, now)
    return len(sigs) / (time.perf_counter() - started)


async def acled_phase(bootstrap: str, total: int) -> dict:
    """A fresh worker (its own topics) through a year of ACLED-shaped events, timed first to last."""
    from acled_year import acled_year

    year = acled_year(seed=7, total=total)
    settings = bench_settings(bootstrap, crisis_sweep_interval_s=86400)
    runtime = build_runtime(settings, store="rocksdb://")
    worker = Worker(runtime)
    await worker.start()
    assert await worker.wait_running(120), worker.error
    base = correlated()
    try:
        started = time.perf_counter()
        await publish(bootstrap, settings.topic_name("rrc.signals.raw"), year)
        await wait_processed(base + len(year), timeout=3600)
        seconds = time.perf_counter() - started
        await asyncio.sleep(2)  # the crisis view follows the owner's events
        crises = len(runtime.views.crises.crises)
        historical = sum(1 for c in runtime.views.crises.crises.meta.values() if c.get("historical"))
    finally:
        await worker.stop()
    print(f"a year of ACLED-shaped events: {len(year)} signals in {seconds:.1f}s ({len(year) / seconds:,.0f}/s), "
          f"{crises} crises ({historical} history: the year ends today, so most of it is past)")
    return {"acled_year_signals": len(year), "acled_year_seconds": round(seconds, 1),
            "acled_year_signals_per_s": round(len(year) / seconds), "acled_year_crises": crises,
            "acled_year_crises_historical": historical}


async def main(bootstrap: str, crises: int, signals: int, acled: int) -> None:
    settings = bench_settings(bootstrap, crisis_sweep_interval_s=86400)
    opening, measured = workload(crises, signals)
    runtime = build_runtime(settings, store="rocksdb://")
    worker = Worker(runtime)
    await worker.start()
    assert await worker.wait_running(120), worker.error
    raw = settings.topic_name("rrc.signals.raw")
    try:
        rss_before = peak_rss_mb()
        t0 = time.perf_counter()
        await publish(bootstrap, raw, opening())
        await wait_processed(crises, timeout=1800)
        preload_s = time.perf_counter() - t0
        print(f"preloaded {crises} open crises in {preload_s:.1f}s ({crises / preload_s:,.0f} signals/s)")
        base = correlated()
        t1 = time.perf_counter()
        await publish(bootstrap, raw, measured)
        await wait_processed(base + len(measured), timeout=900)
        rate = len(measured) / (time.perf_counter() - t1)
        open_now = sum(len(ix) for ix in runtime.owners.crisis_indexes.by_partition.values())
        print(f"{signals} signals with {open_now} crises in the table: {rate:,.0f} signals/s end to end")
        peak = peak_rss_mb()
        phases = owner_seconds()
        print("owner seconds per phase (preload and measured):", json.dumps(phases))
    finally:
        await worker.stop()
    baseline = len(measured) / await raw_loop(bootstrap, raw, settings.topic_name("bench.raw-out"),
                                              len(measured), f"{settings.topic_prefix}raw")
    pure = domain_rate(opening(), measured)
    print(f"raw aiokafka consume+produce loop: {baseline:,.0f} msg/s; domain code alone: {pure:,.0f} signals/s")
    year = await acled_phase(bootstrap, acled) if acled else {}
    emit({"open_crises": crises, "signals": signals, "agent_signals_per_s": round(rate),
          "preload_signals_per_s": round(crises / preload_s), "raw_loop_msgs_per_s": round(baseline),
          "domain_only_signals_per_s": round(pure), "ratio_agent_to_domain": round(rate / pure, 3),
          "ratio_agent_to_raw": round(rate / baseline, 3), "worker_peak_rss_mb": round(peak, 1),
          "rss_before_preload_mb": round(rss_before, 1), **year})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--crises", type=int, default=100_000)
    parser.add_argument("--signals", type=int, default=20_000)
    parser.add_argument("--acled", type=int, default=150_000, help="events in the ACLED-shaped year (0: skip)")
    args = parser.parse_args()
    with broker_for_run() as broker:
        asyncio.run(main(broker, args.crises, args.signals, args.acled))
