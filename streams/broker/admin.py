"""Create rrc's topics with their declared configuration before any worker starts."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from config.settings import Settings
from config.topics import ALL_TOPICS, TopicSpec

log = logging.getLogger("rrc.topics")


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL_TOPICS,
                        changelogs: Sequence = ()) -> list[str]:
    """Create any missing topic (with the settings' prefix) and table changelog (`changelogs`, full names: see
    `streams.faust_adapter.changelog_specs`); returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        declared = {settings.topic_name(s.name) for s in specs}  # a table's changelog may be a declared topic
        wanted = [
            NewTopic(name=settings.topic_name(s.name), num_partitions=s.partitions or settings.topic_partitions,
                     replication_factor=settings.replication_factor, topic_configs=s.config())
            for s in specs
            if settings.topic_name(s.name) not in existing
        ] + [NewTopic(name=c.name, num_partitions=c.partitions, replication_factor=settings.replication_factor,
                      topic_configs=c.config) for c in changelogs
           if c.name not in existing and c.name not in declared]
        if not wanted:
            return []
        try:
            await admin.create_topics(wanted)
        except TopicAlreadyExistsError:
            pass
        created = [t.name for t in wanted]
        await _visible(admin, created)
        log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()


async def _visible(admin: AIOKafkaAdminClient, names: list[str], timeout_s: float = 15.0) -> None:
    """Wait until the broker's metadata lists every partition of `names` (creation is asynchronous in KRaft): a
    consumer group formed before that would leave them out of its assignment (see `streams.faust_adapter`)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    missing = list(names)
    while missing:
        described = await admin.describe_topics(missing)
        missing = [d["topic"] for d in described if d.get("error_code") or not d.get("partitions")]
        if not missing:
            return
        if loop.time() > deadline:
            raise TimeoutError(f"topics created but not visible after {timeout_s:g} s: {missing[:10]}")
        await asyncio.sleep(0.1)
