"""An owner's records: inputs decoded into message classes, table values loaded into state, outputs sent."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from typing import Any

import faust

from responders.messages import TYPE_HEADER, Record
from streams import faust_adapter as fa


def typed_decoder(*classes: type) -> Callable[[Any], Any]:
    """Decode a record into the message class its `rrc-type` header names (one of `classes`)."""
    by_name = {c.__name__: c for c in classes}

    def decode(ev: Any) -> Any:
        headers = ev.message.headers or ()
        name = next((v.decode() for k, v in (headers.items() if hasattr(headers, "items") else headers)
                     if k == TYPE_HEADER), None)
        cls = by_name.get(name or "")
        if cls is None:
            raise ValueError(f"{TYPE_HEADER}: {name!r} is not one of {sorted(by_name)}")
        return cls.model_validate_json(ev.value)

    return decode


class TableReader:
    """The owner's table as decide reads it: each key read in the partition of the input that asks for it."""

    def __init__(self, stream: Any, table: Any, events: dict[int, Any], load: Callable[[bytes], Any]) -> None:
        self.stream, self.table, self.events, self.load = stream, table, events, load
        self.cache: dict[str, Any] = {}

    def get(self, key: str, partition: int) -> Any:
        if key not in self.cache:
            raw = fa.read_as(self.stream, self.table, self.events[partition], key)
            self.cache[key] = None if raw is None else self.load(raw)
        return self.cache[key]


def load_model(model: Any) -> Callable[[bytes], Any]:
    """A table-value loader for a pydantic model (values written by earlier releases were JSON strings)."""

    def load(raw: bytes | str) -> Any:
        if isinstance(raw, str) or raw[:1] == b'"':
            raw = json.loads(raw)
        return model.model_validate_json(raw)

    return load


async def send_records(app: faust.App, settings: Any, records: Sequence[Record]) -> None:
    """Send records with the app's producer and wait for the broker's acks, within RRC_PRODUCER_TIMEOUT_S."""
    if not records:
        return
    producer, name = app.producer, settings.topic_name

    async def send_all() -> None:
        futures = [await producer.send(name(r.topic.name), r.key, r.value, r.partition, None, r.headers)
                   for r in records]
        await asyncio.gather(*futures)

    try:
        await asyncio.wait_for(send_all(), settings.producer_timeout_s)
    except asyncio.TimeoutError as exc:
        raise TimeoutError(f"the broker did not acknowledge {len(records)} messages within "
                           f"{settings.producer_timeout_s:g} s") from exc
