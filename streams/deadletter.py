"""Dead letters, the same for every stage and owner: the original bytes as the value, why and where in headers."""

from __future__ import annotations

import time
from typing import Any

from pydantic import ValidationError

from responders.signals.normalise import describe_validation_error

Headers = list[tuple[str, bytes]]


def reason_of(error: BaseException) -> str:
    """What went wrong, naming the field for a validation error."""
    if isinstance(error, ValidationError):
        return describe_validation_error(error)
    return str(error) or repr(error)


def deadletter_headers(source: Any, reason: str, error_type: str, record: str | None = None) -> Headers:
    """Headers for a dead letter of `source` (anything with topic, partition, offset and headers): the reason and
    error type, where the input came from and when it was refused; the input's own headers follow, so the dead
    letter can be replayed as is."""
    headers: Headers = [
        ("rrc-dlq-reason", reason.encode()[:4000]),
        ("rrc-dlq-error-type", error_type.encode()),
        ("rrc-dlq-source-topic", str(source.topic).encode()),
        ("rrc-dlq-source-partition", str(source.partition).encode()),
        ("rrc-dlq-source-offset", str(source.offset).encode()),
        ("rrc-dlq-at", str(int(time.time() * 1000)).encode()),
    ]
    if record:
        headers.append(("rrc-dlq-record", record.encode()[:500]))
    original = source.headers or ()
    items = original.items() if hasattr(original, "items") else original
    headers.extend((k, v if isinstance(v, bytes) else str(v).encode()) for k, v in items
                   if not k.startswith("rrc-dlq-"))
    return headers
