"""Create rrc's topics with their declared configuration before any worker starts."""

from __future__ import annotations

import logging

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

from config.settings import Settings
from config.topics import ALL_TOPICS, TopicSpec

log = logging.getLogger("rrc.topics")


async def ensure_topics(settings: Settings, specs: tuple[TopicSpec, ...] = ALL_TOPICS) -> list[str]:
    """Create any missing topic (with the settings' prefix); returns the names it created."""
    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap_servers, request_timeout_ms=15000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted = [
            NewTopic(name=settings.topic_name(s.name), num_partitions=s.partitions or settings.topic_partitions,
                     replication_factor=settings.replication_factor, topic_configs=s.config())
            for s in specs
            if settings.topic_name(s.name) not in existing
        ]
        if not wanted:
            return []
        try:
            await admin.create_topics(wanted)
        except TopicAlreadyExistsError:
            pass
        created = [t.name for t in wanted]
        log.info("topics created", extra={"topics": created})
        return created
    finally:
        await admin.close()
