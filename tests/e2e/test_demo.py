"""The demo loader of `make run` against a real worker: roster imported, every shared sample replayed, crises made."""

from __future__ import annotations

import pytest

from cli.demo import DEMO_EXPERTS, DEMO_PARTNERS, load_demo, sample_files
from cli.pages import every
from config.settings import Settings
from tests.e2e.conftest import wait_until

pytestmark = pytest.mark.e2e


def test_demo_loads_roster_and_replays_every_sample(server, shared_data, monkeypatch, capsys):
    monkeypatch.setenv("RRC_DEMO_DATA", str(shared_data))
    for key, value in server.env.items():
        if key.startswith("RRC_"):
            monkeypatch.setenv(key, value)
    load_demo(server.url, Settings(_env_file=None))
    out = capsys.readouterr()
    files = sample_files(shared_data)
    assert len(files) >= 10 and {fmt for _, fmt in files} >= {"cap", "usgs", "reliefweb", "indicators"}
    for path, _ in files:
        assert f"{path.parent.name}/{path.name}: 202" in out.err, out.err

    token = next(line.split()[-1] for line in out.out.splitlines() if "coordinator token" in line)
    client = server.client(token)
    assert client.get("/v1/experts", params={"limit": 1}).json()["total"] == DEMO_EXPERTS
    assert client.get("/v1/partners", params={"limit": 1}).json()["total"] == DEMO_PARTNERS
    crises = wait_until(lambda: client.get("/v1/crises", params={"limit": 200}).json(),
                        lambda page: page["total"] >= 20, what="demo crises")
    hazards = {c["hazard"] for c in crises["items"]}
    assert {"earthquake", "flood"} <= hazards, hazards
    reported = next(line for line in out.out.splitlines() if "feed files" in line)
    assert f"{len(files)} feed files" in reported
    plans = int(reported.split(" crises, ")[1].split()[0])
    assert client.get("/v1/plans", params={"limit": 1}).json()["total"] == plans
    # The samples are from 2011 to 2024: history, not news. The demo says how many; none of them is planned for.
    history = next(line for line in out.out.splitlines() if "were history" in line)
    historical = int(history.split("demo: ")[1].split()[0])
    recorded = list(every(client, "/v1/crises", historical="true"))
    assert historical == sum(c["signal_count"] for c in recorded) and historical >= 1000, history
    assert all(c["status"] == "closed" for c in recorded)
    planned = {p["crisis_id"] for p in every(client, "/v1/plans")}
    assert not planned & {c["crisis_id"] for c in recorded}, "a plan was proposed for history"
    active = client.get("/v1/crises", params={"active": "true", "limit": 500}).json()["items"]
    assert all(not c["historical"] for c in active)
