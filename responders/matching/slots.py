"""Per-row day intervals as dense slots (k x rows int32 arrays) plus an overflow pool for long lists.

Most experts have a couple of availability windows and deployments: their first `k` intervals sit in
dense arrays so a query reads them with plain gathers; a row with more than `max_k` intervals keeps the
rest in an IntervalPool that queries only visit when some row overflows. Empty slots hold an empty
interval (start = int32 max, end = int32 min) that no comparison with a real day can match, even after
adding or subtracting rest days."""

from __future__ import annotations

import numpy as np

from responders.matching.pool import IntervalPool

EMPTY_START = np.iinfo(np.int32).max
EMPTY_END = np.iinfo(np.int32).min


class IntervalSlots:
    def __init__(self, rows: int = 0, k: int = 1, max_k: int = 4) -> None:
        self.max_k = max(1, max_k)
        self.k = min(max(1, k), self.max_k)
        self.start = np.full((self.k, rows), EMPTY_START, np.int32)
        self.end = np.full((self.k, rows), EMPTY_END, np.int32)
        self.count = np.zeros(rows, np.int32)
        self.overflow = IntervalPool(rows, capacity=16)
        self.overflow_rows = 0

    @property
    def nbytes(self) -> int:
        return self.start.nbytes + self.end.nbytes + self.count.nbytes + self.overflow.nbytes

    def resize_rows(self, rows: int) -> None:
        grow = rows - len(self.count)
        if grow > 0:
            self.start = np.concatenate([self.start, np.full((self.k, grow), EMPTY_START, np.int32)], axis=1)
            self.end = np.concatenate([self.end, np.full((self.k, grow), EMPTY_END, np.int32)], axis=1)
            self.count = np.concatenate([self.count, np.zeros(grow, np.int32)])
            self.overflow.resize_rows(rows)

    def _widen(self, k: int) -> None:
        k = min(k, self.max_k)
        if k > self.k:
            rows = self.start.shape[1]
            self.start = np.concatenate([self.start, np.full((k - self.k, rows), EMPTY_START, np.int32)])
            self.end = np.concatenate([self.end, np.full((k - self.k, rows), EMPTY_END, np.int32)])
            self.k = k

    def set(self, row: int, intervals: list[tuple[int, int]]) -> None:
        """Replace the intervals of one row."""
        self._widen(len(intervals))
        self.start[:, row], self.end[:, row] = EMPTY_START, EMPTY_END
        for j, (s, e) in enumerate(intervals[:self.k]):
            self.start[j, row], self.end[j, row] = s, e
        had = self.count[row] > self.k
        extra = intervals[self.k:]
        if extra or had:
            self.overflow.set(row, extra)
        self.overflow_rows += int(bool(extra)) - int(had)
        self.count[row] = len(intervals)

    def load(self, first_row: int, counts: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        """Write the intervals of rows first_row, first_row+1, ... (counts per row, flat starts/ends in row order)."""
        if not len(counts):
            return
        self._widen(int(counts.max()))
        rows = np.repeat(np.arange(first_row, first_row + len(counts)), counts)
        slot = np.arange(len(rows)) - np.repeat(np.cumsum(counts) - counts, counts)
        dense = slot < self.k
        self.start[slot[dense], rows[dense]] = starts[dense]
        self.end[slot[dense], rows[dense]] = ends[dense]
        self.count[first_row:first_row + len(counts)] = counts
        extra = np.maximum(counts - self.k, 0).astype(np.int32)
        if extra.any():
            self.overflow.load(first_row, extra, starts[~dense], ends[~dense])
            self.overflow_rows += int(np.count_nonzero(extra))

    def row(self, row: int) -> list[tuple[int, int]]:
        dense = [(int(self.start[j, row]), int(self.end[j, row])) for j in range(min(self.k, int(self.count[row])))]
        return dense + (self.overflow.row(row) if self.count[row] > self.k else [])

    def dense(self, rows: np.ndarray) -> list[tuple[np.ndarray, np.ndarray]]:
        """(start, end) of each dense slot for the given rows."""
        return [(self.start[j].take(rows), self.end[j].take(rows)) for j in range(self.k)]

    def spilled(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(owner, start, end) of the overflow intervals of the given rows; owner is the position in `rows`."""
        if not self.overflow_rows:
            empty = np.zeros(0, np.int64)
            return empty, empty, empty
        return self.overflow.gather(rows)
