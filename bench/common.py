"""Shared bench helpers: a broker (RRC_BROKER or a throwaway one), settings with a fresh prefix, timing."""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from config.settings import Settings  # noqa: E402


def bench_settings(bootstrap: str, **overrides) -> Settings:
    values = dict(broker=bootstrap, topic_prefix=f"bench{uuid.uuid4().hex[:8]}.", log_json=False,
                  data_dir=Path(os.environ.get("TMPDIR", "/tmp")) / f"rrc-bench-{uuid.uuid4().hex[:6]}")
    values.update(overrides)
    return Settings(**values)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[k]


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def emit(figures: dict) -> None:
    """The last line of every bench: one JSON object, units in the key names."""
    print(json.dumps(figures, sort_keys=True), flush=True)
