"""The last check of the suite (this directory sorts last): every public event the tests produced, read back from
every `rrc.response-events` topic on the test broker and from the webhook bodies and SSE data the tests received,
is valid against `/asyncapi.json`: its data against the event type's payload schema, its Kafka headers against
the binary-mode headers schema, a webhook or SSE body against the structured envelope. A JSON-schema validator
(jsonschema, Draft 2020-12) does the checking, with references resolved inside the AsyncAPI document.

Run alone on a fresh broker it finds nothing and fails: it checks what the rest of the suite produced.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from jsonschema import Draft202012Validator

from streams.asyncapi import EVENT_CATALOG, PUBLIC, asyncapi_document
from tests import published

pytestmark = pytest.mark.integration
PER_TOPIC = 20_000  # events read per topic at most: the suite's topics hold far fewer


def validator(doc: dict, schema: dict) -> Draft202012Validator:
    return Draft202012Validator({**schema, "components": doc["components"]})


async def read_public_topics(bootstrap: str) -> list[tuple[str, dict, dict]]:
    """(topic, headers, data) of every record of every rrc.response-events topic."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None, enable_auto_commit=False,
                                auto_offset_reset="earliest")
    await consumer.start()
    out = []
    try:
        cluster = await consumer._client.fetch_all_metadata()  # the whole cluster's topics and partitions
        topics = sorted(t for t in cluster.topics() if t.endswith("rrc.response-events"))
        for topic in topics:
            partitions = sorted(cluster.partitions_for_topic(topic) or ())
            if not partitions:
                continue  # deleted while we looked
            tps = [TopicPartition(topic, p) for p in partitions]
            consumer.assign(tps)
            ends = await consumer.end_offsets(tps)
            await consumer.seek_to_beginning(*tps)
            read = 0
            async def behind() -> bool:
                return any([await consumer.position(tp) < ends[tp] for tp in tps])

            while read < PER_TOPIC and await behind():
                batches = await consumer.getmany(timeout_ms=1000, max_records=5000)
                for records in batches.values():
                    for r in records:
                        headers = {k: v.decode() for k, v in r.headers or ()}
                        out.append((topic, headers, json.loads(r.value)))
                        read += 1
    finally:
        await consumer.stop()
    return out


def test_every_public_event_the_suite_produced_matches_the_asyncapi_document(kafka_bootstrap):
    doc = asyncapi_document()
    messages = doc["components"]["messages"]
    public_types = {t for t, d in EVENT_CATALOG.items() if d.channel == PUBLIC}
    names = {t: t.replace(".", "_") for t in public_types}
    data_of = {t: validator(doc, messages[n]["payload"]) for t, n in names.items()}
    headers_of = {t: validator(doc, messages[n]["headers"]) for t, n in names.items()}
    envelope_of = {t: validator(doc, messages[f"{n}_structured"]["payload"]) for t, n in names.items()}

    failures: list[str] = []
    seen: Counter = Counter()
    for topic, headers, data in asyncio.run(read_public_topics(kafka_bootstrap)):
        kind = headers.get("ce_type", "")
        if kind not in public_types:
            failures.append(f"{topic}: type {kind!r} is not in the document")
            continue
        seen[("kafka", kind)] += 1
        for what, check, value in (("data", data_of[kind], data), ("headers", headers_of[kind], headers)):
            for error in list(check.iter_errors(value))[:1]:
                failures.append(f"{topic} {kind} {what}: {'/'.join(map(str, error.absolute_path))}: "
                                f"{error.message[:200]}")
    for where, body in published.SEEN:
        kind = body.get("type", "")
        if kind not in public_types:
            failures.append(f"{where}: type {kind!r} is not in the document")
            continue
        seen[(where, kind)] += 1
        for error in list(envelope_of[kind].iter_errors(body))[:1]:
            failures.append(f"{where} {kind}: {'/'.join(map(str, error.absolute_path))}: {error.message[:200]}")

    kinds = {kind for _, kind in seen}
    print(f"{sum(seen.values())} public events validated, {len(kinds)} types: "
          + ", ".join(f"{k} {n}" for k, n in sorted(Counter(k for (_, k) in seen.elements()).items())))
    assert sum(seen.values()) > 0, "no public event found: this test checks what the rest of the suite produced"
    unique = sorted(set(failures))
    assert not unique, f"{len(failures)} invalid events ({len(unique)} distinct):\n" + "\n".join(unique[:30])
