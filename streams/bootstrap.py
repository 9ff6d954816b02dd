"""Wire the worker in one place: the Faust app, topics, views, owners, stages and timers, from Settings."""

from __future__ import annotations

import gc
from datetime import datetime
from pathlib import Path
from typing import Callable

import faust

from config.offices import load_offices
from config.settings import Settings
from streams.agents import capacity, crises, delivery, ledger, response
from streams.agents.owner import AgentLag
from streams.clock import accelerated_clock, skewed_clock, system_clock
from streams.faults import Faults
from streams.health import Health
from streams.pollers.register import build as build_pollers
from streams.runtime import Owners, Runtime, Stages
from streams.scheduler import Job
from streams.partitioning import CachedPartitioner
from streams.stages import normalise
from streams.stages.notify import NotificationSender
from streams.stages.webhooks import WebhookService
from streams.topics import Topics
from streams.views.register import build_views


def faust_app(settings: Settings, store: str | None = None) -> faust.App:
    app_id = f"{settings.topic_prefix}{settings.app_id}"
    datadir = Path(settings.data_dir) / "faust" / app_id
    datadir.parent.mkdir(parents=True, exist_ok=True)
    return faust.App(
        app_id,
        broker=[f"kafka://{h}" for h in settings.bootstrap_servers.split(",")],
        store=store or "rocksdb://",
        datadir=str(datadir),
        topic_partitions=settings.topic_partitions,
        topic_replication_factor=settings.replication_factor,
        topic_allow_declare=True,
        topic_disable_leader=True,
        processing_guarantee="at_least_once",
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        # Batches of up to 512 KB: at the default 16 KB, one owner batch of crisis events (a few MB) went out as
        # dozens of requests one after another (one in flight per broker), which was most of its time.
        producer_max_batch_size=512 * 1024,
        producer_compression_type=None if settings.compression == "none" else settings.compression,
        producer_partitioner=CachedPartitioner(),
        broker_commit_interval=1.0,
        broker_session_timeout=settings.session_timeout_s,
        broker_heartbeat_interval=max(1.0, settings.session_timeout_s / 10),
        table_cleanup_interval=60.0,
        logging_config=None,
    )


def bootstrap(settings: Settings, *, store: str | None = None,
              clock: Callable[[], datetime] | None = None) -> Runtime:
    """A fresh worker for these settings; tests build one per test with their own topic prefix."""
    app = faust_app(settings, store)
    topics = Topics.declare(app, settings)
    health = Health(settings.stage_stall_s)
    views, readers = build_views(settings, topics, health)
    if clock is None and settings.clock_speed != 1:
        clock = accelerated_clock(settings.clock_epoch or system_clock(), settings.clock_speed)
    if clock is None:
        clock = skewed_clock(settings.clock_skew_file) if settings.clock_skew_file is not None else system_clock
    runtime = Runtime(settings=settings, app=app, topics=topics, clock=clock, health=health,
                      faults=Faults(settings.fault_file), views=views, readers=readers,
                      offices=load_offices(settings.offices_file))  # OfficesError: the start fails, naming the office
    crisis_owner, indexes, sweep = crises.build(runtime)
    response_owner, expiry = response.build(runtime)
    delivery_owner, delivery_sweep = delivery.build(runtime)
    runtime.owners = Owners(crises=crisis_owner, response=response_owner, ledger=ledger.build(runtime),
                            delivery=delivery_owner, capacity=capacity.build(runtime), crisis_indexes=indexes)
    runtime.stages = Stages(normalise=normalise.build(runtime), notify=NotificationSender(runtime),
                            webhooks=WebhookService(runtime), pollers=build_pollers(runtime))
    runtime.jobs = [sweep, expiry, delivery_sweep]
    if settings.gc_freeze_interval_s > 0:
        runtime.jobs.append(Job("gc-freeze", freeze_survivors, settings.gc_freeze_interval_s))
    runtime.lag = AgentLag(app)
    app.on_partitions_revoked.connect(_rebalance_started(runtime.health))
    app.on_rebalance_complete.connect(_rebalance_done(runtime.health))
    return runtime


def _rebalance_started(health: Health):
    async def started(sender=None, *args, **kwargs) -> None:  # noqa: ARG001 - signal signature
        health.rebalance_started()

    return started


def _rebalance_done(health: Health):
    async def done(sender=None, *args, **kwargs) -> None:  # noqa: ARG001 - signal signature
        health.rebalance_done()
        health.first_assignment_done()

    return done


async def freeze_survivors() -> None:
    """Move every object alive now into the permanent generation, out of the cyclic collector's scans.

    The worker holds large, long-lived structures (roster index, read views, tables' caches): a full (generation
    2) collection walks all of them and stalls the event loop for hundreds of milliseconds (685 ms measured with
    10,000 experts), which shows up as a step in every stage's latency. Freezing what survived so far keeps full
    collections to the objects created since. Reference counting still frees everything; only cyclic garbage that
    was alive-looking at a freeze is never reclaimed, and the long-lived data here forms none.
    """
    gc.freeze()
