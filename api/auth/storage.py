"""A small JSON document on local disk: lock-free reads, writers serialised by `fcntl.flock`, tmp + rename writes."""

from __future__ import annotations

import fcntl
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from api.auth.exceptions import TokenStoreError

FileSignature = tuple[int, int, int]  # inode, mtime_ns, size: every rename yields a new inode


class JsonFile:
    """Readers see the old or the new document, never half of one; writers read-modify-write under one lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.lock_path = path.with_name(path.name + ".lock")

    def signature(self) -> FileSignature | None:
        try:
            st = os.stat(self.path)
        except FileNotFoundError:
            return None
        return st.st_ino, st.st_mtime_ns, st.st_size

    def read(self) -> dict[str, Any] | None:
        """The document, or None when the file does not exist yet."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise TokenStoreError(f"cannot read {self.path}: {exc.strerror or exc}") from exc
        try:
            doc = json.loads(raw)
        except ValueError as exc:
            raise TokenStoreError(f"{self.path} is not valid JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise TokenStoreError(f"{self.path} does not hold a JSON object")
        return doc

    @contextmanager
    def update(self) -> Iterator[dict[str, Any]]:
        """Yield the current document (empty when new); write it back atomically unless the block raises."""
        self._ensure_dir()
        try:
            fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise TokenStoreError(f"cannot open lock {self.lock_path}: {exc.strerror or exc}") from exc
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            doc = self.read() or {}
            yield doc
            self._write(doc)
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def _ensure_dir(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as exc:
            raise TokenStoreError(f"cannot create {self.path.parent}: {exc.strerror or exc}") from exc

    def _write(self, doc: dict[str, Any]) -> None:
        data = json.dumps(doc, indent=1, sort_keys=True).encode() + b"\n"
        tmp = self.path.with_name(f".{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
        try:
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "wb", closefd=False) as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
            finally:
                os.close(fd)
            os.replace(tmp, self.path)
            self._fsync_dir()
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise TokenStoreError(f"cannot write {self.path}: {exc.strerror or exc}") from exc

    def _fsync_dir(self) -> None:
        fd = os.open(self.path.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
