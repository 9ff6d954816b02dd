"""A generated roster published to the compacted topics is read by the worker's roster view and ranked."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from datetime import date

import pytest

from responders.matching import RoleRequest, RosterIndex, rank

pytestmark = pytest.mark.integration


async def test_published_roster_reaches_every_worker_view(start_worker, tmp_path):
    runtime, _ = await start_worker()
    s = runtime.settings
    env = {"RRC_BROKER": s.bootstrap_servers, "RRC_TOPIC_PREFIX": s.topic_prefix, "RRC_DATA_DIR": str(s.data_dir),
           "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "cli.main", "roster", "generate", "--experts", "300",
                          "--partners", "12", "--seed", "4", "--epoch", "2026-11-01", "--out", str(tmp_path),
                          "--publish"], env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    roster = runtime.views.roster
    deadline = time.monotonic() + 60
    while (len(roster.experts.records) < 300 or len(roster.partners.records) < 12) and time.monotonic() < deadline:
        await asyncio.sleep(0.2)
    assert len(roster.experts.records) == 300 and len(roster.partners.records) == 12

    # Re-publishing the same seed changes nothing (compacted topic, same keys).
    again = subprocess.run([sys.executable, "-m", "cli.main", "roster", "import", str(tmp_path / "experts.csv")],
                           env=env, capture_output=True, text=True, timeout=120)
    assert again.returncode == 0 and "valid 300, rejected 0" in again.stderr
    await asyncio.sleep(1)
    assert len(roster.experts.records) == 300

    index = RosterIndex.from_experts(list(roster.experts.records.values()))
    role = RoleRequest(role="employment assessment", skills={"labour_market_assessment": 2}, count=2,
                       start=date(2026, 12, 1), duration_days=30, countries=["TUR"])
    ranking = rank(index, role, k=5)
    assert ranking.candidates, "a 300-expert roster has someone for a common skill"
    for c in ranking.candidates:
        assert roster.experts.get(c.expert_id).skills.get("labour_market_assessment", 0) >= 2
        assert abs(sum(c.score_parts.values()) - c.score) < 1e-9
