"""One cycle of bench/fresh_start.py, as a new user starts: a fresh `rrc up --demo` (new broker, new data dir, log
level WARNING, a partner's webhook subscription and an SSE client connected), a severe GDACS earthquake in, its
plan approved: the first offer goes out within 30 s, a decline reaches the next candidate within 30 s, and Ctrl-C
stops everything without a traceback."""

from __future__ import annotations

import pytest

from bench.fresh_start import DEADLINE_S, one_run

pytestmark = pytest.mark.e2e


def test_a_fresh_system_staffs_and_escalates(tmp_path):
    result = one_run(0, idle_s=0, keep=tmp_path)
    assert result["ok"], result
    [(to_offer, to_next)] = result["delays_s"]
    assert to_offer < DEADLINE_S and to_next < DEADLINE_S
    assert result["webhooks"] > 0 and result["sse_events"] > 0, "the partner and the SSE client got events"
    assert result["log_tracebacks"] == 0 and not result["log_missing_topic"]
    assert result["stop_s"] < 10
