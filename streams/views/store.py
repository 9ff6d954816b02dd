"""Disk-backed records for read views: the values on local disk (RocksDB), only a few fields per record in memory.

Why: a view folds whole topics, and kept as Python objects (or even as message bytes) the values grow with
everything ever seen: 100,000 plans of 10-20 KB each are 1-2 GB of memory. A view keeps here what it filters and
sorts on (`meta`), and reads a value from disk when a call asks for it (the last few hundred stay parsed). The
store is derived state: it lives in a directory of this process under the data dir, emptied at start (the view
reads its topics again) and removed at stop; directories of processes that are gone are removed too.
"""

from __future__ import annotations

import json
import os
import shutil
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import orjson
from rocksdict import Options, Rdict, WriteOptions

from streams.broker.local import process_alive

SEP = "\x1f"


class DiskStore:
    """One RocksDB per view and process, under `root` (`<data dir>/views/<app id>`)."""

    def __init__(self, root: Path, name: str) -> None:
        self.root = Path(root)
        self.path = self.root / f"{name}-{os.getpid()}"
        self._db: Rdict | None = None

    @property
    def db(self) -> Rdict:
        if self._db is None:
            self._clean_orphans()
            shutil.rmtree(self.path, ignore_errors=True)
            self.path.parent.mkdir(parents=True, exist_ok=True)
            options = Options()
            options.create_if_missing(True)
            options.set_write_buffer_size(4 * 1024 * 1024)  # RocksDB's 64 MB default, per store, was most of a
            options.set_max_write_buffer_number(2)  # view's memory: the point of the store is to keep it small
            self._db = Rdict(str(self.path), options)
            # No write-ahead log: the store is rebuilt from the topics at every start, so a crash loses nothing it
            # needs, and the log cost a write call per put (13 us against 8 without, 10,000 of them in a sweep).
            unlogged = WriteOptions()
            unlogged.disable_wal = True
            self._db.set_write_options(unlogged)
        return self._db

    def _clean_orphans(self) -> None:
        if not self.root.is_dir():
            return
        for child in self.root.iterdir():
            _, _, pid = child.name.rpartition("-")
            if pid.isdigit() and int(pid) != os.getpid() and not process_alive(int(pid)):
                shutil.rmtree(child, ignore_errors=True)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None
            shutil.rmtree(self.path, ignore_errors=True)


class DiskRecords(Mapping[str, dict[str, Any]]):
    """Records by key: `meta[key]` (the given fields) in memory, the whole record (JSON) on disk. With `part`, what
    is stored is a message holding the record under that name (the message's bytes, not serialised again)."""

    def __init__(self, store: DiskStore, fields: tuple[str, ...], part: str | None = None, namespace: str = "",
                 cache: int = 512, derived: Callable[[dict[str, Any]], dict[str, Any]] | None = None) -> None:
        self.store = store
        self.fields = fields
        self.derived = derived  # more in-memory fields computed from the record (e.g. from a nested part)
        self.part = part
        self.prefix = namespace + SEP if namespace else ""  # several record kinds may share one store
        self.meta: dict[str, dict[str, Any]] = {}
        self._parsed: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache = cache

    def put(self, key: str, record: dict[str, Any], raw: bytes | None = None) -> None:
        """Store `record` (its JSON `raw` when the caller has it: no second serialisation)."""
        self.store.db[(self.prefix + key).encode()] = (raw if raw is not None
                                                       else json.dumps(record, separators=(",", ":")).encode())
        self.meta[key] = {f: record.get(f) for f in self.fields}
        if self.derived is not None:
            self.meta[key].update(self.derived(record))
        self._parsed.pop(key, None)

    def __getitem__(self, key: str) -> dict[str, Any]:
        found = self._parsed.get(key)
        if found is None:
            if key not in self.meta:
                raise KeyError(key)
            found = orjson.loads(self.store.db[(self.prefix + key).encode()])
            if self.part is not None:
                found = found[self.part]
            self._parsed[key] = found
            while len(self._parsed) > self._cache:
                self._parsed.popitem(last=False)
        return found

    def __contains__(self, key: object) -> bool:
        return key in self.meta

    def __iter__(self) -> Iterator[str]:
        return iter(self.meta)

    def __len__(self) -> int:
        return len(self.meta)


class DiskGroups:
    """Members of groups on disk, in order within each group (e.g. a crisis's signals by observed time), with
    pages read by a key prefix: nothing of them is kept in memory."""

    def __init__(self, store: DiskStore) -> None:
        self.store = store

    def put(self, group: str, order: str, member: str, raw: bytes) -> None:
        self.store.db[SEP.join((group, order, member)).encode()] = raw

    def page(self, group: str, limit: int, after: str | None = None) -> tuple[list[dict[str, Any]], str | None]:
        """Up to `limit` members of `group` after the position `after` (an opaque key from an earlier page), and
        the position to continue from (None at the end)."""
        prefix = (group + SEP).encode()
        it = self.store.db.iter()
        try:
            start = after.encode() if after else prefix
            it.seek(start)
            if after and it.valid() and it.key() == start:
                it.next()
            out: list[dict[str, Any]] = []
            last = None
            while it.valid() and it.key().startswith(prefix) and len(out) < limit:
                out.append(orjson.loads(it.value()))
                last = it.key().decode()
                it.next()
            more = it.valid() and it.key().startswith(prefix)
        finally:
            del it
        return out, last if more else None

    def last(self, group: str, n: int) -> list[dict[str, Any]]:
        """The last `n` members of `group`, in order."""
        prefix = (group + SEP).encode()
        it = self.store.db.iter()
        try:
            it.seek_for_prev((group + SEP + "\U0010ffff").encode())
            out: list[dict[str, Any]] = []
            while it.valid() and it.key().startswith(prefix) and len(out) < n:
                out.append(orjson.loads(it.value()))
                it.prev()
        finally:
            del it
        return out[::-1]
