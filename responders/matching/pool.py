"""Per-row lists of day intervals in one append-only pool of int32 arrays (CSR-like, updatable per row)."""

from __future__ import annotations

import numpy as np

_EMPTY = np.zeros(0, np.int64)


class IntervalPool:
    """Row r owns the intervals start[off[r]:off[r]+cnt[r]] / end[...] (inclusive day ordinals).

    Replacing a row's intervals rewrites them in place when they fit, else appends them at the end of
    the pool (the old slots become garbage, reclaimed by `compact` once garbage outweighs live data)."""

    def __init__(self, rows: int = 0, capacity: int = 1024) -> None:
        self.off = np.zeros(rows, np.int64)
        self.cnt = np.zeros(rows, np.int32)
        self.start = np.zeros(capacity, np.int32)
        self.end = np.zeros(capacity, np.int32)
        self.used = 0
        self.garbage = 0

    @property
    def nbytes(self) -> int:
        return self.off.nbytes + self.cnt.nbytes + self.start.nbytes + self.end.nbytes

    def resize_rows(self, rows: int) -> None:
        grow = rows - len(self.off)
        if grow > 0:
            self.off = np.concatenate([self.off, np.zeros(grow, np.int64)])
            self.cnt = np.concatenate([self.cnt, np.zeros(grow, np.int32)])

    def _reserve(self, extra: int) -> None:
        need = self.used + extra
        if need > len(self.start):
            size = max(need, 2 * len(self.start), 1024)
            self.start = np.concatenate([self.start[:self.used], np.zeros(size - self.used, np.int32)])
            self.end = np.concatenate([self.end[:self.used], np.zeros(size - self.used, np.int32)])

    def set(self, row: int, intervals: list[tuple[int, int]]) -> None:
        """Replace the intervals of one row."""
        k = len(intervals)
        if k > self.cnt[row]:
            self.garbage += int(self.cnt[row])
            self._reserve(k)
            self.off[row] = self.used
            self.used += k
        else:
            self.garbage += int(self.cnt[row]) - k
        o = int(self.off[row])
        for i, (s, e) in enumerate(intervals):
            self.start[o + i], self.end[o + i] = s, e
        self.cnt[row] = k
        if self.garbage > max(1024, self.used // 2):
            self.compact()

    def load(self, first_row: int, counts: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        """Append the intervals of rows first_row, first_row+1, ... (counts per row, flat starts/ends)."""
        total = int(counts.sum())
        self._reserve(total)
        rows = len(counts)
        self.off[first_row:first_row + rows] = self.used + np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.cnt[first_row:first_row + rows] = counts
        self.start[self.used:self.used + total] = starts
        self.end[self.used:self.used + total] = ends
        self.used += total

    def compact(self) -> None:
        """Rewrite the live intervals contiguously, in row order."""
        cnt = self.cnt.astype(np.int64)
        idx = _positions(self.off, cnt)
        self.start = np.concatenate([self.start[idx], np.zeros(max(1024, len(idx)), np.int32)])
        self.end = np.concatenate([self.end[idx], np.zeros(max(1024, len(idx)), np.int32)])
        self.off = np.concatenate([[0], np.cumsum(cnt)[:-1]]).astype(np.int64)
        self.used = len(idx)
        self.garbage = 0

    def row(self, row: int) -> list[tuple[int, int]]:
        o, k = int(self.off[row]), int(self.cnt[row])
        return list(zip(self.start[o:o + k].tolist(), self.end[o:o + k].tolist()))

    def gather(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For the given rows: (owner, start, end) of all their intervals; owner is the position in `rows`."""
        cnt = self.cnt[rows].astype(np.int64)
        idx = _positions(self.off[rows], cnt)
        if not len(idx):
            return _EMPTY, _EMPTY, _EMPTY
        owner = np.repeat(np.arange(len(rows)), cnt)
        return owner, self.start[idx], self.end[idx]


def _positions(off: np.ndarray, cnt: np.ndarray) -> np.ndarray:
    """Pool positions of the intervals of rows with these offsets and counts, row after row."""
    total = int(cnt.sum())
    if total == 0:
        return _EMPTY
    ends = np.cumsum(cnt)
    return np.repeat(off - (ends - cnt), cnt) + np.arange(total)
