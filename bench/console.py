"""Time to first render of the console's crises page with 1,000 crises, and what it transfers.

Starts the real `rrc worker` (worker + API) on the broker (RRC_BROKER, else a throwaway one), signs a coordinator
in through the page in headless Chromium, and measures the crises page: from navigation start to the moment the
list and the map are drawn (the page's `rrc:crises-rendered` mark), cold (fresh browser cache) and warm (reloads).
Baseline of the same run: the same page on the same system with no crisis yet. Then 1,000 conflict crises go in
through `POST /v1/signals` (spread over a 2-degree grid so none merge, severities mixed) and the page is measured
again. Transfer is the sum of `transferSize` over the page's navigation and resource entries (the event stream,
which never ends, is not counted).

    python bench/console.py [--crises 1000] [--reloads 5]

Ends with one JSON line; the goal is ttfr_ms_warm_1000 under 1,000.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.common import emit  # noqa: E402
from streams.broker.local import free_port  # noqa: E402
from streams.broker.throwaway import broker_for_run  # noqa: E402
from tests.browser import chromium_driver  # noqa: E402
from vocabulary.signals import iso3_codes, make_signal_id  # noqa: E402

SEVERITIES = ("minor", "moderate", "severe", "extreme")
RENDERED = ("const m = performance.getEntriesByName('rrc:crises-rendered')[0]; if (!m) return null;"
            "const nav = performance.getEntriesByType('navigation')[0];"
            "const res = performance.getEntriesByType('resource').filter(e => !e.name.includes('/events/stream'));"
            "return {ms: m.startTime, bytes: [nav, ...res].reduce((s, e) => s + (e.transferSize || 0), 0),"
            " api: res.filter(e => e.name.includes('/v1/crises')).reduce((s, e) => s + (e.transferSize || 0), 0),"
            " rows: document.querySelectorAll('#crisis-table tbody tr[data-id]').length,"
            " points: document.querySelectorAll('#crisis-map [data-crisis-id]').length}")


def signals(n: int) -> list[dict]:
    countries = sorted(iso3_codes())
    at = datetime.now(timezone.utc) - timedelta(minutes=5)
    out = []
    for i in range(n):
        lat, lon = -58 + (i // 60) * 2.0, -178 + (i % 60) * 2.0 + 0.5
        sid = f"console-{i}"
        out.append({"signal_id": make_signal_id("bench", sid), "source": "bench", "source_id": sid,
                    "kind": "conflict", "hazard": "armed_conflict", "title": f"Armed clashes, cell {i}",
                    "countries": [countries[i % len(countries)]], "location": {"lat": lat, "lon": lon},
                    "severity": SEVERITIES[i % 4], "observed_at": at.isoformat()})
    return out


def start_worker(bootstrap: str, data: Path) -> tuple[subprocess.Popen, str, dict]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("RRC_")}
    env.update(RRC_BROKER=bootstrap, RRC_API_PORT=str(port), RRC_DATA_DIR=str(data),
               RRC_TOPIC_PREFIX=f"console{port}.", RRC_RATE_LIMIT_PER_S="1000", RRC_RATE_LIMIT_BURST="2000")
    proc = subprocess.Popen([sys.executable, "-m", "cli.main", "worker"], env=env, stdout=subprocess.DEVNULL,
                            stderr=open(data.parent / "worker.log", "wb"))
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=3).status_code == 200:
                return proc, url, env
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise SystemExit("the worker exited; see worker.log")
        time.sleep(0.5)
    raise SystemExit("the API never became healthy")


def token(env: dict, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "cli.main", "token", "create", *args], env=env, capture_output=True,
                         text=True, timeout=60, check=True)
    return out.stdout.strip()


def measure(driver, url: str, reloads: int) -> dict:
    """The crises page cold (first load in this browser), then warm over `reloads` reloads."""
    runs = []
    driver.execute_cdp_cmd("Network.clearBrowserCache", {})
    for _ in range(reloads + 1):
        driver.get("about:blank")  # a new navigation each time (the same URL again would only move the hash)
        driver.get(f"{url}/console#/crises")
        deadline = time.monotonic() + 60
        figures = None
        while figures is None and time.monotonic() < deadline:
            figures = driver.execute_script(RENDERED)
            time.sleep(0.02)
        if figures is None:
            raise SystemExit("the crises page never rendered")
        runs.append(figures)
    warm = runs[1:]
    return {"cold_ms": runs[0]["ms"], "warm_ms": statistics.median(r["ms"] for r in warm),
            "cold_kb": runs[0]["bytes"] / 1024, "warm_kb": statistics.median(r["bytes"] for r in warm) / 1024,
            "api_kb": statistics.median(r["api"] for r in warm) / 1024, "rows": runs[-1]["rows"],
            "points": runs[-1]["points"]}


def sign_in(driver, url: str, tok: str) -> None:
    driver.get(f"{url}/console")
    deadline = time.monotonic() + 30
    while not driver.execute_script("return document.getElementById('token')"):
        if time.monotonic() > deadline:
            raise SystemExit("no sign-in form")
        time.sleep(0.1)
    driver.execute_script("const f = document.getElementById('token'); f.value = arguments[0];"
                          "document.querySelector('#signin button').click()", tok)
    while driver.execute_script("return document.body.dataset.rendered") != "crises":
        if time.monotonic() > deadline:
            raise SystemExit("sign-in did not lead to the crises page")
        time.sleep(0.1)


def main(bootstrap: str, n: int, reloads: int) -> None:
    with tempfile.TemporaryDirectory(prefix="rrc-bench-console-") as tmp:
        proc, url, env = start_worker(bootstrap, Path(tmp) / "data")
        driver = chromium_driver()
        driver.set_window_size(1366, 768)
        try:
            coordinator = token(env, "--role", "coordinator", "--office", "hq")
            sign_in(driver, url, coordinator)
            empty = measure(driver, url, reloads)

            client = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {coordinator}"}, timeout=60)
            batch = signals(n)
            for i in range(0, n, 250):
                r = client.post("/v1/signals", json=batch[i:i + 250])
                r.raise_for_status()
            deadline = time.monotonic() + 300
            while client.get("/v1/crises", params={"limit": 1}).json()["total"] < n:
                if time.monotonic() > deadline:
                    raise SystemExit("the crises never all appeared")
                time.sleep(0.5)
            full = measure(driver, url, reloads)
        finally:
            driver.quit()
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
    emit({"crises": n, "reloads": reloads,
          "ttfr_ms_cold_0": round(empty["cold_ms"]), "ttfr_ms_warm_0": round(empty["warm_ms"]),
          "ttfr_ms_cold_1000": round(full["cold_ms"]), "ttfr_ms_warm_1000": round(full["warm_ms"]),
          "transfer_kb_cold_0": round(empty["cold_kb"], 1), "transfer_kb_warm_0": round(empty["warm_kb"], 1),
          "transfer_kb_cold_1000": round(full["cold_kb"], 1), "transfer_kb_warm_1000": round(full["warm_kb"], 1),
          "api_kb_1000": round(full["api_kb"], 1), "rows_shown": full["rows"], "points_drawn": full["points"],
          "ratio_warm_1000_to_0": round(full["warm_ms"] / max(1.0, empty["warm_ms"]), 2)})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--crises", type=int, default=1000)
    parser.add_argument("--reloads", type=int, default=5)
    args = parser.parse_args()
    with ExitStack() as stack:
        broker = stack.enter_context(broker_for_run())
        main(broker, args.crises, args.reloads)
