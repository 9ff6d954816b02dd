"""CloudEvents 1.0 for rrc's public stream: Kafka binary mode (ce_ headers) and structured JSON (webhooks)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from pydantic_core import to_json

SPEC_VERSION = "1.0"
SOURCE = "urn:rrc"


@dataclass(frozen=True)
class CloudEvent:
    id: str
    type: str
    data: dict[str, Any]
    time: datetime
    subject: str | None = None
    source: str = SOURCE
    extensions: dict[str, str] = field(default_factory=dict)

    def attributes(self) -> dict[str, str]:
        attrs = {"specversion": SPEC_VERSION, "id": self.id, "source": self.source, "type": self.type,
                 "time": self.time.astimezone(timezone.utc).isoformat().replace("+00:00", "Z"),
                 "datacontenttype": "application/json"}
        if self.subject:
            attrs["subject"] = self.subject
        attrs.update(self.extensions)
        return attrs

    def to_kafka_binary(self) -> tuple[list[tuple[str, bytes]], bytes]:
        """Binary content mode: attributes as `ce_` headers, `content-type` header, the data as the value."""
        headers = [(f"ce_{k}", v.encode()) for k, v in self.attributes().items() if k != "datacontenttype"]
        headers.append(("content-type", b"application/json"))
        return headers, to_json(self.data, fallback=str)  # pydantic-core's encoder: a third of json.dumps's time

    def to_structured(self) -> dict[str, Any]:
        """Structured content mode: one JSON object with the attributes and `data`."""
        return {**self.attributes(), "data": self.data}

    @classmethod
    def from_kafka_binary(cls, headers, value: bytes) -> "CloudEvent":
        attrs = {k[3:]: v.decode() for k, v in headers or () if k.startswith("ce_")}
        known = {"specversion", "id", "source", "type", "time", "subject"}
        return cls(id=attrs["id"], type=attrs["type"], source=attrs.get("source", SOURCE),
                   time=datetime.fromisoformat(attrs["time"].replace("Z", "+00:00")),
                   subject=attrs.get("subject"), data=json.loads(value),
                   extensions={k: v for k, v in attrs.items() if k not in known})

    @classmethod
    def from_structured(cls, doc: dict[str, Any]) -> "CloudEvent":
        """The event of a structured-mode JSON object (as `to_structured` writes it)."""
        known = {"specversion", "id", "source", "type", "time", "subject", "datacontenttype", "data"}
        return cls(id=doc["id"], type=doc["type"], source=doc.get("source", SOURCE),
                   time=datetime.fromisoformat(str(doc["time"]).replace("Z", "+00:00")), subject=doc.get("subject"),
                   data=doc.get("data") or {}, extensions={k: str(v) for k, v in doc.items() if k not in known})
