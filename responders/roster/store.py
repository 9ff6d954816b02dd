"""The roster read model every worker keeps: experts and partners folded from their compacted topics."""

from __future__ import annotations

from typing import Callable, Generic, Iterable, TypeVar

from pydantic import BaseModel

from responders.roster.models import Expert, Partner
from vocabulary.pagination import Page, paginate

R = TypeVar("R", bound=BaseModel)


class RecordStore(Generic[R]):
    """Latest record per id (a tombstone deletes); `version` moves on every change so derived indexes can follow."""

    def __init__(self, model: type[R], id_field: str) -> None:
        self.model = model
        self.id_field = id_field
        self.records: dict[str, R] = {}
        self.version = 0
        self.listeners: list[Callable[[str, R | None], None]] = []  # (id, record or None when deleted)

    def apply_message(self, key: bytes | None, value: bytes | None) -> None:
        if value is None:
            if key is not None and self.records.pop(key.decode(), None) is not None:
                self.version += 1
                for listener in self.listeners:
                    listener(key.decode(), None)
            return
        self.put(self.model.model_validate_json(value))

    def put(self, record: R) -> None:
        record_id = getattr(record, self.id_field)
        self.records[record_id] = record
        self.version += 1
        for listener in self.listeners:
            listener(record_id, record)

    def get(self, record_id: str) -> R | None:
        return self.records.get(record_id)

    def page(self, limit: int, cursor: str | None, *, active: bool | None = None, where=None) -> Page:
        rows: Iterable[R] = self.records.values()
        if active is not None:
            rows = (r for r in rows if getattr(r, "active", True) is active)
        if where is not None:
            rows = (r for r in rows if where(r))
        return paginate(rows, lambda r: (getattr(r, self.id_field),), limit, cursor)


class RosterStore:
    """Experts and partners, as the compacted topics say."""

    def __init__(self) -> None:
        self.experts: RecordStore[Expert] = RecordStore(Expert, "expert_id")
        self.partners: RecordStore[Partner] = RecordStore(Partner, "partner_id")


def record_message(record: BaseModel) -> bytes:
    return record.model_dump_json().encode()


def decode_list_field(value: str | None) -> list[str]:
    return [v.strip().upper() for v in (value or "").split(",") if v.strip()]


__all__ = ["RecordStore", "RosterStore", "record_message", "decode_list_field"]
