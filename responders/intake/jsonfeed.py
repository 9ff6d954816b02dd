"""Already-normalised signals as JSON (one object, a list, or JSON lines), validated one by one."""

from __future__ import annotations

import json

from responders.intake.base import Collector, ParseResult, RecordRejected
from responders.intake.exceptions import UnreadableInput
from responders.intake.text import decode_text
from vocabulary.signals import Hazard, Signal, kind_of, make_signal_id


def load_json_records(data: bytes) -> tuple[list[object], str]:
    """The records of a JSON document or JSON-lines body, and how to name them ('item' or 'line')."""
    text = decode_text(data, fallback=None).strip()
    if not text:
        raise UnreadableInput("empty body")
    try:
        doc = json.loads(text)
    except RecursionError as exc:
        raise UnreadableInput("JSON nested too deeply") from exc
    except ValueError:
        doc = None
    else:
        if isinstance(doc, list):
            return doc, "item"
        if isinstance(doc, dict):
            return [doc], "item"
        raise UnreadableInput(f"JSON holds a {type(doc).__name__}, not signal objects")
    records: list[object] = []
    for line in text.splitlines():
        line = line.strip()
        if not line:
            records.append(None)
            continue
        try:
            records.append(json.loads(line))
        except (ValueError, RecursionError) as exc:
            records.append(exc)
    if not any(isinstance(r, (dict, list)) for r in records):
        raise UnreadableInput("neither a JSON document nor JSON lines")
    return records, "line"


def parse_json(data: bytes, **opts: object) -> ParseResult:
    """Parse normalised signals; each invalid object becomes a rejection naming the bad field(s)."""
    records, unit = load_json_records(data)
    collector = Collector()
    for number, record in enumerate(records, 1):
        if record is None:
            continue
        collector.add(f"{unit} {number}", lambda record=record: record_to_signal(record))
    return collector.result


def record_to_signal(record: object) -> Signal:
    """Validate one object; signal_id and kind are filled in when absent and must agree when present."""
    if isinstance(record, Exception):
        raise RecordRejected(f"not valid JSON: {record}"[:300])
    if not isinstance(record, dict):
        raise RecordRejected(f"expected a signal object, got {type(record).__name__}")
    data = dict(record)
    source, source_id = data.get("source"), data.get("source_id")
    if isinstance(source, str) and isinstance(source_id, str) and source and source_id:
        expected = make_signal_id(source, source_id)
        if data.get("signal_id") in (None, ""):
            data["signal_id"] = expected
        elif data["signal_id"] != expected:
            raise RecordRejected(f"signal_id: {data['signal_id']!r} is not the stable id {expected!r} "
                                 "of this source and source_id")
    if "kind" not in data and isinstance(data.get("hazard"), str) and data["hazard"] in Hazard._value2member_map_:
        data["kind"] = kind_of(Hazard(data["hazard"])).value
    signal = Signal.model_validate(data)
    if signal.kind is not kind_of(signal.hazard):
        raise RecordRejected(f"kind: {signal.kind.value!r} does not fit hazard {signal.hazard.value!r} "
                             f"(expected {kind_of(signal.hazard).value!r})")
    return signal
